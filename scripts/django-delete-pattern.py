#!/usr/bin/env python3
"""Times the Django fixture app's purge of one user, `cache.delete_pattern(f"foobar_{USER}_*")` with
django-redis's defaults (SCAN over the whole keyspace, COUNT 10, then one pipeline of DELs): the
baseline that cachemon's purge is measured against.

usage: CACHEMON_DJANGO_REDIS_URL=redis://127.0.0.1:PORT/0 .build-django/venv/bin/python \
           scripts/django-delete-pattern.py USER

Prints `deleted N in S seconds`. USER is pasted into the glob as the app does, unescaped: `4*`
deletes every user whose name starts with 4.
"""
import os
import sys
import time
from pathlib import Path


def setup_django():
    """Loads the fixture app's settings, which read CACHEMON_DJANGO_REDIS_URL."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "django-app"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foobar.settings")
    import django

    django.setup()


def main():
    if len(sys.argv) != 2 or not sys.argv[1]:
        sys.exit(f"usage: {sys.argv[0]} USER")
    user = sys.argv[1]
    setup_django()
    from django.core.cache import cache

    started = time.perf_counter()
    deleted = cache.delete_pattern(f"foobar_{user}_*")
    elapsed = time.perf_counter() - started
    print(f"deleted {deleted} in {elapsed:.3f} seconds")


if __name__ == "__main__":
    main()
