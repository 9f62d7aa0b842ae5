#!/usr/bin/env bash
# What `cachemon attach` costs on a large django-redis cache (docs/benchmarks.md, "Attaching to a
# Django cache"): the time of the first scan, Redis's CPU share during it and the attach process's
# memory, for each key count given; then the purge of one user's 100 keys against django-redis's own
# `delete_pattern` of another user's 100 keys, on the same Redis in the same run.
#
#   scripts/attach-bench.sh [cachemon binary] [key counts...]     (default: 100000 1000000)
#
# A private redis-server on a free loopback port, filled through django-redis (scripts/django-fill.py,
# 100 keys per user); stopped by its pid when it ends (also on Ctrl-C).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-.build-bench/release/cachemon}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100000 1000000)
for tool in redis-server redis-cli curl python3; do
    command -v "$tool" > /dev/null || { echo "attach-bench: needs $tool (apt-get install redis-server redis-tools curl python3)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "attach-bench: no $bin: swift build -c release --scratch-path .build-bench --product cachemon" >&2; exit 2; }
python=$(bash "$root/scripts/django-venv.sh")

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
work=$(mktemp -d)
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

redis_cpu() { redis-cli -p "$redis_port" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { printf "%.3f", s }'; }
token=bench
pattern='^:1:foobar_(?P<user>.+?)_(?P<key>/.*)$'

for count in "${counts[@]}"; do
    users=$((count / 100))
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
    redis_pid=$!
    pids+=("$redis_pid")
    for _ in $(seq 100); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
    export CACHEMON_DJANGO_REDIS_URL="redis://127.0.0.1:$redis_port/0"
    echo "== $count keys, $users users (100 each)"
    "$python" "$root/scripts/django-fill.py" --keys "$count" --users "$users" --ttl 3600

    cpu_before=$(redis_cpu)
    started=$(date +%s.%N)
    "$bin" attach "redis://127.0.0.1:$redis_port/0" --key-pattern "$pattern" --token "$token" --port 0 \
        --allow-purge --rescan 3600 > "$work/attach.out" 2> "$work/attach.err" &
    attach_pid=$!
    pids+=("$attach_pid")
    url=
    for _ in $(seq 300); do
        url=$(grep -o 'http://[^ ]*' "$work/attach.out" 2> /dev/null || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "attach-bench: cachemon attach did not start:" >&2; cat "$work/attach.err" >&2; exit 1; }
    passes=0
    for _ in $(seq 36000); do
        passes=$(curl -s -H "Authorization: Bearer $token" "$url/_cache/stats?limit=1" \
            | python3 -c 'import json, sys; print(json.load(sys.stdin)["attach"]["passes"])')
        [ "$passes" -ge 1 ] && break
        sleep 0.1
    done
    ended=$(date +%s.%N)
    cpu_after=$(redis_cpu)
    rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$attach_pid/status")
    keys=$(curl -s -H "Authorization: Bearer $token" "$url/_cache/stats?limit=1" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["totals"]["keys"])')
    python3 - "$started" "$ended" "$cpu_before" "$cpu_after" "$rss" "$keys" <<'PY'
import sys
start, end, cpu0, cpu1, rss, keys = map(float, sys.argv[1:])
wall = end - start
print(f"first scan: {keys:,.0f} keys indexed in {wall:.1f} s; Redis CPU {cpu1 - cpu0:.2f} s "
      f"= {100 * (cpu1 - cpu0) / wall:.1f}% of one core; attach peak RSS {rss / 1024:.0f} MiB")
PY

    # One user's 100 keys among all the others: ours, then delete_pattern on another user.
    ours=$((users - 2))
    theirs=$((users - 1))
    "$bin" purge "$url" --token "$token" --user "$ours" --yes
    "$python" "$root/scripts/django-delete-pattern.py" "$theirs"
    kill "$attach_pid" "$redis_pid" 2> /dev/null || true
    wait "$attach_pid" "$redis_pid" 2> /dev/null || true
done
