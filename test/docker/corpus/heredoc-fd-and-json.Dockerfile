FROM alpine
RUN 3<<EOF cat /proc/self/fd/3
from fd three
EOF
RUN ["sh", "-c", "cat <<EOF"]
RUN echo "<<NOT a heredoc"
