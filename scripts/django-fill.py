#!/usr/bin/env python3
"""Fills the Django fixture app's Redis with N cached answers, written through django-redis with the
app's own settings, so keys, values and expiry are those the app's recipe writes.

usage: CACHEMON_DJANGO_REDIS_URL=redis://127.0.0.1:PORT/0 .build-django/venv/bin/python \
           scripts/django-fill.py --keys N --users U --ttl T

Answer i belongs to user i mod U (users 0 to U-1) and is stored under the recipe's key
`foobar_{user}_/api/users/{user}/item/{i}` (`:1:foobar_...` in Redis) for T seconds, with a JSON body
of about 200 bytes. Writes go in batches of 1,000 (`cache.set_many`, one pipeline each). Prints
`wrote N keys for U users in S seconds`.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

BATCH = 1_000
BODY_BYTES = 200


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive whole number")
    return value


def setup_django():
    """Loads the fixture app's settings, which read CACHEMON_DJANGO_REDIS_URL."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Fixtures" / "django-app"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foobar.settings")
    import django

    django.setup()


def body(user, item):
    """A JSON answer of about BODY_BYTES bytes; its padding makes up the difference."""
    answer = {"user": user, "item": item, "totalCents": (item * 7919) % 20_000, "padding": ""}
    answer["padding"] = "x" * max(0, BODY_BYTES - len(json.dumps(answer)))
    return json.dumps(answer)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=positive, required=True, help="how many answers to write")
    parser.add_argument("--users", type=positive, required=True, help="how many users share them")
    parser.add_argument("--ttl", type=positive, required=True, help="seconds each answer lives")
    arguments = parser.parse_args()
    setup_django()
    from django.core.cache import cache

    started = time.perf_counter()
    for first in range(0, arguments.keys, BATCH):
        batch = {}
        for item in range(first, min(first + BATCH, arguments.keys)):
            user = item % arguments.users
            batch[f"foobar_{user}_/api/users/{user}/item/{item}"] = body(str(user), item)
        cache.set_many(batch, timeout=arguments.ttl)
    elapsed = time.perf_counter() - started
    print(f"wrote {arguments.keys} keys for {arguments.users} users in {elapsed:.3f} seconds")


if __name__ == "__main__":
    main()
