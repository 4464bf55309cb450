FROM nginx:1.27
EXPOSE 80/tcp 443
HEALTHCHECK --interval=30s --timeout=3s \
  CMD curl -f http://localhost/ || exit 1
STOPSIGNAL SIGQUIT
USER nginx
HEALTHCHECK NONE
HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
