FROM alpine:3.19
RUN ["/bin/sh", "-c", "echo exec form"]
RUN echo shell form
CMD ["echo", "hello"]
CMD echo hello
ENTRYPOINT ["/docker-entrypoint.sh"]
ENTRYPOINT /docker-entrypoint.sh --flag
RUN [ "echo", "spaced json" ]
RUN ["echo", 'single quotes are not json']
VOLUME ["/data", "/logs"]
VOLUME /cache /tmp/x
COPY ["with space.txt", "/dest/with space.txt"]
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
