# Partner Portal: one image for web (gunicorn), Celery worker and beat, and the HUAWEI CLOUD sandbox.
# docker-compose.yml shows how each is started.
FROM python:3.11-slim

# gunicorn reads its worker count from WEB_CONCURRENCY.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app
# Requirements first, so a code change does not reinstall them. Every package ships a wheel for
# python:3.11-slim (psycopg[binary], argon2-cffi), so no compiler is needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
# Static files are built into the image, with a throw-away secret: production settings refuse to
# start without one, and nothing signed at build time is kept.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=build-time-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    HUAWEICLOUD_AK=build HUAWEICLOUD_SK=build HUAWEICLOUD_DOMAIN_ID=build \
    CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    PARTNER_PORTAL_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput --verbosity 1 \
    && rm -rf /tmp/build-var \
    && mkdir -p /app/var \
    && chown app:app /app/var

# /app/var holds private uploads, the beat schedule and the sandbox's SQLite database: mount a volume.
VOLUME ["/app/var"]
USER app
EXPOSE 8000

CMD ["gunicorn", "partner_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "60"]
