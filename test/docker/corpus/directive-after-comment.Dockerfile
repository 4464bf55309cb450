# This is a comment
# syntax=docker/dockerfile:1
FROM alpine
RUN echo hi
