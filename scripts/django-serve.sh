#!/usr/bin/env bash
# Serves the Django fixture app (Tests/Fixtures/django-app) with gunicorn on 127.0.0.1:PORT, in the
# foreground: gunicorn replaces this shell, so the caller's pid is gunicorn's master and SIGTERM to it
# stops the app (within 5 s).
#
# usage: CACHEMON_DJANGO_REDIS_URL=redis://127.0.0.1:6379/0 scripts/django-serve.sh PORT
#
# Needs the venv of scripts/django-venv.sh (run that first). CACHEMON_DJANGO_TTL sets the seconds an
# answer stays cached (default 300). Gunicorn logs `[INFO] Listening at: http://127.0.0.1:PORT (PID)` on
# stderr once it holds the port, with the port it was given, so PORT 0 works: read the port from that
# line. Requests that come before its worker has booted wait in the backlog; GET /healthz answers
# `ok` once the app is loaded.
set -euo pipefail

port=${1:?usage: $0 PORT}
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.build-django/venv"

[ -x "$venv/bin/gunicorn" ] || {
    echo "django-serve: no gunicorn in ${venv#"$root"/}; run scripts/django-venv.sh first" >&2
    exit 1
}
[ -n "${CACHEMON_DJANGO_REDIS_URL:-}" ] || {
    echo "django-serve: CACHEMON_DJANGO_REDIS_URL is not set; export the Redis the app caches in," \
        "e.g. redis://127.0.0.1:6379/0" >&2
    exit 1
}

# One worker, so every request of a test sees the same process; threads so a slow request does not
# hold up /healthz. gunicorn's control socket is off: its default path (~/.gunicorn/gunicorn.ctl) is one
# per user, and test suites run several servers at once.
exec "$venv/bin/gunicorn" foobar.wsgi:application \
    --chdir "$root/Tests/Fixtures/django-app" \
    --bind "127.0.0.1:$port" \
    --workers 1 --worker-class gthread --threads 4 \
    --graceful-timeout 5 \
    --no-control-socket
