# syntax=docker/dockerfile:1
FROM python:3.11-slim
WORKDIR /app
RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf \
    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    pip install -r /tmp/requirements.txt
RUN --mount=type=ssh git clone git@github.com:acme/private.git /opt/private
RUN --mount=type=tmpfs,target=/tmp/scratch echo tmp
RUN --mount=type=cache,target=/root/.cache/pip,sharing=locked pip install uvicorn
COPY --chown=1000:1000 --chmod=0644 app/ /app/
CMD ["uvicorn", "app.main:app"]
