#!/usr/bin/env bash
# `make demo-fleet`: a private redis-server, two `cachemon serve` instances sharing it (each with its
# own demo traffic), and the monitor on the first. Quitting the monitor stops everything.
#
# usage: scripts/demo-fleet.sh PATH/TO/cachemon
set -euo pipefail

cachemon=${1:?usage: $0 PATH/TO/cachemon}
redis_server=$(command -v redis-server) || { echo "cachemon: redis-server is missing: run make deps" >&2; exit 1; }
work=$(mktemp -d)
pids=()

# Stops every child by its pid: SIGTERM, up to 5 s to finish, then SIGKILL.
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

# A free loopback port for Redis: try a few random ones (bounded).
redis_port=
for _ in $(seq 1 20); do
    port=$((20000 + RANDOM % 30000))
    "$redis_server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        >"$work/redis.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
        grep -q "Ready to accept connections" "$work/redis.log" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if grep -q "Ready to accept connections" "$work/redis.log"; then
        pids+=("$pid")
        redis_port=$port
        break
    fi
    kill "$pid" 2>/dev/null || true
done
[ -n "$redis_port" ] || { echo "cachemon: could not start redis-server:" >&2; cat "$work/redis.log" >&2; exit 1; }
redis_url="redis://127.0.0.1:$redis_port/0"

token=${CACHEMON_TOKEN:-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")}
urls=()
for instance in 1 2; do
    "$cachemon" serve --port 0 --redis "$redis_url" --token "$token" --traffic 100 --users 300 \
        >"$work/serve$instance.log" 2>&1 &
    pids+=("$!")
    url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/^cachemon: serving \(http[^ ]*\).*/\1/p' "$work/serve$instance.log")
        [ -n "$url" ] && break
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "cachemon: instance $instance did not start:" >&2; cat "$work/serve$instance.log" >&2; exit 1; }
    urls+=("$url")
done

cat <<MESSAGE
cachemon fleet: Redis at $redis_url, instances ${urls[0]} and ${urls[1]}, token $token
Both instances share one cache: a purge on either one (d in the monitor, or
  cachemon purge ${urls[1]} --token $token --user 42 --yes
) applies to both, and both report the same figures.
MESSAGE
sleep 2
# In the background with the terminal as its input, so that a hang-up or a signal to this script
# is handled at once (bash runs traps only between foreground commands) and stops everything.
"$cachemon" watch "${urls[0]}" --token "$token" </dev/tty &
pids+=("$!")
wait "$!"
