"""The API, cached with the recipe that teams copy from blog posts and answers: a decorator that keys
each answer by user and full path, and a write that purges the user's answers with a glob.

Each answer is computed from the user's name alone, so two calls agree and a test can tell whose
body it got.
"""
import functools
import hashlib
import json
import random

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods


def cached_api_response(view):
    """Serves the view's JSON from the cache when it is there, else computes it and caches it for
    CACHEMON_DJANGO_TTL seconds, or for the request's `ttl` query parameter. Answers carry
    `X-Cache: HIT` or `X-Cache: MISS`."""

    @functools.wraps(view)
    def wrapper(request, user):
        try:
            timeout = int(request.GET.get("ttl", settings.API_CACHE_TTL))
        except ValueError:
            return JsonResponse({"error": "ttl must be a whole number of seconds"}, status=400)
        key = f"foobar_{user}_{request.get_full_path()}"
        body = cache.get(key)
        if body is not None:
            return _json_answer(body, "HIT")
        body = json.dumps(view(request, user))
        cache.set(key, body, timeout)
        return _json_answer(body, "MISS")

    return wrapper


def _json_answer(body, cache_status):
    response = HttpResponse(body, content_type="application/json")
    response["X-Cache"] = cache_status
    return response


def _generator(user):
    """A random generator seeded by the user's name, so every computation for a user agrees."""
    return random.Random(hashlib.sha256(user.encode()).digest())


@require_GET
@cached_api_response
def summary(request, user):
    generator = _generator(user)
    orders = generator.randint(1, 40)
    return {
        "user": user,
        "orders": orders,
        "spentCents": orders * generator.randint(500, 20_000),
        "tier": generator.choice(["bronze", "silver", "gold"]),
    }


@cached_api_response
def _order_list(request, user):
    generator = _generator(user)
    return {
        "user": user,
        "orders": [
            {
                "id": f"{user}-{number}",
                "items": generator.randint(1, 9),
                "totalCents": generator.randint(500, 20_000),
            }
            for number in range(1, generator.randint(2, 5) + 1)
        ],
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def orders(request, user):
    if request.method == "GET":
        return _order_list(request, user)
    # A new order makes the user's cached answers stale. This is the flawed purge, kept on purpose for
    # the tests: the user is pasted into a glob unescaped, so user `4*` (`/api/users/4%2A/orders`)
    # purges every user whose name starts with 4, and user `4` also purges user `4_b`'s answers, whose
    # keys start with `foobar_4_` too. SCAN walks the whole keyspace to find them.
    purged = cache.delete_pattern(f"foobar_{user}_*")
    return JsonResponse({"purged": purged}, status=201)


@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
