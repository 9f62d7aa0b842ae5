#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Tests/Fuzz (release, AddressSanitizer + libFuzzer,
# in .build-fuzz, with CACHEMON_FUZZ=1 so Package.swift declares them) and runs each for
# FUZZ_SECONDS (default 60), one after the other. Each run starts from a temporary copy of its
# checked-in corpus (Tests/Fuzz/Corpus/<target>), so nothing is written back into the repository.
# Fails on any crash, leak, timeout or out-of-memory, naming the input that caused it.
#
#   FUZZ_SECONDS=600 bash scripts/fuzz.sh              # every target, 10 minutes each
#   FUZZ_TARGETS=FuzzRESP FUZZ_SECONDS=20 bash scripts/fuzz.sh
#   FUZZ_SKIP_BUILD=1 FUZZ_TARGETS=FuzzRESP bash scripts/fuzz.sh   # the binary already built
#
# Nothing to install: libFuzzer and the sanitizer runtimes (LeakSanitizer is part of ASan on
# Linux) ship with the Swift toolchain, in lib/clang/*/lib/linux.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFT=${SWIFT:-swift}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
FUZZ_TARGETS=${FUZZ_TARGETS:-FuzzRESP FuzzAdminQuery FuzzPrefixFormat FuzzCachedResponse}
# RESP is re-parsed at every byte of its input (quadratic), so its inputs stay shorter.
max_len() { case "$1" in FuzzRESP) echo 256 ;; *) echo 4096 ;; esac; }

if ! [[ "$FUZZ_SECONDS" =~ ^[0-9]+$ ]] || [ "$FUZZ_SECONDS" -lt 1 ]; then
    echo "fuzz: FUZZ_SECONDS must be a whole number of seconds, got '$FUZZ_SECONDS'" >&2
    exit 2
fi

export CACHEMON_FUZZ=1
# A crash is reported by ASan and libFuzzer; Swift's own backtracer only adds noise under ASan.
export SWIFT_BACKTRACE=enable=no
# `--sanitize=fuzzer` makes SwiftPM link the targets with libFuzzer's main; the sanitizers
# themselves go in one -sanitize= option, because swiftc keeps only the last one and SwiftPM's
# `--sanitize=fuzzer --sanitize=address` comes in no fixed order (each build would rebuild all).
build=("$SWIFT" build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz)
if [ "${FUZZ_SKIP_BUILD:-0}" = 1 ]; then
    bin=.build-fuzz/release  # runs what is already built, for example while another target builds
else
    for target in $FUZZ_TARGETS; do
        echo "fuzz: building $target"
        "${build[@]}" --product "$target"
    done
    bin=$("${build[@]}" --show-bin-path)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cachemon-fuzz.XXXXXX")
failed=()
summary=()
for target in $FUZZ_TARGETS; do
    dir="$work/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp Tests/Fuzz/Corpus/"$target"/* "$dir/corpus/"
    seeds=$(find "$dir/corpus" -type f | wc -l)
    options=(
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -detect_leaks=1 -rss_limit_mb=2048
        -max_len="$(max_len "$target")" -print_final_stats=1 -artifact_prefix="$dir/artifacts/"
    )
    dictionary="Tests/Fuzz/Dictionaries/$target.dict"
    [ -f "$dictionary" ] && options+=(-dict="$dictionary")
    echo "fuzz: running $target for ${FUZZ_SECONDS}s from $seeds seed inputs (log: $dir/log)"
    status=0
    TIMEFORMAT='%U %S'
    { time "$bin/$target" "${options[@]}" "$dir/corpus" >"$dir/log" 2>&1 || status=$?; } 2>"$dir/cpu"
    cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$dir/cpu")

    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log" | tail -1)
    corpus=$(find "$dir/corpus" -type f | wc -l)
    artifact=$(find "$dir/artifacts" -type f | head -1)
    line="$target: ${executions:-?} executions, ${rate:-?} exec/s, ${FUZZ_SECONDS}s (${cpu}s CPU), corpus $seeds -> $corpus inputs, peak RSS ${rss:-?} MB"
    if [ "$status" -ne 0 ] || [ -n "$artifact" ]; then
        kind=crash
        if grep -q "ERROR: LeakSanitizer" "$dir/log"; then
            kind=leak
        elif grep -q "ERROR: libFuzzer: timeout" "$dir/log"; then
            kind=timeout
        elif grep -q "ERROR: libFuzzer: out-of-memory\|ERROR: libFuzzer: malloc" "$dir/log"; then
            kind=out-of-memory
        fi
        line="$line -- FAILED: $kind (exit $status), input ${artifact:-not written}, log $dir/log"
        failed+=("$target")
        grep -m 20 -E "ERROR|Fatal error|SUMMARY|==[0-9]+==" "$dir/log" | sed "s/^/  $target | /" >&2 || true
    fi
    echo "fuzz: $line"
    summary+=("$line")
done

echo
echo "fuzz summary (${FUZZ_SECONDS}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
    echo "fuzz: FAILED: ${failed[*]}. Inputs and logs are kept in $work; reproduce with" >&2
    echo "  $bin/<target> <input>" >&2
    exit 1
fi
rm -rf "$work"
