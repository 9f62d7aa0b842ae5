#!/usr/bin/env bash
# The near cache over HTTP: a cached hit's requests/s as a share of the same server's /healthz,
# for `cachemon serve --redis` with its near cache (the default), with `--near-cache 0`, and for
# the memory store, in one run, the pairs of runs interleaved (docs/benchmarks.md).
#
#   scripts/near-bench.sh [cachemon binary] [pairs] [seconds per run]
#
# Starts a private redis-server and three servers on free loopback ports, and stops them by their
# pids when it ends (also on Ctrl-C).
set -euo pipefail
bin=${1:-.build-bench/release/cachemon}
pairs=${2:-5}
seconds=${3:-5}
for tool in wrk redis-server curl python3; do
    command -v "$tool" > /dev/null || { echo "near-bench: needs $tool (apt-get install wrk redis-server curl python3)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "near-bench: no $bin: swift build -c release --scratch-path .build-bench --product cachemon" >&2; exit 2; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; }
trap cleanup EXIT INT TERM

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > /dev/null &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done

names=(near no-near memory)
ports=()
for name in "${names[@]}"; do
    port=$(free_port)
    ports+=("$port")
    case $name in
        near) args=(--redis "redis://127.0.0.1:$redis_port") ;;
        no-near) args=(--redis "redis://127.0.0.1:$redis_port" --near-cache 0) ;;
        memory) args=() ;;
    esac
    "$bin" serve --port "$port" --token tk "${args[@]}" > /dev/null 2>&1 &
    pids+=($!)
done
route=/api/users/7/dashboard/summary
for port in "${ports[@]}"; do
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
    for _ in 1 2 3; do curl -fs "http://127.0.0.1:$port$route" > /dev/null; done
done

rate() { wrk -t2 -c32 -d"${seconds}s" "$1" | awk '/Requests\/sec/ { print $2 }'; }
declare -A health hit
for name in "${names[@]}"; do health[$name]=0; hit[$name]=0; done
for pair in $(seq "$pairs"); do
    for index in "${!names[@]}"; do
        name=${names[$index]}
        port=${ports[$index]}
        h=$(rate "http://127.0.0.1:$port/healthz")
        c=$(rate "http://127.0.0.1:$port$route")
        echo "pair $pair  $name  healthz $h/s  cached hit $c/s  share $(python3 -c "print(f'{$c / $h:.0%}')")"
        health[$name]=$(python3 -c "print(${health[$name]} + $h)")
        hit[$name]=$(python3 -c "print(${hit[$name]} + $c)")
    done
done
echo
echo "| server | /healthz requests/s (sum of $pairs) | cached hit requests/s (sum) | share |"
echo "|---|---|---|---|"
for name in "${names[@]}"; do
    python3 -c "print(f'| $name | {${health[$name]}:,.0f} | {${hit[$name]}:,.0f} | {${hit[$name]} / ${health[$name]}:.0%} |')"
done
