FROM alpine:3.20
RUN <<FILE1 cat > /file1 && <<FILE2 cat > /file2
I am
first
FILE1
I am
second
FILE2
COPY <<EOF /app/config.ini
[server]
port = 8080
EOF
COPY <<one.txt <<two.txt /dest/
1
one.txt
2
two.txt
CMD ["cat", "/file1", "/file2"]
