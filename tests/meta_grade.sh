#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# meta_grade.sh -- the grader's own test (ctest: grade-meta). Grades the
# reference models (full marks) and every fixture in tests/fixtures/, each
# of which says in its leading comment what it must lose:
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
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/meta_grade.XXXXXX")
build=${1:-$work/build}
shift $(($# > 0 ? 1 : 0))
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp # every grading's temporary folder lands here: checked empty after
mkdir -p "$TMPDIR" "$work/res" "$build"
chmod 755 "$work" "$TMPDIR" # the graders' throw-away users must reach their folders
JOBS=${META_JOBS:-3} # gradings at once: three still keep every time bound on 2 cores

# The first "expect:" line of a fixture, as "MODEL LOSE MAYBE".
# (its leading comment may wrap the line: the first lines are read as one).
expect_of() {
    head -n 8 "$1" | tr '\n' ' ' | sed 's| \* | |g; s|\*/| |g' |
        sed -n 's/.*expect: *\([a-z]*\) *lose *\([^ ]*\) *\(\[maybe *\([^]]*\)\]\)\{0,1\}.*/\1 \2 \4/p'
}

# Processes of the graders' throw-away uids (1000000 and up): must be none.
# A dead one already handed to init (a zombie whose parent is pid 1) is
# init's to reap, at its own pace: not a process left running.
strays() {
    ps -e -o uid=,pid=,ppid=,stat=,comm= 2>/dev/null |
        awk '$1 >= 1000000 && !($4 ~ /^Z/ && $3 == 1) { print $2 "(" $5 ")" }' | paste -sd' '
}

# Grade one: FILE MODEL TAG; writes $work/res/TAG.{out,json,rc}.
grade_one() {
    local file=$1 model=$2 tag=$3 target=$1
    if [[ $file == *.patch ]]; then
        target=$work/res/$tag.c
        if ! (cd "$src" && patch -s -p1 -F0 -o "$target" <"$file" >/dev/null 2>&1); then
            echo "PATCH-FAILS" >"$work/res/$tag.out"
            echo 99 >"$work/res/$tag.rc"
            return
        fi
    fi
    local t0=$EPOCHREALTIME
    "$src/tests/grade.sh" --build-dir "$build" --json "$work/res/$tag.json" "$model" "$target" \
        >"$work/res/$tag.out" 2>&1 </dev/null
    echo $? >"$work/res/$tag.rc"
    echo "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') $(basename "$file")" >"$work/res/$tag.time"
}

# The build first, once, so the parallel gradings share it.
if ! "$src/tests/grade.sh" --build-dir "$build" threadpool "$src/threadpool/threadpool.c" >"$work/warm.out" 2>&1; then
    echo "META FAIL: the reference threadpool does not get full marks:"
    cat "$work/warm.out"
    echo "grade-meta: 0 passed, 1 failed"
    exit 1
fi

# ---- the list: references, then fixtures ----
list=() # "FILE MODEL LOSE MAYBE"
for m in serial threadpool multiprocess async hybrid; do list+=("$src/$m/$m.c $m - "); done
fixtures=("$@")
[ ${#fixtures[@]} -gt 0 ] || fixtures=("$src"/tests/fixtures/*.c "$src"/tests/fixtures/*.patch)
for f in "${fixtures[@]}"; do
    e=$(expect_of "$f")
    [ -n "$e" ] || { echo "META FAIL $(basename "$f"): no expect: line"; list+=("$f ? ? "); continue; }
    list+=("$f $e")
done

n=0
for entry in "${list[@]}"; do
    read -r file model _ _ <<<"$entry"
    [ "$model" = "?" ] && continue
    n=$((n + 1))
    grade_one "$file" "$model" "$n" &
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
done
wait

# ---- judge each grading ----
passed=0 failed=0
fail() {
    echo "META FAIL $1: $2"
    failed=$((failed + 1))
}

# CHECK lost, by the rubric's FAIL lines, as a sorted comma list.
lost_in() { awk '$1 == "FAIL" { print $3 }' "$1" | sort | paste -sd,; }

# Is every lost check wanted, and every wanted one lost (maybe: either)?
lost_ok() { # LOST WANT MAYBE
    local lost=",$1," want=$2 maybe=",$3," c
    if [ "$want" = - ]; then want=""; fi
    for c in ${want//,/ }; do [[ $lost == *",$c,"* ]] || return 1; done
    for c in ${1//,/ }; do
        [[ ",$want," == *",$c,"* ]] || [[ $maybe == *",$c,"* ]] || return 1
    done
    return 0
}

n=0
for entry in "${list[@]}"; do
    read -r file model want maybe <<<"$entry"
    [ "$model" = "?" ] && { failed=$((failed + 1)); continue; }
    n=$((n + 1))
    name=$(basename "$file")
    out=$work/res/$n.out rc=$(cat "$work/res/$n.rc" 2>/dev/null || echo 98)
    ok=1
    if [ "$rc" = 99 ]; then
        fail "$name" "the patch no longer applies to $model/$model.c: remake it"
        continue
    fi
    total=$(sed -n 's/^total: \([0-9]*\) \/ \([0-9]*\)$/\1 \2/p' "$out")
    read -r got max <<<"${total:-x x}"
    lost=$(lost_in "$out")
    if [ -z "$total" ]; then
        fail "$name" "no \"total: X / Y\" last line (exit $rc)"
        ok=0
    elif [ "$want" = all ]; then
        [ "$got" = 0 ] || { fail "$name" "an attack kept $got of $max points (lost only: ${lost:-nothing})"; ok=0; }
    elif ! lost_ok "$lost" "$want" "$maybe"; then
        fail "$name" "lost ${lost:--}, wanted ${want}${maybe:+ (maybe $maybe)}"
        ok=0
    fi
    if [ -n "$total" ]; then
        want_rc=1
        [ "$got" = "$max" ] && want_rc=0
        [ "$rc" = "$want_rc" ] || { fail "$name" "exit status $rc, wanted $want_rc"; ok=0; }
        if ! jq -e --argjson s "$got" '.score == $s and (.tests | length) > 0' "$work/res/$n.json" >/dev/null 2>&1; then
            fail "$name" "results.json is missing, invalid or disagrees with the total"
            ok=0
        fi
    fi
    if [ $ok -eq 0 ]; then
        sed 's/^/    | /' "$out" | head -n 40
    else
        passed=$((passed + 1))
    fi
done

# ---- nothing left behind ----
left=$(strays)
[ -z "$left" ] && passed=$((passed + 1)) || fail "hygiene" "processes still running after the gradings: $left"
[ -z "$(ls -A "$TMPDIR")" ] && passed=$((passed + 1)) || fail "hygiene" "left in TMPDIR: $(ls -A "$TMPDIR" | head -n 5 | paste -sd' ')"

# ---- Ctrl-C in the middle of a check ----
hang=$src/tests/fixtures/threadpool_hang.patch
if (cd "$src" && patch -s -p1 -F0 -o "$work/hang.c" <"$hang" >/dev/null 2>&1); then
    setsid "$src/tests/grade.sh" --build-dir "$build" --only results threadpool "$work/hang.c" >"$work/int.out" 2>&1 &
    gpid=$!
    sleep 4
    t0=$(date +%s%N)
    kill -INT -- "-$gpid" 2>/dev/null
    wait "$gpid"
    irc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    sleep 0.3
    if [ "$irc" -ne 130 ] || [ "$ms" -gt 3000 ]; then
        fail "interrupt" "grade.sh took $ms ms to stop after SIGINT (exit $irc; wanted 130 within 3 s)"
    elif [ -n "$(strays)" ] || [ -n "$(ls -A "$TMPDIR")" ]; then
        fail "interrupt" "after SIGINT: left running: $(strays); left on disk: $(ls -A "$TMPDIR" | paste -sd' ')"
    else
        passed=$((passed + 1))
    fi
else
    fail "interrupt" "tests/fixtures/threadpool_hang.patch no longer applies"
fi

echo "slowest gradings: $(cat "$work"/res/*.time 2>/dev/null | sort -rn | head -n 5 |
    awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $2, $1 }')"
echo "grade-meta: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
