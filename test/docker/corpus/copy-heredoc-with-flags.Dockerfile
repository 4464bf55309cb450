# syntax=docker/dockerfile:1
FROM nginx:alpine
COPY --chmod=755 <<EOF /usr/local/bin/entry.sh
#!/bin/sh
exec nginx -g 'daemon off;'
EOF
COPY <<EOF /usr/share/nginx/html/index.html
<html><body>$HOSTNAME</body></html>
EOF
ENTRYPOINT ["/usr/local/bin/entry.sh"]
