FROM alpine
RUN echo last \
