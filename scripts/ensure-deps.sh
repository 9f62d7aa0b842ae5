#!/usr/bin/env bash
# Installs what cachemon's build, tests and demo need from Debian's packages, when it can;
# otherwise prints the exact command to run and fails.
set -euo pipefail

need_packages=()
have_package() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if ! command -v swift >/dev/null 2>&1; then
    echo "cachemon: 'swift' is not on PATH. Install Swift 6.1 or later (Package.swift needs tools 6.1) from https://www.swift.org/install/linux/" >&2
    exit 1
fi

# openssl makes the certificates of the TLS tests; redis-server must be 7.0 or later (script flags).
for package in libncurses-dev tmux redis-server wrk openssl; do
    have_package "$package" || need_packages+=("$package")
done
# schemathesis (make conformance) and the Django app of the attach tests live in Python venvs.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    need_packages+=(python3 python3-venv)
fi
if [ ${#need_packages[@]} -eq 0 ]; then
    version=$(redis-server --version | sed -n 's/.* v=\([0-9]*\)\..*/\1/p')
    if [ -n "$version" ] && [ "$version" -lt 7 ]; then
        echo "cachemon: redis-server $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') is too old: the store needs Redis 7.0 or later" >&2
        exit 1
    fi
    exit 0
fi

command_line="apt-get install -y ${need_packages[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "cachemon: installing ${need_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get install -y -q "${need_packages[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need_packages[@]}" >/dev/null; }; then
        exit 0
    fi
    echo "cachemon: could not install ${need_packages[*]}; run: apt-get update && $command_line" >&2
    exit 1
fi
echo "cachemon: missing ${need_packages[*]}; run: sudo apt-get update && sudo $command_line" >&2
exit 1
