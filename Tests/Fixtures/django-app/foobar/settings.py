"""Settings of the fixture app, read from the environment:

- CACHEMON_DJANGO_REDIS_URL (required): the Redis that django-redis writes to, e.g.
  redis://127.0.0.1:6379/0.
- CACHEMON_DJANGO_TTL: seconds an API answer stays cached (default 300); a request's `ttl` query
  parameter overrides it.

With django-redis's defaults (KEY_PREFIX "", VERSION 1) the recipe's key `foobar_4_/api/...` is
stored in Redis as `:1:foobar_4_/api/...`.
"""
import os

from django.core.exceptions import ImproperlyConfigured

REDIS_URL = os.environ.get("CACHEMON_DJANGO_REDIS_URL", "")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "CACHEMON_DJANGO_REDIS_URL is not set: export the Redis the app caches in, "
        "e.g. CACHEMON_DJANGO_REDIS_URL=redis://127.0.0.1:6379/0"
    )

try:
    API_CACHE_TTL = int(os.environ.get("CACHEMON_DJANGO_TTL", "300"))
except ValueError:
    raise ImproperlyConfigured(
        f"CACHEMON_DJANGO_TTL must be a whole number of seconds, not {os.environ['CACHEMON_DJANGO_TTL']!r}"
    ) from None

# A fixed key is fine: the app has no sessions, no users and no signed data; it only listens on loopback.
SECRET_KEY = "cachemon-django-fixture-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# No database and no contrib apps: nothing here needs them. CommonMiddleware is the one middleware,
# because it is what checks ALLOWED_HOSTS (without it any Host header is served).
INSTALLED_APPS = []
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {}
ROOT_URLCONF = "foobar.urls"
WSGI_APPLICATION = "foobar.wsgi.application"
USE_TZ = True
# Django sets the process's TZ from this (default America/Chicago), which would put the worker's log
# lines in another zone than gunicorn's master.
TIME_ZONE = "UTC"

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "",
        "VERSION": 1,
        "TIMEOUT": API_CACHE_TTL,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}

# With DEBUG off, Django sends a view's traceback only to mail_admins; a failing test needs it on
# stderr, which gunicorn passes through.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
