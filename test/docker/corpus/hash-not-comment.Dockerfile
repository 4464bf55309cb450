FROM alpine
RUN echo "# not a comment" && \
    echo done # shell comment stays
# real comment
  # indented comment
ENV URL=http://example.com/#anchor
