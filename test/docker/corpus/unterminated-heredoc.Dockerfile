FROM alpine
RUN <<EOF
echo never ends
echo still body
COPY app /app
CMD ["sh"]
