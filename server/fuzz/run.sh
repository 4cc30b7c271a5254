#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# server/fuzz/run.sh [SECONDS] -- build the libFuzzer harnesses with clang
# (ASan+UBSan) and run each for its share of SECONDS (default 60 in all),
# starting from the seed corpus in the repository. Exit 0: no crash;
# 1: a fuzzer found one (its input is saved as crash-* in the work folder,
# named on stderr); 2: bad usage or clang missing.
# CI calls it briefly; for a long campaign see the README.
set -euo pipefail

usage() { echo "usage: server/fuzz/run.sh [SECONDS]  (total, split between the harnesses)"; }
case ${1:-} in
-h | --help) usage; exit 0 ;;
esac
seconds=${1:-60}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 2)); then
    usage >&2
    exit 2
fi
command -v clang >/dev/null || { echo "run.sh: clang is not installed (apt-get install clang)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${FUZZ_WORK_DIR:-$build/fuzz-work}
fuzzers=(fuzz_http_parse fuzz_conn)
each=$((seconds / ${#fuzzers[@]}))

echo "fuzz: building in $build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DFUZZ=ON >/dev/null
cmake --build "$build" -j 2 --target "${fuzzers[@]}" >/dev/null

status=0
for f in "${fuzzers[@]}"; do
    corpus=${f#fuzz_}
    # A working copy: new inputs the run finds do not land in the repo.
    mkdir -p "$work/$corpus" "$work/artifacts"
    cp -n "$here/corpus/$corpus/"* "$work/$corpus/" 2>/dev/null || true
    echo "fuzz: $f for ${each}s"
    # max_len over the server's 8 KiB head buffer, so inputs can fill it.
    if ! "$build/bin/$f" -max_total_time="$each" -max_len=16384 -timeout=10 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$f-" \
        "$work/$corpus" 2>"$work/$f.log"; then
        echo "fuzz: $f FAILED; the input and report are in $work/artifacts/ and $work/$f.log" >&2
        tail -n 40 "$work/$f.log" >&2
        status=1
    else
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' "$work/$f.log" |
            sed "s/^/fuzz: $f /"
    fi
done
exit $status
