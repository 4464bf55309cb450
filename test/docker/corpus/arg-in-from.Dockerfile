ARG REGISTRY=docker.io
ARG BASE_IMAGE=library/ubuntu
ARG BASE_TAG=22.04
FROM ${REGISTRY}/${BASE_IMAGE}:${BASE_TAG}
ARG BASE_TAG
RUN echo "built on ${BASE_TAG}"
LABEL org.opencontainers.image.base.name="${REGISTRY}/${BASE_IMAGE}:${BASE_TAG}"
