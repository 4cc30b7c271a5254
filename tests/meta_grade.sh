#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# meta_grade.sh -- the grader's own test (ctest: grade-meta). Grades the four
# models (known good: full marks) and every fixture in tests/fixtures/ (known
# bad: each loses exactly the checks of its mistake, listed below), and
# checks the grader's exit status, last line, results.json and that nothing
# it started is still running afterwards.
# A fixture NAME.patch is one mistake in a model: a `diff -u` against the
# real model file (paths a/MODEL/MODEL.c), its leading text naming the
# mistake. The variant graded is a copy of today's model with the patch
# applied (exactly: no fuzz), so a fixture whose context the model no longer
# has fails here, loudly, instead of grading a stale copy. To look at one,
# from the repo root (the model is left alone):
#     patch -p1 -o /tmp/NAME.c < tests/fixtures/NAME.patch
# To remake one after editing that copy:
#     diff -u --label a/MODEL/MODEL.c --label b/MODEL/MODEL.c MODEL/MODEL.c /tmp/NAME.c
# Usage: tests/meta_grade.sh [BUILD_DIR]  (reused between runs: faster)
set -uo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meta_grade.XXXXXX")
build=${1:-$work/build}
trap 'rm -rf "$work"' EXIT

# A leaked easy handle also leaks its connection's sockets and its memory:
# three checks, one mistake. CHECK? may be lost or not: an unlocked index
# fetches an id twice only when two threads happen to collide (more often on
# a busy machine); ThreadSanitizer sees the race every time. The last seven
# rows only show that the grader survives what it grades; "root" marks a row
# graded only as root, where the check child runs the model as nobody under
# RLIMIT_NPROC (contract_child.c): as a normal user nothing stops that bomb
# but its bound. For a second or two it holds nobody at that limit, so
# another grading at the same moment may fail to start its workers. The
# syntax error stays last (its compiler message is checked below).
# file                                            model         checks lost (- none)    --only (- all)
table="
serial/serial.c                                   serial        -                       -
threadpool/threadpool.c                           threadpool    -                       -
multiprocess/multiprocess.c                       multiprocess  -                       -
async/async.c                                     async         -                       -
serial/serial.c                                   threadpool    parallel                -
tests/fixtures/threadpool_join_each.patch         threadpool    parallel                -
tests/fixtures/multiprocess_wait_each.patch       multiprocess  parallel                -
tests/fixtures/async_easy_perform.patch           async         parallel,unlimited      -
tests/fixtures/threadpool_thread_per_url.patch    threadpool    limit                   -
tests/fixtures/multiprocess_process_per_url.patch multiprocess  limit                   -
tests/fixtures/async_limit_ignored.patch          async         limit                   -
tests/fixtures/multiprocess_no_return.patch       multiprocess  results,http_errors,wrong_body,refused,timeout,single,one_worker,more_workers -
tests/fixtures/threadpool_race.patch              threadpool    race,results?,more_workers? -
tests/fixtures/multiprocess_zombies.patch         multiprocess  children_reaped         -
tests/fixtures/threadpool_no_join.patch           threadpool    threads_joined          -
tests/fixtures/threadpool_easy_leak.patch         threadpool    easy_handles,fds_closed,memory -
tests/fixtures/multiprocess_fd_leak.patch         multiprocess  fds_closed              -
tests/fixtures/async_wrong_body.patch             async         wrong_body              -
tests/fixtures/threadpool_crash.patch             threadpool    results                 results,empty
tests/fixtures/threadpool_abort.patch             threadpool    results                 results,empty
tests/fixtures/threadpool_hang.patch              threadpool    results                 results,empty
tests/fixtures/multiprocess_fork_bomb.patch       multiprocess  results                 results,empty
tests/fixtures/multiprocess_raw_fork_bomb.patch   multiprocess  results                 results root
tests/fixtures/threadpool_garbage.patch           threadpool    -                       results,empty
tests/fixtures/threadpool_syntax_error.patch      threadpool    results,empty           results,empty
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

# A fixture NAME.patch is graded as $work/fixtures/NAME.c: a copy of the
# model it names with the patch applied (materialise). A patch that no
# longer applies fails loudly, and its rows are left out.
variant_of() { echo "$work/fixtures/$(basename "$1" .patch).c"; }
materialise() {
    local patch=$src/$1 base
    base=$(sed -n 's|^--- a/\([^[:space:]]*\).*|\1|p' "$patch" | head -n 1)
    if [ -z "$base" ] || [ ! -f "$src/$base" ]; then
        fail "$1" "names no model file (want a line \"--- a/MODEL/MODEL.c\")"
        return 1
    fi
    mkdir -p "$work/fixtures"
    patch --force --fuzz=0 --no-backup-if-mismatch --reject-file=- -o "$(variant_of "$1")" \
        "$src/$base" <"$patch" >"$work/patch.log" 2>&1 && return 0
    fail "$1" "no longer applies to $base (changed where the mistake is): remake it (how: top of this script)"
    sed 's/^/    | /' "$work/patch.log"
    rm -f "$(variant_of "$1")"
    return 1
}

# Grade one row and compare with what the table expects.
grade_row() {
    local file=$1 model=$2 want=$3 only=$4 path=$5 name out token status lost last js left t0
    name="$model $file"
    out=$work/out
    token="meta-$$-$RANDOM"
    t0=$(date +%s)
    local args=(--build-dir "$build" --json "$work/r.json")
    [ "$only" = - ] || args+=(--only "$only")
    META_TOKEN=$token "$src/tests/grade.sh" "${args[@]}" "$model" "$path" >"$out" 2>&1 </dev/null
    status=$?
    lost=$(lost_in "$out")
    [ "$want" = - ] && want=""
    status_want=$([ -z "$want" ] && echo 0 || echo 1)
    lost_ok "$lost" "$want" || fail "$name" "lost [$lost], expected [$want]"
    last=$(tail -n 1 "$out")
    printf '%-49s %-13s %3ss  lost: %s\n' "$file" "$model" "$(($(date +%s) - t0))" "${lost:--}"
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
# Every fixture first, so a stale patch shows at once.
while read -r file _; do
    [[ ${file:-} == *.patch ]] && [ ! -f "$(variant_of "$file")" ] && materialise "$file"
done <<<"$table"

while read -r file model want only who; do
    [ -n "${file:-}" ] || continue
    if [ "${who:-}" = root ] && [ "$(id -u)" -ne 0 ]; then
        printf '%-49s %-13s skipped: graded as root only\n' "$file" "$model"
        continue
    fi
    path=$src/$file
    if [[ $file == *.patch ]]; then
        path=$(variant_of "$file")
        [ -f "$path" ] || continue # does not apply: failed above
    fi
    before=$failures
    grade_row "$file" "$model" "$want" "$only" "$path"
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
