# syntax=docker/dockerfile:1
FROM alpine
RUN <<EOF
echo one
echo two
EOF
LABEL a=b
