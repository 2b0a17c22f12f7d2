# syntax=docker/dockerfile:1

# -- build: a virtual environment with the project and its dependencies ---------------------------
FROM python:3.13-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY pyproject.toml README.md ./
COPY secretsadmin/ secretsadmin/
COPY emulators/ emulators/
RUN pip install -e .
COPY manage.py gunicorn.conf.py ./
COPY scripts/start scripts/healthcheck scripts/
COPY templates/ templates/
COPY static/ static/
# Hashed, compressed static files, made once at build time; the key here only lets settings load.
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdef python manage.py collectstatic --noinput -v0

# -- runtime: the same files, no build tools, a user without privileges -------------------------
FROM python:3.13-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data GUNICORN_BIND=0.0.0.0:8000
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin secretsadmin \
    && mkdir /data && chown secretsadmin /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER secretsadmin
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["scripts/healthcheck"]
CMD ["scripts/start"]
