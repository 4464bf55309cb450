FROM golang:1.22 AS builder
RUN go install example.com/tool@latest

FROM alpine:3.20
COPY --from=0 /go/bin/tool /usr/local/bin/tool
COPY --from=nginx:1.27-alpine /etc/nginx/nginx.conf /etc/nginx/nginx.conf
COPY --from=ghcr.io/acme/assets@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae /assets /srv/assets
COPY --from=BUILDER /go/bin /extra
