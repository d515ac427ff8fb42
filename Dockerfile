# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements/main.lock requirements/main.lock
RUN pip install -r requirements/main.lock

COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-deps . && useradd --system --uid 10001 --home /app chirp \
    && mkdir -p /data && chown chirp /data

USER chirp
ENV CHIRP_DATA_DIR=/data CHIRP_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8000/health')" || exit 1
CMD ["chirp", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
