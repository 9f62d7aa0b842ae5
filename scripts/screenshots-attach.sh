#!/usr/bin/env bash
# screenshots/attach.png and attach-purge.png: `cachemon attach --watch` on the cache of the Django
# fixture app (Tests/Fixtures/django-app) with traffic, in tmux at 120x40. Run by
# scripts/screenshots.sh; alone, it needs what that script installs (tmux, the font, Pillow).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/debug/cachemon
[ -x "$binary" ] || swift build --product cachemon
python=$(bash scripts/django-venv.sh)
out=screenshots
work=$(mktemp -d)
session="cachemon-attach-shots-$$"
tm() { tmux -L "$session" -f /dev/null "$@"; }
pids=()
cleanup() {
    tm kill-server 2>/dev/null || true
    kill "${pids[@]}" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > "$work/redis.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
export CACHEMON_DJANGO_REDIS_URL="redis://127.0.0.1:$redis_port/0"
# What a day of traffic left behind, written as the app writes it; then the app itself, live.
"$python" scripts/django-fill.py --keys 20000 --users 400 --ttl 600 > /dev/null
bash scripts/django-serve.sh 0 > "$work/django.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do grep -q "Listening at" "$work/django.log" && break; sleep 0.1; done
app=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/django.log" | head -1)
[ -n "$app" ] || { echo "screenshots: the Django app did not start" >&2; exit 1; }
traffic() {
    while true; do
        for user in 4 40 41 4_b 7 12 "4%2A"; do
            curl -s -o /dev/null "$app/api/users/$user/summary"
            curl -s -o /dev/null "$app/api/users/$user/orders?ttl=5"
        done
        curl -s -o /dev/null -X POST "$app/api/users/7/orders"
        sleep 0.2
    done
}
traffic &
pids+=("$!")

export LANG=C.UTF-8 TERM=xterm-256color
unset NO_COLOR
tm new-session -d -s "$session" -x 120 -y 40 "$binary attach redis://127.0.0.1:$redis_port/0 \
    --key-pattern '^:1:foobar_(?P<user>.+?)_(?P<key>/.*)\$' --enable-notifications --allow-purge \
    --sample-reads 2s/10s --watch"
shot() {
    tm capture-pane -e -p -t "$session" > "$work/$1.txt"
    python3 scripts/ansi2png.py "$work/$1.txt" "$out/$1.png" 120 40
    echo "screenshots: $out/$1.png"
}
sleep 25
tm send-keys -t "$session" / 4 Enter
sleep 3
shot attach
tm send-keys -t "$session" d
sleep 2
shot attach-purge
tm send-keys -t "$session" n q
sleep 1
