FROM alpine
LABEL org.opencontainers.image.title="api" \
      org.opencontainers.image.source="https://github.com/acme/api" \
      org.opencontainers.image.licenses=MIT
