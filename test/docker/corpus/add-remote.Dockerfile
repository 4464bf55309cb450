FROM alpine:3.20
ADD https://example.com/releases/tool-1.2.3.tar.gz /tmp/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/file.txt /file.txt
ADD git@github.com:acme/config.git /config
ADD https://github.com/moby/buildkit.git#v0.14.0 /buildkit
ADD --keep-git-dir=true https://github.com/acme/app.git#main:subdir /src
ADD vendor.tar.gz /opt/
ADD ./local-dir /opt/local
