#!/usr/bin/env bash
# The Python environment of the Django app that the `cachemon attach` integration tests watch
# (Tests/Fixtures/django-app): Django, django-redis, redis and gunicorn as pinned in
# scripts/django-requirements.txt, in .build-django/venv.
#
# usage: scripts/django-venv.sh
#
# Makes the venv when it is missing or the pinned list changed, and does nothing else when it is up to
# date (a fraction of a second). Its only line on stdout is the venv's python; gunicorn is beside it
# in the same bin/. Progress and errors go to stderr. Several test suites may call it at once: they
# wait for each other on a lock.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/scripts/django-requirements.txt"
django_version=$(sed -n 's/^Django==//p' "$requirements")
build="$root/.build-django"
venv="$build/venv"
python="$venv/bin/python"

command -v python3 >/dev/null 2>&1 || {
    echo "django-venv: python3 is not on PATH; install it (apt-get install python3 python3-venv)" >&2
    exit 1
}

mkdir -p "$build"
exec 9>"$build/lock"
flock 9

# The venv is made again whenever the pinned list changed (a copy of it is kept inside).
if ! cmp -s "$requirements" "$venv/installed-requirements.txt" \
    || ! "$python" -m django --version 2>/dev/null | grep -qx "$django_version"; then
    echo "django-venv: installing Django $django_version, django-redis and gunicorn into ${venv#"$root"/}" >&2
    rm -rf "$venv"
    python3 -m venv "$venv" >&2 || {
        rm -rf "$venv"
        echo "django-venv: python3 -m venv failed; install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    cp "$requirements" "$venv/installed-requirements.txt"
fi

echo "$python"
