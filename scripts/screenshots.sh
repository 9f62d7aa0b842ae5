#!/usr/bin/env bash
# Regenerates screenshots/*.png from the real monitor: `cachemon serve` with traffic (5% of hits
# verified in the background), `cachemon
# watch` on it inside tmux at 120x40, captured with colours and rendered by scripts/ansi2png.py.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the rendering needs: tmux, a monospace font, Pillow.
if ! command -v tmux >/dev/null || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y -q tmux fonts-dejavu-core >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q tmux fonts-dejavu-core >/dev/null; }
    else
        echo "screenshots: run: sudo apt-get install -y tmux fonts-dejavu-core" >&2
        exit 1
    fi
fi
python3 -c "import PIL" 2>/dev/null || python3 -m pip install -q pillow

binary=.build/debug/cachemon
[ -x "$binary" ] || swift build --product cachemon
out=screenshots
mkdir -p "$out"
work=$(mktemp -d)
session="cachemon-shots-$$"
# A tmux server of our own (its own socket): a shared one passes on the environment it was started
# with (NO_COLOR, TERM), which gave monochrome screenshots; killed with everything in it at the end.
tm() { tmux -L "$session" -f /dev/null "$@"; }
token="screenshots"

"$binary" serve --port 0 --token "$token" --traffic 300 --users 500 --verify-sample 0.05 > "$work/serve.log" 2>&1 &
server=$!
fleet=()
cleanup() {
    tm kill-server 2>/dev/null || true
    rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$session"
    kill "$server" "${fleet[@]}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 150); do grep -q serving "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/serve.log" | head -1)
[ -n "$url" ] || { echo "screenshots: cachemon serve did not start" >&2; exit 1; }

export LANG=C.UTF-8 TERM=xterm-256color
unset NO_COLOR
tm new-session -d -s "$session" -x 120 -y 40 "$binary watch $url --token $token"
shot() {
    tm capture-pane -e -p -t "$session" > "$work/$1.txt"
    python3 scripts/ansi2png.py "$work/$1.txt" "$out/$1.png" 120 40
    echo "screenshots: $out/$1.png"
}

sleep 20                                  # let the sparkline and the 1-minute window fill
shot overview
# User 42 has entries to show whatever the random traffic reached (a loaded machine sends less).
for path in dashboard/summary "orders?page=1" alerts; do curl -s -o /dev/null "$url/api/users/42/$path"; done
tm send-keys -t "$session" g 4 2 Enter
sleep 2
tm send-keys -t "$session" Enter
sleep 3
shot keys
# The demo's bug: a rename that forgets to purge. `v` finds the summary stale; the timeline shows
# no purge after it was stored.
curl -s -o /dev/null -X PATCH -d '{"displayName":"Ada (renamed)"}' "$url/api/users/42/profile"
tm send-keys -t "$session" v
sleep 3
shot verify-stale
tm send-keys -t "$session" Escape
sleep 1
tm send-keys -t "$session" t
sleep 3
shot routes
tm send-keys -t "$session" Escape
sleep 1
tm send-keys -t "$session" d
sleep 1
shot purge-confirmation
tm send-keys -t "$session" n
kill "$server"
sleep 6
shot disconnected
tm send-keys -t "$session" q
sleep 1

# Two instances sharing a private redis-server, the monitor on the first; then Redis dies.
redis_port=$((20000 + RANDOM % 30000))
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
redis=$!
fleet+=("$redis")
for _ in $(seq 1 50); do grep -q "Ready to accept" "$work/redis.log" && break; sleep 0.1; done
for instance in 1 2; do
    "$binary" serve --port 0 --token "$token" --traffic 150 --users 500 --redis "redis://127.0.0.1:$redis_port" \
        > "$work/fleet$instance.log" 2>&1 &
    fleet+=("$!")
done
for _ in $(seq 1 150); do grep -q serving "$work/fleet1.log" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/fleet1.log" | head -1)
[ -n "$url" ] || { echo "screenshots: the Redis-backed instance did not start" >&2; exit 1; }
tm kill-session -t "$session" 2>/dev/null || true
tm new-session -d -s "$session" -x 120 -y 40 "$binary watch $url --token $token"
sleep 20
shot redis-fleet
kill "$redis"
sleep 5
shot redis-outage
tm send-keys -t "$session" q
bash scripts/screenshots-attach.sh
