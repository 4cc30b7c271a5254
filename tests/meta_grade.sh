#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# meta_grade.sh -- the grader's own test (ctest: grade-meta). Grades the four
# models (known good: full marks) and every fixture in tests/fixtures/ (known
# bad: each loses exactly the checks of its mistake, listed below), and
# checks the grader's exit status, last line, results.json and that nothing
# it started is still running afterwards.
# Usage: tests/meta_grade.sh [BUILD_DIR]  (reused between runs: faster)
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meta_grade.XXXXXX")
build=${1:-$work/build}
trap 'rm -rf "$work"' EXIT

# A leaked easy handle also leaks its connection's sockets and its memory:
# three checks, one mistake. CHECK? may be lost or not: an unlocked index
# fetches an id twice only when two threads happen to collide (more often on
# a busy machine); ThreadSanitizer sees the race every time. The last six
# rows only show that the grader survives what it grades.
# file                                     model         checks lost (- none)   --only (- all)
table="
serial/serial.c                            serial        -                      -
threadpool/threadpool.c                    threadpool    -                      -
multiprocess/multiprocess.c                multiprocess  -                      -
async/async.c                              async         -                      -
serial/serial.c                            threadpool    parallel               -
tests/fixtures/threadpool_join_each.c      threadpool    parallel               -
tests/fixtures/multiprocess_wait_each.c    multiprocess  parallel               -
tests/fixtures/async_easy_perform.c        async         parallel,unlimited     -
tests/fixtures/threadpool_thread_per_url.c threadpool    limit                  -
tests/fixtures/multiprocess_process_per_url.c multiprocess limit                -
tests/fixtures/async_limit_ignored.c       async         limit                  -
tests/fixtures/multiprocess_no_return.c    multiprocess  results,http_errors,wrong_body,refused,timeout,single,one_worker,more_workers -
tests/fixtures/threadpool_race.c           threadpool    race,results?          -
tests/fixtures/multiprocess_zombies.c      multiprocess  children_reaped        -
tests/fixtures/threadpool_no_join.c        threadpool    threads_joined         -
tests/fixtures/threadpool_easy_leak.c      threadpool    easy_handles,fds_closed,memory -
tests/fixtures/multiprocess_fd_leak.c      multiprocess  fds_closed             -
tests/fixtures/async_wrong_body.c          async         wrong_body             -
tests/fixtures/threadpool_crash.c          threadpool    results                results,empty
tests/fixtures/threadpool_abort.c          threadpool    results                results,empty
tests/fixtures/threadpool_hang.c           threadpool    results                results,empty
tests/fixtures/multiprocess_fork_bomb.c    multiprocess  results                results,empty
tests/fixtures/threadpool_garbage.c        threadpool    -                      results,empty
tests/fixtures/threadpool_syntax_error.c   threadpool    results,empty          results,empty
"

failures=0
fail() {
    echo "META FAIL $1: $2"
    failures=$((failures + 1))
}

# Processes started under this token that are still running.
leftovers() {
    grep -lzsx "META_TOKEN=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | paste -sd' '
}

# Sorted comma list of the checks the rubric in $1 marks FAIL.
lost_in() {
    awk '$1 == "FAIL" { print $3 }' "$1" | sort | paste -sd,
}

# Does the lost list match the wanted one (CHECK? optional)? 0 or 1.
lost_ok() {
    local lost=",$1," c
    for c in ${2//,/ }; do
        if [ "${c%\?}" = "$c" ]; then
            [[ $lost == *",$c,"* ]] || return 1
        fi
        lost=${lost/,${c%\?},/,}
    done
    [ "$lost" = "," ] || [ "$lost" = ",," ]
}

json_score() { # file -> "score max", or nothing when python3 is missing
    command -v python3 >/dev/null || { echo "skip"; return; }
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d["score"], d["max_score"], sum(t["score"] for t in d["tests"]))' "$1" 2>&1
}

# Grade one row and compare with what the table expects.
grade_row() {
    local file=$1 model=$2 want=$3 only=$4 name out token status lost last js left t0
    name="$model $file"
    out=$work/out
    token="meta-$$-$RANDOM"
    t0=$(date +%s)
    local args=(--build-dir "$build" --json "$work/r.json")
    [ "$only" = - ] || args+=(--only "$only")
    META_TOKEN=$token "$src/tests/grade.sh" "${args[@]}" "$model" "$src/$file" >"$out" 2>&1 </dev/null
    status=$?
    lost=$(lost_in "$out")
    [ "$want" = - ] && want=""
    status_want=$([ -z "$want" ] && echo 0 || echo 1)
    lost_ok "$lost" "$want" || fail "$name" "lost [$lost], expected [$want]"
    last=$(tail -n 1 "$out")
    printf '%-48s %-13s %3ss  lost: %s\n' "$file" "$model" "$(($(date +%s) - t0))" "${lost:--}"
    [ $status -eq "$status_want" ] || fail "$name" "exit status $status"
    [[ $last =~ ^total:\ ([0-9]+)\ /\ ([0-9]+)$ ]] || fail "$name" "last line \"$last\""
    js=$(json_score "$work/r.json")
    [ "$js" = skip ] || [ "$js" = "${BASH_REMATCH[1]:-x} ${BASH_REMATCH[2]:-x} ${BASH_REMATCH[1]:-x}" ] ||
        fail "$name" "results.json says \"$js\" for \"$last\""
    sleep 0.2
    left=$(leftovers "$token")
    [ -z "$left" ] || { fail "$name" "left processes running: $left"; kill -KILL $left 2>/dev/null; }
}

t_start=$(date +%s)
while read -r file model want only; do
    [ -n "${file:-}" ] || continue
    before=$failures
    grade_row "$file" "$model" "$want" "$only"
    [ $failures -eq "$before" ] || sed 's/^/    | /' "$work/out"
done <<<"$table"

# The compiler's message is shown for a file that does not compile.
grep -q "error:" "$work/out" || fail "syntax error fixture" "no compiler message in the rubric"

# Bad usage: exit 2 and one line on stderr.
usage_case() {
    local want_msg=$1 err status
    shift
    err=$("$src/tests/grade.sh" "$@" 2>&1 >/dev/null)
    status=$?
    [ $status -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [[ $err == *"$want_msg"* ]] ||
        fail "usage $*" "status $status, stderr \"$err\""
}
usage_case "unknown model" nosuch "$src/threadpool/threadpool.c"
usage_case "cannot read" threadpool "$work/missing.c"
usage_case "expected MODEL and FILE.c" threadpool
usage_case "unknown option" --frobnicate threadpool "$src/threadpool/threadpool.c"

echo "meta-test: $failures failures, $(($(date +%s) - t_start)) s"
[ $failures -eq 0 ]
