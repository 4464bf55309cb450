FROM alpine
ONBUILD RUN <<EOF
echo triggered
EOF
ONBUILD ADD . /app/src
