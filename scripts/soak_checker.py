#!/usr/bin/env python3
"""Purge storm and read-after-purge checker for `make soak` (Python 3 standard library only).

For SECONDS it sends about RATE purges per second (`POST /_cache/purge {"user": ...}`), spread over
every instance, and reads `GET /api/users/{user}/dashboard/summary` on the instances that share a
cache with the one purged. The rule checked: once a purge of a user has returned 2xx on an instance,
every read of that user started afterwards on any instance of the same cache must be computed at or
after the moment the purge was sent (the body's `computedAt`, in milliseconds; same machine, same
clock). With `--lag-ms L`, the other instances of the cache may serve an older value for L ms after
the purge returned (a near cache's invalidation lag, docs/redis.md): such reads are counted as in
the lag, not as stale; on the instance that purged, the rule holds at once. Purges that fail (expected while Redis is down: the store is fail-open) are counted apart
and checked nothing.

usage: soak_checker.py --group redis=URL,URL --group memory=URL --token T --seconds S [--rate 100]
       [--users 2000] [--hot 50] [--lag-ms 0] [--out result.json]

Prints one JSON object: per-instance read counts, purges ok/failed per group, reads checked, stale
reads and reads of another user's body (with up to 20 examples).
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

TIMEOUT_SECONDS = 10
PURGERS = 24
READERS = 3
EXAMPLES = 20
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Instance:
    """One server: where it is and what the checker saw of it."""

    def __init__(self, name, group, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"soak_checker: {url}: only http on loopback")
        self.name, self.group, self.url = name, group, url
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.reads = self.non2xx = self.socket_errors = 0
        self.purges_ok = self.purges_failed = 0
        self.checked = self.stale = self.wrong_user = self.in_lag = 0


class Connections:
    """One keep-alive connection per instance, for one thread."""

    def __init__(self):
        self.open = {}

    def request(self, instance, method, path, body=None, headers=None):
        """(status, headers, body bytes), or None after a socket error (the connection is dropped)."""
        for attempt in range(2):
            connection = self.open.get(instance.name)
            fresh = connection is None
            if fresh:
                connection = http.client.HTTPConnection(instance.host, instance.port, timeout=TIMEOUT_SECONDS)
                self.open[instance.name] = connection
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.drop(instance)
                return response.status, response, data
            except (OSError, http.client.HTTPException):
                self.drop(instance)
                # A keep-alive connection the server closed while idle is retried once on a new one.
                if fresh or attempt == 1:
                    return None
        return None

    def drop(self, instance):
        connection = self.open.pop(instance.name, None)
        if connection is not None:
            connection.close()

    def close(self):
        for connection in self.open.values():
            connection.close()
        self.open.clear()


class Checker:
    def __init__(self, groups, token, users, hot, rate, seconds, lag_ms=0):
        self.groups = groups
        self.instances = [instance for members in groups.values() for instance in members]
        self.token, self.users, self.hot = token, users, min(hot, users)
        self.rate, self.seconds = rate, seconds
        self.lock = threading.Lock()
        # (group, user) -> the latest send time, in ms, of a purge of that user that has returned 2xx.
        self.floor = {}
        # (group, user) -> when (monotonic) and on which instance that purge returned.
        self.returned = {}
        self.lag = lag_ms / 1000
        self.reads_in_lag = 0
        self.reads_checked = 0
        self.stale = []
        self.stale_count = 0
        self.unparsable = 0
        self.wrong_user = 0
        self.deadline = time.monotonic() + seconds

    def pick_user(self, hot_share):
        if random.random() < hot_share:
            return str(random.randint(1, self.hot))
        return str(random.randint(1, self.users))

    def read(self, connections, instance, user):
        """Reads the user's summary on `instance` and checks it against purges done before it started."""
        with self.lock:
            floor = self.floor.get((instance.group, user))
            returned = self.returned.get((instance.group, user))
        started = time.monotonic()
        answer = connections.request(instance, "GET", f"/api/users/{user}/dashboard/summary")
        with self.lock:
            instance.reads += 1
            if answer is None:
                instance.socket_errors += 1
                return
            status, response, data = answer
            if not 200 <= status < 300:
                instance.non2xx += 1
                return
        try:
            summary = json.loads(data)
            computed = computed_at_ms(summary)
        except (ValueError, KeyError, TypeError):
            with self.lock:
                self.unparsable += 1
            return
        if summary.get("user") != user:
            # Another user's body: the worst thing a per-user cache can serve.
            with self.lock:
                self.wrong_user += 1
                instance.wrong_user += 1
                if len(self.stale) < EXAMPLES:
                    self.stale.append({"instance": instance.name, "user": user, "bodyUser": summary.get("user")})
            return
        if floor is None:
            return
        with self.lock:
            self.reads_checked += 1
            instance.checked += 1
            if computed < floor and returned and returned[1] != instance.name and started - returned[0] <= self.lag:
                self.reads_in_lag += 1
                instance.in_lag += 1
            elif computed < floor:
                self.stale_count += 1
                instance.stale += 1
                if len(self.stale) < EXAMPLES:
                    self.stale.append(
                        {
                            "instance": instance.name,
                            "user": user,
                            "purgeSentMs": floor,
                            "computedAtMs": computed,
                            "olderByMs": floor - computed,
                            "xCache": response.getheader("X-Cache"),
                            "age": response.getheader("Age"),
                        }
                    )

    def purger(self, number):
        connections = Connections()
        interval = PURGERS / self.rate
        next_at = time.monotonic() + interval * number / PURGERS
        turn = number
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            while True:
                now = time.monotonic()
                if now >= self.deadline:
                    return
                if next_at > now:
                    time.sleep(min(next_at - now, self.deadline - now))
                    continue
                next_at = max(next_at + interval, now - interval)
                # Round robin over every instance: purges of the shared cache go through both of its
                # instances, and the reads after them check both.
                instance = self.instances[turn % len(self.instances)]
                turn += 1
                user = self.pick_user(0.7)
                sent_ms = int(time.time() * 1000)
                body = json.dumps({"user": user})
                answer = connections.request(instance, "POST", "/_cache/purge", body=body, headers=headers)
                if answer is None or not 200 <= answer[0] < 300:
                    with self.lock:
                        instance.purges_failed += 1
                    continue
                with self.lock:
                    instance.purges_ok += 1
                    key = (instance.group, user)
                    self.floor[key] = max(self.floor.get(key, 0), sent_ms)
                    self.returned[key] = (time.monotonic(), instance.name)
                # The next read of that user, on every instance that shares the cache.
                for member in self.groups[instance.group]:
                    self.read(connections, member, user)
        finally:
            connections.close()

    def reader(self):
        connections = Connections()
        try:
            while time.monotonic() < self.deadline:
                instance = random.choice(self.instances)
                self.read(connections, instance, self.pick_user(0.8))
        finally:
            connections.close()

    def run(self):
        threads = [threading.Thread(target=self.purger, args=(number,), daemon=True) for number in range(PURGERS)]
        threads += [threading.Thread(target=self.reader, daemon=True) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        # Bounded: every request has a timeout, every loop a deadline.
        for thread in threads:
            thread.join(timeout=self.seconds + 4 * TIMEOUT_SECONDS)
        if any(thread.is_alive() for thread in threads):
            raise SystemExit("soak_checker: a thread did not finish in time")

    def result(self):
        return {
            "instances": {
                instance.name: {
                    "group": instance.group,
                    "reads": instance.reads,
                    "non2xx": instance.non2xx,
                    "socketErrors": instance.socket_errors,
                    "purgesOk": instance.purges_ok,
                    "purgesFailed": instance.purges_failed,
                    "readsChecked": instance.checked,
                    "staleReads": instance.stale,
                    "readsInLag": instance.in_lag,
                    "wrongUser": instance.wrong_user,
                }
                for instance in self.instances
            },
            "reads": sum(instance.reads for instance in self.instances),
            "non2xx": sum(instance.non2xx for instance in self.instances),
            "socketErrors": sum(instance.socket_errors for instance in self.instances),
            "purgesOk": sum(instance.purges_ok for instance in self.instances),
            "purgesFailed": sum(instance.purges_failed for instance in self.instances),
            "readsChecked": self.reads_checked,
            "staleReads": self.stale_count,
            "readsInLag": self.reads_in_lag,
            "unparsable": self.unparsable,
            "wrongUser": self.wrong_user,
            "staleExamples": self.stale,
        }


def computed_at_ms(summary):
    """`computedAt` of a summary in Unix milliseconds: ISO-8601 with fractional seconds."""
    text = summary["computedAt"]
    if "." not in text:
        raise ValueError(f"computedAt {text!r} has no fractional seconds")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    # Integer arithmetic: a float timestamp times 1000 can land a millisecond low.
    return (moment - EPOCH) // timedelta(milliseconds=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--group", action="append", required=True, help="NAME=URL[,URL...]: instances sharing a cache")
    parser.add_argument("--token", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--rate", type=float, default=100, help="purges per second, over all instances")
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--hot", type=int, default=50)
    parser.add_argument("--lag-ms", type=float, default=0, help="how long other instances may serve an older value")
    parser.add_argument("--out", help="also write the result to this file")
    arguments = parser.parse_args()
    if not 0 < arguments.seconds <= 3600 or not 0 < arguments.rate <= 10_000 or arguments.users < 1:
        parser.error("--seconds must be in (0, 3600], --rate in (0, 10000], --users 1 or more")

    groups = {}
    for spec in arguments.group:
        name, _, urls = spec.partition("=")
        if not name or not urls:
            parser.error(f"--group {spec!r}: expected NAME=URL[,URL...]")
        members = urls.split(",")
        groups[name] = [
            Instance(name if len(members) == 1 else f"{name}-{chr(ord('a') + index)}", name, url)
            for index, url in enumerate(members)
        ]
    checker = Checker(
        groups, arguments.token, arguments.users, arguments.hot, arguments.rate, arguments.seconds, arguments.lag_ms
    )
    checker.run()
    text = json.dumps(checker.result(), indent=2)
    if arguments.out:
        with open(arguments.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
