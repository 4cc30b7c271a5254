#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# meta_grade.sh -- the grader's own test (ctest: grade-meta). Grades every
# fixture in tests/fixtures/ (the references' full marks are the
# grade-MODEL tests' to check), each of which says in its leading comment
# what it must lose:
#     expect: MODEL lose CHECK,CHECK,... [maybe CHECK,...]
#     expect: MODEL lose -          (a correct design: full marks)
#     expect: MODEL lose all        (an attack: every point lost)
# A fixture is a whole student file (NAME.c) or one mistake in a reference
# model (NAME.patch: a `diff -u` against MODEL/MODEL.c, applied exactly, so a
# fixture whose context the model no longer has fails here, loudly). To
# look at a patch fixture: patch -p1 -o /tmp/x.c < tests/fixtures/NAME.patch
# For every grading it also checks the exit status, the last line, that
# results.json is valid and agrees, and that nothing was left running or on
# disk; then that Ctrl-C stops a grading at once and leaves nothing.
# Usage: tests/meta_grade.sh [BUILD_DIR] [FIXTURE...]  (BUILD_DIR is reused)
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${META_JOBS:-2} # gradings at once, each two jobs at a time (--lanes): four jobs keep every time bound on 2 cores
WORK="" BUILD="" PASSED=0 FAILED=0
LIST=() # "FILE MODEL LOSE MAYBE", one entry per grading

# The first "expect:" line of a fixture, as "MODEL LOSE MAYBE".
# (its leading comment may wrap the line: the first lines are read as one).
expect_of() {
    head -n 8 "$1" | tr '\n' ' ' | sed 's| \* | |g; s|\*/| |g' |
        sed -n 's/.*expect: *\([a-z-]*\) *lose *\([^ ]*\) *\(\[maybe *\([^]]*\)\]\)\{0,1\}.*/\1 \2 \4/p'
}

# Processes of the graders' throw-away uids (1000000 and up): must be none.
# A dead one already handed to init (a zombie whose parent is pid 1) is
# init's to reap, at its own pace: not a process left running.
strays() {
    ps -e -o uid=,pid=,ppid=,stat=,comm= 2>/dev/null |
        awk '$1 >= 1000000 && !($4 ~ /^Z/ && $3 == 1) { print $2 "(" $5 ")" }' | paste -sd' '
}

# What is left in TMPDIR, a few names on one line ("" when empty).
left_on_disk() {
    local names=()
    shopt -s nullglob dotglob
    names=("$TMPDIR"/*)
    shopt -u nullglob dotglob
    ((${#names[@]} == 0)) || printf '%s ' "${names[@]##*/}" | cut -c1-200
}

fail() { # NAME WHY
    echo "META FAIL $1: $2"
    FAILED=$((FAILED + 1))
}

# Grade one: FILE MODEL TAG; writes $WORK/res/TAG.{out,json,rc,time}.
grade_one() {
    local file=$1 model=$2 tag=$3 target=$1 t0=$EPOCHREALTIME
    if [[ $file == *.patch ]]; then
        target=$WORK/res/$tag.c
        if ! (cd "$SRC" && patch -s -p1 -F0 -o "$target" <"$file" >/dev/null 2>&1); then
            echo "PATCH-FAILS" >"$WORK/res/$tag.out"
            echo 99 >"$WORK/res/$tag.rc"
            return
        fi
    fi
    "$SRC/tests/grade.sh" --build-dir "$BUILD" --json "$WORK/res/$tag.json" "$model" "$target" \
        >"$WORK/res/$tag.out" 2>&1 </dev/null
    echo $? >"$WORK/res/$tag.rc"
    echo "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') ${file##*/}" >"$WORK/res/$tag.time"
}

# The fixtures, each with its expect: line.
make_list() { # FIXTURE...
    local f e fixtures=("$@")
    ((${#fixtures[@]} > 0)) || fixtures=("$SRC"/tests/fixtures/*.c "$SRC"/tests/fixtures/*.patch)
    for f in "${fixtures[@]}"; do
        e=$(expect_of "$f")
        if [[ -z $e ]]; then
            fail "${f##*/}" "no expect: line"
            continue
        fi
        LIST+=("$f $e")
    done
}

grade_all() {
    local entry file model n=0
    for entry in "${LIST[@]}"; do
        read -r file model _ _ <<<"$entry"
        n=$((n + 1))
        grade_one "$file" "$model" "$n" &
        while (($(jobs -rp | wc -l) >= JOBS)); do wait -n; done
    done
    wait
}

# CHECK lost, by the rubric's FAIL lines, as a sorted comma list.
lost_in() { awk '$1 == "FAIL" { print $3 }' "$1" | sort | paste -sd,; }

# Is every lost check wanted, and every wanted one lost (maybe: either)?
lost_ok() { # LOST WANT MAYBE
    local lost=",$1," want=$2 maybe=",$3," c
    [[ $want == - ]] && want=""
    for c in ${want//,/ }; do [[ $lost == *",$c,"* ]] || return 1; done
    for c in ${1//,/ }; do
        [[ ",$want," == *",$c,"* || $maybe == *",$c,"* ]] || return 1
    done
    return 0
}

# One grading against its expectation; 0 when it is as wanted.
judge_one() { # N FILE MODEL WANT MAYBE
    local n=$1 name=${2##*/} model=$3 want=$4 maybe=$5 out=$WORK/res/$1.out rc total got max lost want_rc
    rc=$(cat "$WORK/res/$n.rc" 2>/dev/null || echo 98)
    if [[ $rc == 99 ]]; then
        fail "$name" "the patch no longer applies to $model/$model.c: remake it"
        return 1
    fi
    total=$(sed -n 's/^total: \([0-9]*\) \/ \([0-9]*\)$/\1 \2/p' "$out")
    read -r got max <<<"${total:-x x}"
    lost=$(lost_in "$out")
    if [[ -z $total ]]; then
        fail "$name" "no \"total: X / Y\" last line (exit $rc)"
        return 1
    fi
    if [[ $want == all ]]; then
        if [[ $got != 0 ]]; then
            fail "$name" "an attack kept $got of $max points (lost only: ${lost:-nothing})"
            return 1
        fi
    elif ! lost_ok "$lost" "$want" "$maybe"; then
        fail "$name" "lost ${lost:--}, wanted ${want}${maybe:+ (maybe $maybe)}"
        return 1
    fi
    want_rc=1
    [[ $got == "$max" ]] && want_rc=0
    if [[ $rc != "$want_rc" ]]; then
        fail "$name" "exit status $rc, wanted $want_rc"
        return 1
    fi
    if ! jq -e --argjson s "$got" '.score == $s and (.tests | length) > 0' "$WORK/res/$n.json" >/dev/null 2>&1; then
        fail "$name" "results.json is missing, invalid or disagrees with the total"
        return 1
    fi
    return 0
}

judge_all() {
    local entry file model want maybe n=0
    for entry in "${LIST[@]}"; do
        read -r file model want maybe <<<"$entry"
        n=$((n + 1))
        if judge_one "$n" "$file" "$model" "$want" "$maybe"; then
            PASSED=$((PASSED + 1))
        else
            sed 's/^/    | /' "$WORK/res/$n.out" | head -n 40
        fi
    done
}

# Nothing left running or on disk after the gradings.
check_hygiene() {
    local left
    left=$(strays)
    if [[ -n $left ]]; then fail "hygiene" "processes still running after the gradings: $left"; else PASSED=$((PASSED + 1)); fi
    left=$(left_on_disk)
    if [[ -n $left ]]; then fail "hygiene" "left in TMPDIR: $left"; else PASSED=$((PASSED + 1)); fi
}

# Ctrl-C in the middle of a check stops the grading at once, leaving nothing.
check_interrupt() {
    local hang=$SRC/tests/fixtures/threadpool_hang.patch gpid irc t0 ms
    if ! (cd "$SRC" && patch -s -p1 -F0 -o "$WORK/hang.c" <"$hang" >/dev/null 2>&1); then
        fail "interrupt" "tests/fixtures/threadpool_hang.patch no longer applies"
        return
    fi
    # A command a script starts with & ignores SIGINT, and a shell cannot
    # trap a signal ignored when it started: env gives grade.sh the default
    # disposition a terminal's Ctrl-C would find. Without it the INT is lost
    # whenever grade.sh's own child does not die of it (a compile, say).
    setsid env --default-signal=INT "$SRC/tests/grade.sh" --build-dir "$BUILD" --only results threadpool "$WORK/hang.c" >"$WORK/int.out" 2>&1 &
    gpid=$!
    sleep 4
    t0=$(date +%s%N)
    kill -INT -- "-$gpid" 2>/dev/null
    wait "$gpid"
    irc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    sleep 0.3
    if ((irc != 130 || ms > 3000)); then
        fail "interrupt" "grade.sh took $ms ms to stop after SIGINT (exit $irc; wanted 130 within 3 s)"
    elif [[ -n $(strays) || -n $(left_on_disk) ]]; then
        fail "interrupt" "after SIGINT: left running: $(strays); left on disk: $(left_on_disk)"
    else
        PASSED=$((PASSED + 1))
    fi
}

main() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/meta_grade.XXXXXX") || exit 1
    BUILD=${1:-$WORK/build}
    shift $(($# > 0 ? 1 : 0))
    trap 'rm -rf "$WORK"' EXIT
    export TMPDIR=$WORK/tmp # every grading's temporary folder lands here: checked empty after
    mkdir -p "$TMPDIR" "$WORK/res" "$BUILD"
    chmod 755 "$WORK" "$TMPDIR" # the graders' throw-away users must reach their folders

    # The build first, once, so the parallel gradings share it.
    if ! "$SRC/tests/grade.sh" --build-dir "$BUILD" --only results threadpool "$SRC/threadpool/threadpool.c" >"$WORK/warm.out" 2>&1; then
        echo "META FAIL: the reference threadpool does not get the results check's points:"
        cat "$WORK/warm.out"
        echo "grade-meta: 0 passed, 1 failed"
        exit 1
    fi
    make_list "$@"
    grade_all
    judge_all
    check_hygiene
    check_interrupt
    echo "slowest gradings: $(cat "$WORK"/res/*.time 2>/dev/null | sort -rn | head -n 5 |
        awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')"
    echo "grade-meta: $PASSED passed, $FAILED failed"
    ((FAILED == 0))
}

main "$@"
