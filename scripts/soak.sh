#!/usr/bin/env bash
# `make soak`: load, faults and a purge storm on a small fleet, and a check that nothing stale is served.
#
# A private redis-server; two `cachemon serve --redis` instances sharing it and one memory-store
# instance; wrk load on all three over USERS users; the cache warmed first. Then for SECONDS: the
# same load, a purge storm of about 100 purges/s with a read-after-purge checker
# (scripts/soak_checker.py), and Redis killed (SIGKILL) and restarted on the same port twice.
# Prints one table and exits non-zero when a goal is missed: 0 non-2xx and 0 socket errors on the
# load, 0 stale reads (on another instance than the one that purged, a read within the near
# cache's lag bound of 1 s is counted apart), 0 failed purges on the memory store, resident memory
# growth under 10% once warm, no growth in open file descriptors. Every process it starts is
# stopped by its pid.
#
# usage: scripts/soak.sh PATH/TO/cachemon [SECONDS]      (environment: SOAK_USERS, SOAK_PURGE_RATE)
set -euo pipefail

cachemon=${1:?usage: $0 PATH/TO/cachemon [SECONDS]}
seconds=${2:-120}
users=${SOAK_USERS:-2000}
purge_rate=${SOAK_PURGE_RATE:-100}
# The near cache's promise (docs/redis.md): another instance stops serving its copy within this
# long after a purge returned; the checker counts such reads apart from stale ones.
near_lag_ms=${SOAK_NEAR_LAG_MS:-1000}
here=$(cd "$(dirname "$0")" && pwd)
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -ge 10 ] && [ "$seconds" -le 3600 ] \
    || { echo "soak: SECONDS must be a whole number from 10 to 3600, not '$seconds'" >&2; exit 64; }
[[ "$users" =~ ^[0-9]+$ ]] && [ "$users" -ge 2000 ] || { echo "soak: SOAK_USERS must be 2000 or more" >&2; exit 64; }
for tool in redis-server redis-cli wrk python3; do
    command -v "$tool" >/dev/null || { echo "soak: $tool is missing: run make deps" >&2; exit 1; }
done
[ -x "$cachemon" ] || { echo "soak: $cachemon is not an executable" >&2; exit 1; }

work=$(mktemp -d -t cachemon-soak.XXXXXX)
pids=()
redis_pid=

# Stops every child by its pid: SIGTERM, up to 5 s to finish, then SIGKILL.
stop_all() {
    local all=("${pids[@]}")
    [ -n "$redis_pid" ] && all+=("$redis_pid")
    for pid in "${all[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${all[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts redis-server on $redis_port and waits (up to 10 s) until it answers PING.
start_redis() {
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        >>"$work/redis.log" 2>&1 &
    redis_pid=$!
    for _ in $(seq 1 100); do
        [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ] && return 0
        kill -0 "$redis_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "soak: redis-server did not start on port $redis_port:" >&2
    tail -20 "$work/redis.log" >&2
    return 1
}

kill_redis() {
    kill -9 "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=
}

started=
for _ in 1 2 3; do
    redis_port=$(free_port)
    if start_redis; then started=1; break; fi
    kill_redis
done
[ -n "$started" ] || exit 1
redis_url="redis://127.0.0.1:$redis_port/0"

token=$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")
names=(redis-a redis-b memory)
urls=()
serve_pids=()
for index in 0 1 2; do
    name=${names[$index]}
    store=()
    [ "$index" -lt 2 ] && store=(--redis "$redis_url")
    # The log exists before the server starts: the loop below reads it at once.
    : >"$work/$name.log"
    "$cachemon" serve --host 127.0.0.1 --port 0 --token "$token" "${store[@]}" >>"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    serve_pids+=("$pid")
    url=
    for _ in $(seq 1 300); do
        url=$(sed -n 's/^cachemon: serving \(http[^ ]*\).*/\1/p' "$work/$name.log")
        [ -n "$url" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$url" ] || { echo "soak: instance $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
    urls+=("$url")
done

# Starts wrk against every instance for $1 seconds in mode $2 (outputs in $work/wrk-$2-NAME.txt), in
# this shell so that the trap stops them too.
start_wrk() {
    local duration=$1 mode=$2
    wrk_pids=()
    for index in 0 1 2; do
        wrk -t1 -c8 -d"${duration}s" --timeout 10s -s "$here/soak.lua" "${urls[$index]}" -- "$users" 50 "$mode" \
            $((index * users * 2)) >"$work/wrk-$mode-${names[$index]}.txt" 2>&1 &
        wrk_pids+=("$!")
        pids+=("$!")
    done
}

# Waits for the wrk processes started last; fails if one did.
wait_wrk() {
    local status=0
    for pid in "${wrk_pids[@]}"; do wait "$pid" || status=1; done
    return $status
}

# Before each measurement: past the circuit breaker's cool-down (5 s; it lets one probe through,
# then the pools reopen as requests need them) and 2 s of load, so every connection pool is as
# full as the load makes it, however recently the last outage ended.
settle() {
    sleep 6
    start_wrk 2 settle
    wait_wrk || true
    sleep 2
}

# VmRSS in KiB and the number of open descriptors of each instance, as "rss fds" lines.
measure() {
    for pid in "${serve_pids[@]}"; do
        local rss
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
        echo "$rss $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)"
    done
}

# How many entries the cache at $1 holds now (the admin API's totals; the Redis instances share theirs).
cached_keys() {
    python3 -c '
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/_cache/stats?limit=1", headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    print(json.load(urllib.request.urlopen(request, timeout=10))["totals"]["keys"])
except Exception as error:  # a slow answer under load (a debug build): ask again next second
    sys.exit(f"soak: stats did not answer: {error}")' "$1" "$token"
}

echo "soak: Redis at $redis_url; instances ${names[0]} ${urls[0]}, ${names[1]} ${urls[1]}, ${names[2]} ${urls[2]}"
# Warm means both caches hold (nearly) every user's four routes, and then the whole mix of load,
# purges and a Redis outage has run for a while, so that the memory measured at the start is the
# working set's.
wanted=$((users * 4 * 9 / 10))
echo "soak: filling the caches ($wanted entries each, at most 180 s)"
start_wrk 600 warm
filled=
fill_deadline=$((SECONDS + 180))
while [ "$SECONDS" -lt "$fill_deadline" ]; do
    sleep 1
    redis_keys=$(cached_keys "${urls[0]}") && memory_keys=$(cached_keys "${urls[2]}") || continue
    if [ "$redis_keys" -ge "$wanted" ] && [ "$memory_keys" -ge "$wanted" ]; then filled=1; break; fi
done
for pid in "${wrk_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
wait_wrk || true
[ -n "$filled" ] || { echo "soak: the caches did not fill: ${redis_keys:-?} and ${memory_keys:-?} entries" >&2; exit 1; }
warm_seconds=$((seconds / 6 > 10 ? seconds / 6 : 10))
echo "soak: caches full (${redis_keys} and ${memory_keys} entries); ${warm_seconds} s of load, purges and one Redis restart to warm up"
start_wrk "$warm_seconds" load
python3 "$here/soak_checker.py" --group "redis=${urls[0]},${urls[1]}" --group "memory=${urls[2]}" \
    --token "$token" --seconds "$warm_seconds" --rate "$purge_rate" --users "$users" --hot 50 --lag-ms "$near_lag_ms" \
    >"$work/checker-warm.log" 2>&1 &
warm_checker=$!
pids+=("$warm_checker")
# One outage while warming too, so that the code that runs only then (reconnecting, serving
# uncached) has allocated what it keeps before the memory is measured.
sleep $((warm_seconds / 3))
kill_redis
sleep 3
start_redis || exit 1
wait_wrk || { echo "soak: wrk failed while warming:" >&2; cat "$work"/wrk-load-*.txt >&2; exit 1; }
wait "$warm_checker" || { echo "soak: the checker failed while warming:" >&2; cat "$work/checker-warm.log" >&2; exit 1; }
settle
mapfile -t at_start < <(measure)

echo "soak: ${seconds} s of load on $users users, ~${purge_rate} purges/s, Redis killed and restarted twice"
start_wrk "$seconds" load
python3 "$here/soak_checker.py" --group "redis=${urls[0]},${urls[1]}" --group "memory=${urls[2]}" \
    --token "$token" --seconds "$seconds" --rate "$purge_rate" --users "$users" --hot 50 --lag-ms "$near_lag_ms" \
    --out "$work/checker.json" >"$work/checker.log" 2>&1 &
checker_pid=$!
pids+=("$checker_pid")

# The faults: Redis down for 3 s at one third and at two thirds of the run, back on the same port.
outages=0
began=$SECONDS
for fraction in 1 2; do
    while [ $((SECONDS - began)) -lt $((seconds * fraction / 3)) ]; do sleep 0.2; done
    echo "soak: $(date +%T) killing Redis (pid $redis_pid)"
    kill_redis
    sleep 3
    start_redis || exit 1
    echo "soak: $(date +%T) Redis is back (pid $redis_pid)"
    outages=$((outages + 1))
done

load_status=0
wait_wrk || load_status=1
checker_status=0
wait "$checker_pid" || checker_status=1
settle
mapfile -t at_end < <(measure)
if [ "$checker_status" -ne 0 ]; then
    echo "soak: the checker failed:" >&2
    cat "$work/checker.log" >&2
    exit 1
fi
[ "$load_status" -eq 0 ] || { echo "soak: wrk failed:" >&2; cat "$work"/wrk-load-*.txt >&2; exit 1; }

python3 - "$work" "$seconds" "$users" "$outages" "${names[@]}" -- "${at_start[@]}" -- "${at_end[@]}" <<'REPORT'
import json, re, sys

work, seconds, users, outages = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rest = sys.argv[5:]
names = rest[: rest.index("--")]
rest = rest[rest.index("--") + 1 :]
start = [tuple(map(int, line.split())) for line in rest[: rest.index("--")]]
end = [tuple(map(int, line.split())) for line in rest[rest.index("--") + 1 :]]
checker = json.load(open(f"{work}/checker.json"))


def wrk_figures(name):
    text = open(f"{work}/wrk-load-{name}.txt").read()
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return requests, int(non2xx.group(1)) if non2xx else 0, sum(map(int, sockets.groups())) if sockets else 0


rows, failures = [], []
totals = [0] * 8
for index, name in enumerate(names):
    requests, non2xx, sockets = wrk_figures(name)
    seen = checker["instances"][name]
    figures = [requests + seen["reads"], non2xx + seen["non2xx"], sockets + seen["socketErrors"], seen["purgesOk"],
               seen["purgesFailed"], seen["readsChecked"], seen["staleReads"], seen.get("readsInLag", 0)]
    totals = [total + figure for total, figure in zip(totals, figures)]
    (rss0, fds0), (rss1, fds1) = start[index], end[index]
    growth = (rss1 - rss0) / rss0 * 100
    rows.append([name] + [f"{figure:,}" for figure in figures]
                + [f"{rss0 / 1024:.1f}", f"{rss1 / 1024:.1f}", f"{growth:+.1f}%", str(fds0), str(fds1)])
    if growth >= 10:
        failures.append(f"{name}: resident memory grew {growth:.1f}% once warm (goal: under 10%)")
    if fds1 > fds0:
        failures.append(f"{name}: open descriptors grew from {fds0} to {fds1}")
    if name == "memory" and seen["purgesFailed"]:
        failures.append(f"memory: {seen['purgesFailed']} purges failed on the memory store")
rows.append(["all"] + [f"{figure:,}" for figure in totals] + [""] * 5)

purges = checker["purgesOk"] + checker["purgesFailed"]
print()
print(f"soak: {seconds} s, {users} users, {purges:,} purges ({purges / seconds:.0f}/s), "
      f"Redis killed and restarted {outages} times")
header = ["instance", "requests", "non-2xx", "socket errors", "purges ok", "purges failed", "reads checked",
          "stale reads", "in near lag", "RSS start MiB", "RSS end MiB", "RSS growth", "fds start", "fds end"]
print("| " + " | ".join(header) + " |")
print("|---" + "|--:" * (len(header) - 1) + "|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
totals = totals[:3]
if totals[1]:
    failures.append(f"{totals[1]} non-2xx answers on the load (goal: 0)")
if totals[2]:
    failures.append(f"{totals[2]} socket errors on the load (goal: 0)")
if checker["staleReads"]:
    failures.append(f"{checker['staleReads']} stale reads (goal: 0); for example:")
    failures += [f"  {json.dumps(example)}" for example in checker["staleExamples"]]
if checker["wrongUser"]:
    failures.append(f"{checker['wrongUser']} reads answered with another user's summary (goal: 0)")
if checker["unparsable"]:
    failures.append(f"{checker['unparsable']} summaries without a millisecond computedAt")
if checker["readsChecked"] == 0:
    failures.append("no read was checked after a purge: the checker did not work")
for failure in failures:
    print("soak: FAIL " + failure)
print("soak: all goals met" if not failures else f"soak: {len(failures)} goal(s) missed")
sys.exit(1 if failures else 0)
REPORT
