FROM python:3.12-slim AS builder

ENV POETRY_VERSION=1.8.3 \
    POETRY_HOME=/opt/poetry \
    POETRY_VIRTUALENVS_IN_PROJECT=1 \
    POETRY_NO_INTERACTION=1

RUN pip install --no-cache-dir "poetry==$POETRY_VERSION"

WORKDIR /srv
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root

COPY service ./service
RUN poetry install --only main

FROM python:3.12-slim
WORKDIR /srv
COPY --from=builder /srv/.venv /srv/.venv
COPY --from=builder /srv/service /srv/service
ENV PATH="/srv/.venv/bin:$PATH"
CMD ["python", "-m", "service"]
