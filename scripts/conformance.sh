#!/usr/bin/env bash
# `make conformance`: checks that `cachemon serve` answers as docs/openapi.yaml describes, with
# schemathesis (a third-party property-based API tester) and all of its checks, for a bounded time.
#
# usage: scripts/conformance.sh PATH/TO/cachemon [SECONDS]
#
# Installs the pinned schemathesis (scripts/conformance-requirements.txt) into .build-conformance/venv
# when it is missing, starts one `cachemon serve` on a free loopback port (with a little demo traffic
# so the cache has users, keys and events), runs `schemathesis run --checks all` against it for
# SECONDS (default 60), stops the server by its pid, and exits non-zero on any failure.
set -euo pipefail

cachemon=${1:?usage: $0 PATH/TO/cachemon [SECONDS]}
seconds=${2:-${CONFORMANCE_SECONDS:-60}}
root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/scripts/conformance-requirements.txt"
version=$(sed -n 's/^schemathesis==//p' "$requirements")
venv="$root/.build-conformance/venv"
schemathesis="$venv/bin/schemathesis"

[ -x "$cachemon" ] || { echo "conformance: $cachemon is not an executable; build cachemon first" >&2; exit 1; }

# The venv is made again whenever the pinned list changed (a copy of it is kept inside).
if ! cmp -s "$requirements" "$venv/installed-requirements.txt" \
    || ! "$schemathesis" --version 2>/dev/null | grep -qx "schemathesis, version $version"; then
    echo "conformance: installing schemathesis $version into ${venv#"$root"/}"
    rm -rf "$venv"
    python3 -m venv "$venv" || {
        echo "conformance: python3 -m venv failed; install python3-venv (apt-get install python3-venv)" >&2
        exit 1
    }
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/installed-requirements.txt"
fi

work=$(mktemp -d)
server_pid=
# Stops the server by its pid: SIGTERM, up to 5 s to finish, then SIGKILL.
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_server EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP

token="conformance-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
"$cachemon" serve --host 127.0.0.1 --port 0 --token "$token" --traffic 20 --users 50 >"$work/serve.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 1 300); do
    url=$(sed -n 's/^cachemon: serving \(http[^ ]*\).*/\1/p' "$work/serve.log")
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { echo "conformance: cachemon serve did not start; it wrote:" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "conformance: cachemon serve at $url (pid $server_pid); schemathesis $version for ${seconds}s"

# Two of Hypothesis's health checks judge the generator, not the API, and are suppressed:
# filter_too_much fires at random on the {prefix} path parameter, whose negative values (objects,
# arrays: braces) schemathesis itself filters out as unsafe in a path; too_slow fires on a busy
# machine. Every check of the answers (--checks all) still runs and fails the run.
started=$(date +%s)
status=0
(cd "$work" && "$schemathesis" run "$root/docs/openapi.yaml" --url "$url" \
    --header "Authorization: Bearer $token" --checks all --continue-on-failure --max-time "$seconds" \
    --suppress-health-check filter_too_much,too_slow --generation-database none --no-color) || status=$?
echo "conformance: schemathesis exited $status after $(($(date +%s) - started))s"
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "conformance: cachemon serve died during the run; it wrote:" >&2
    cat "$work/serve.log" >&2
    status=1
fi
exit "$status"
