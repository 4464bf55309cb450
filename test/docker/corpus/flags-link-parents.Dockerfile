# syntax=docker/dockerfile:1.7-labs
FROM alpine AS src
COPY --link --parents ./packages/*/package.json /app/
COPY --exclude=*.md --exclude=docs/ . /app
ADD --link --chown=app:app --chmod=755 scripts/ /usr/local/bin/
