FROM --platform=linux/amd64 ubuntu:22.04 AS amd
FROM --platform=linux/arm64 ubuntu:22.04 AS arm
FROM --platform=$TARGETPLATFORM alpine:3.20
COPY --from=amd /etc/os-release /amd
COPY --from=arm /etc/os-release /arm
