# Stride Screen: one image for the web process (gunicorn) and for management commands.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's native libraries (Pango, HarfBuzz subsetting) and the fonts the PDF
# uses: DejaVu, and fallbacks so that a runner's words in any script are printed
# (Droid Sans Fallback for CJK, Unifont for the rest), as in the Makefile's FONTS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core fonts-droid-fallback fonts-unifont \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The locked runtime closure first, so code changes reuse this layer: every
# package pinned with the sha256 of its files (exported from uv.lock by `make lock`),
# so a rebuild installs the same bytes or fails.
COPY requirements.lock ./
RUN pip install --no-deps --require-hashes -r requirements.lock

COPY manage.py gunicorn.conf.py ./
COPY config ./config
COPY screening ./screening
COPY web ./web
COPY runner ./runner
COPY report ./report
COPY reviewer ./reviewer
COPY interop ./interop
COPY templates ./templates
COPY static ./static

# Hashed, compressed static files for WhiteNoise. Settings refuse DEBUG=False
# without these, so throwaway values are given for this one command only.
RUN DEBUG=False SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost CACHE_URL=locmem:// \
    python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin stride \
 && chown -R stride /app/staticfiles
USER stride

EXPOSE 8000
# Migrations on start (a no-op when up to date), then gunicorn with gunicorn.conf.py.
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi:application"]
