#!/usr/bin/env bash
# What sampling costs the hit path: a cached hit's requests/s with `--verify-sample 0.01` as a
# share of the same with sampling off, two memory-store servers side by side, the pairs of runs
# interleaved so both see the same machine (docs/benchmarks.md).
#
#   scripts/sample-bench.sh [cachemon binary] [pairs] [seconds per run]
#
# Starts two servers on free loopback ports and stops them by their pids when it ends (also on
# Ctrl-C). Every request is a hit on one of 100 users' summaries (a wrk Lua script rotates them),
# so 1% of them are picked for verification, at most 10 a second (the default cap), each one
# computing the summary again in the server.
set -euo pipefail
bin=${1:-.build-bench/release/cachemon}
pairs=${2:-5}
seconds=${3:-5}
for tool in wrk curl python3; do
    command -v "$tool" > /dev/null || { echo "sample-bench: needs $tool (apt-get install wrk curl python3)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "sample-bench: no $bin: swift build -c release --scratch-path .build-bench --product cachemon" >&2; exit 2; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
work=$(mktemp -d)
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

cat > "$work/rotate.lua" <<'LUA'
local counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", "/api/users/" .. (counter % 100 + 1) .. "/dashboard/summary")
end
LUA

names=(off sampled)
ports=()
for name in "${names[@]}"; do
    port=$(free_port)
    ports+=("$port")
    share=0
    [ "$name" = sampled ] && share=0.01
    "$bin" serve --port "$port" --token tk --verify-sample "$share" > /dev/null 2>&1 &
    pids+=($!)
done
for port in "${ports[@]}"; do
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
    for user in $(seq 100); do curl -fs "http://127.0.0.1:$port/api/users/$user/dashboard/summary" > /dev/null; done
done

rate() { wrk -t2 -c32 -d"${seconds}s" -s "$work/rotate.lua" "$1" | awk '/Requests\/sec/ { print $2 }'; }
declare -A total
for name in "${names[@]}"; do total[$name]=0; done
for pair in $(seq "$pairs"); do
    line="pair $pair"
    for index in "${!names[@]}"; do
        name=${names[$index]}
        r=$(rate "http://127.0.0.1:${ports[$index]}")
        line="$line  $name $r/s"
        total[$name]=$(python3 -c "print(${total[$name]} + $r)")
    done
    echo "$line"
done
verified=$(curl -fs -H "Authorization: Bearer tk" "http://127.0.0.1:${ports[1]}/_cache/stats?limit=1" \
    | python3 -c 'import json, sys; t = json.load(sys.stdin)["totals"]; print(t["verifications"], t["hits"])')
echo
echo "| sampling | cached hit requests/s (sum of $pairs runs) | share of off |"
echo "|---|---|---|"
for name in "${names[@]}"; do
    python3 -c "print(f'| $name | {${total[$name]}:,.0f} | {${total[$name]} / ${total[off]}:.1%} |')"
done
echo
echo "verifications and hits of the sampled server: $verified"
