#!/bin/sh
# Runs the container's command under tini with a predictable environment.
export NODE_ENV="${NODE_ENV:-production}"
exec "$@"
