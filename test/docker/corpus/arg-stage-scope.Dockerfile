ARG VERSION=1.0.0
ARG BASE=alpine:3.19
FROM ${BASE} AS one
RUN echo "no version here: $VERSION"
FROM ${BASE} AS two
ARG VERSION
RUN echo "version $VERSION"
FROM two AS three
ARG VERSION=2.0.0
LABEL version=$VERSION
