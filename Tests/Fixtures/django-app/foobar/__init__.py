"""A minimal Django app that caches its API answers in Redis with the common django-redis recipe,
for the integration tests of `cachemon attach` (a monitor of a cache that someone else writes)."""
