#!/usr/bin/env bash
# `make demo-cluster`: a private Redis Cluster of 3 primaries on loopback, two `cachemon serve`
# instances sharing it (each with its own demo traffic), and the monitor on the first. Quitting the
# monitor stops everything.
#
# usage: scripts/demo-cluster.sh PATH/TO/cachemon
set -euo pipefail

cachemon=${1:?usage: $0 PATH/TO/cachemon}
redis_server=$(command -v redis-server) || { echo "cachemon: redis-server is missing: run make deps" >&2; exit 1; }
redis_cli=$(command -v redis-cli) || { echo "cachemon: redis-cli is missing: run make deps" >&2; exit 1; }
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

# Starts one cluster node on a random loopback port whose bus port (port + 10000) is free too;
# prints the port. Bounded: 20 tries.
start_node() {
    local name=$1
    for _ in $(seq 1 20); do
        local port=$((20000 + RANDOM % 25000))
        mkdir -p "$work/$name"
        "$redis_server" --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
            --cluster-config-file "$work/$name/nodes.conf" --cluster-node-timeout 2000 \
            --cluster-require-full-coverage no --dir "$work/$name" --save "" --appendonly no \
            --daemonize no >"$work/$name/log" 2>&1 &
        local pid=$!
        for _ in $(seq 1 50); do
            grep -q "Ready to accept connections" "$work/$name/log" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if grep -q "Ready to accept connections" "$work/$name/log"; then
            pids+=("$pid")
            node_port=$port
            return 0
        fi
        kill "$pid" 2>/dev/null || true
    done
    echo "cachemon: could not start redis-server for $name:" >&2
    cat "$work/$name/log" >&2
    exit 1
}

ports=()
for node in a b c; do
    start_node "$node"
    ports+=("$node_port")
done
"$redis_cli" --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" "127.0.0.1:${ports[2]}" \
    --cluster-yes >"$work/create.log" 2>&1 || { cat "$work/create.log" >&2; exit 1; }
for _ in $(seq 1 100); do
    ready=1
    for port in "${ports[@]}"; do
        "$redis_cli" -p "$port" cluster info 2>/dev/null | grep -q "cluster_state:ok" || ready=0
    done
    [ "$ready" -eq 1 ] && break
    sleep 0.1
done
[ "$ready" -eq 1 ] || { echo "cachemon: the cluster did not become ready" >&2; exit 1; }

token=${CACHEMON_TOKEN:-$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")}
urls=()
for instance in 1 2; do
    # Each instance is given a different node: the client learns the others from it.
    "$cachemon" serve --port 0 --redis "redis://127.0.0.1:${ports[$((instance - 1))]}" --token "$token" \
        --traffic 100 --users 300 >"$work/serve$instance.log" 2>&1 &
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
cachemon cluster: Redis Cluster primaries on 127.0.0.1 ports ${ports[*]}, instances ${urls[0]} and ${urls[1]}, token $token
Both instances share one cache spread over the three primaries: a purge on either one (d in the
monitor, or
  cachemon purge ${urls[1]} --token $token --user 42 --yes
) applies to both; i in the monitor lists the instances.
MESSAGE
sleep 2
# In the background with the terminal as its input, so that a hang-up or a signal to this script
# is handled at once (bash runs traps only between foreground commands) and stops everything.
"$cachemon" watch "${urls[0]}" --token "$token" </dev/tty &
pids+=("$!")
wait "$!"
