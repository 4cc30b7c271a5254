#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_handout.sh -- what a teacher hands out and deploys, end to end:
#   --handout: a starter tree without the reference (nor anything it could
#     be recovered from), whose own grader builds and grades the skeleton
#     honestly (no points, exit 1);
#   every model's handout: no file but the student's skeleton whose code
#     (C without comments and strings, the HTML page) shows the model's
#     mechanism (threadpool: a call of pthread_create; multiprocess: of
#     fork; async and hybrid: curl_multi_); what is left out for it (the
#     judge, for multiprocess) is said in ASSIGNMENT.md;
#   --gradescope: autograder.zip, whose run_autograder, run as Gradescope
#     runs it (/autograder bound in a bubblewrap mount namespace), grades a
#     submission into a valid results.json: full marks for the reference;
#     a submission under hostile folder names (a $(...), quotes, a newline,
#     escape sequences) runs nothing and leaves no raw control byte in
#     results.json; a grading that cannot happen (a build folder others
#     can write) says so in results.json, with no score earned.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
chmod 755 "$tmp" # the grader's throw-away users must reach its folders
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout err=$tmp/stderr
export TMPDIR=$tmp

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

not() { ! "$@"; }
json_holds() { jq -e "$1" "$2" >/dev/null; } # FILTER FILE: valid JSON, and FILTER is true

# Unzip as Gradescope's unzip does: with each file's mode (scripts stay
# executable; Python's own extraction drops modes).
unzip_with_modes() { # ZIP DIR
    python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        path = z.extract(info, sys.argv[2])
        mode = info.external_attr >> 16
        if mode and not info.is_dir():
            os.chmod(path, mode & 0o7777)
EOF
}

# ---- the handout ----
ho=$tmp/handout
"$root/tests/grade.sh" --handout threadpool "$ho" >"$out" 2>"$err"
check "--handout exits 0" [ $? -eq 0 ]
check "the handout has the assignment" [ -s "$ho/ASSIGNMENT.md" ]
check "the handout has no git history" [ ! -e "$ho/.git" ]
check "the handout has no fixtures" [ ! -e "$ho/tests/fixtures" ]
check "the handout keeps the serial model" [ -s "$ho/serial/serial.c" ]
check "the handout keeps the async model" [ -s "$ho/async/async.c" ]
# The reference's own lines (30 characters or more, in no other file of the
# suite): not one may be left anywhere in the handout.
(cd "$root" && git ls-files | grep -v '^threadpool/threadpool.c$' | grep -v '^tests/fixtures/' |
    xargs cat 2>/dev/null) | sed 's/^[[:space:]]*//' | sort -u >"$tmp/others"
sed 's/^[[:space:]]*//' "$root/threadpool/threadpool.c" | awk 'length >= 30' | sort -u |
    comm -23 - "$tmp/others" >"$tmp/own"
check "the reference has lines of its own to look for" [ "$(wc -l <"$tmp/own")" -ge 10 ]
find "$ho" -type f -exec cat {} + 2>/dev/null | sed 's/^[[:space:]]*//' | sort -u >"$tmp/handout.lines"
check "none of the reference's own lines is in the handout" \
    [ -z "$(comm -12 "$tmp/own" "$tmp/handout.lines")" ]
check "the skeleton still declares the model" grep -q "const struct model MODEL" "$ho/threadpool/threadpool.c"
handout_again() { "$root/tests/grade.sh" --handout threadpool "$ho" >/dev/null 2>&1; [ $? -eq 2 ]; }
check "--handout into a folder that is not empty fails (exit 2)" handout_again

(cd "$ho" && tests/grade.sh --build-dir "$tmp/ho-build" threadpool .) >"$out" 2>"$err"
rc=$?
check "the skeleton, graded by the handout's grader, loses points (exit 1)" [ $rc -eq 1 ]
check "... with a total line of no points" grep -q "^total: 0 / [1-9]" "$out"

# ---- every model's handout: nothing else shows the model's mechanism ----
# The code of a file: C without comments and strings; an HTML page as is.
code_of() { # FILE
    case $1 in
    *.c | *.h) gcc -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null | sed -E 's/"([^"\\]|\\.)*"/""/g' ;;
    *.html) cat "$1" ;;
    esac
}
# The files of handout DIR, but SKELETON, whose code matches PATTERN.
showing() { # DIR SKELETON PATTERN
    local f code
    while IFS= read -r -d '' f; do
        [ "$f" = "$1/$2" ] && continue
        code=$(code_of "$f")
        if grep -q -E -- "$3" <<<"$code"; then printf '%s\n' "${f#"$1"/}"; fi
    done < <(find "$1" -type f -print0)
}
for pair in "threadpool pthread_create[[:space:]]*\\(" "multiprocess fork[[:space:]]*\\(" "async curl_multi_" "hybrid curl_multi_"; do
    read -r m mech <<<"$pair"
    h=$tmp/handout-$m
    "$root/tests/grade.sh" --handout "$m" "$h" >"$out" 2>"$err"
    check "--handout $m exits 0" [ $? -eq 0 ]
    shows=$(showing "$h" "$m/$m.c" "(^|[^A-Za-z0-9_])$mech")
    check "the $m handout: no file but the skeleton shows $mech${shows:+ (shown by: ${shows//$'\n'/ })}" [ -z "$shows" ]
    check "... the skeleton is the student's to write" grep -q "TODO: share out the work" "$h/$m/$m.c"
    if [ -d "$h/tests/judge" ]; then
        check "... its ASSIGNMENT.md says how to check with the grader" grep -q "tests/grade.sh $m \." "$h/ASSIGNMENT.md"
    else
        check "... without the judge, its ASSIGNMENT.md says why" grep -q "no grader's judge" "$h/ASSIGNMENT.md"
    fi
done
check "the threadpool handout keeps the judge (hooks.c only wraps pthread_create)" [ -s "$tmp/handout-threadpool/tests/judge/hooks.c" ]
check "the async handout has hybrid.c and blocking_trap.c as skeletons" \
    grep -q "TODO: share out the work" "$tmp/handout-async/hybrid/hybrid.c" "$tmp/handout-async/async/blocking_trap.c"
"$root/tests/grade.sh" --gradescope multiprocess "$tmp/ag-mp" >"$out" 2>"$err"
check "the multiprocess Gradescope bundle keeps the judge (students never see it)" [ -s "$tmp/ag-mp/source/tests/judge/judge.c" ]
"$root/tests/grade.sh" --gradescope async "$tmp/ag-req" --require-sandbox >"$out" 2>"$err"
check "--gradescope ... --require-sandbox: its run_autograder refuses to grade without bubblewrap" \
    grep -q "^model=async require_sandbox=1$" "$tmp/ag-req/run_autograder"

# ---- a frontier variant: its handout and bundle (its file is threadpool_frontier.c) ----
hf=$tmp/handout-tpf
"$root/tests/grade.sh" --handout threadpool-frontier "$hf" >"$out" 2>"$err"
check "--handout threadpool-frontier exits 0" [ $? -eq 0 ]
check "... its skeleton states the frontier's contract" \
    grep -q "TODO: workers that wait (not spin, not quit)" "$hf/threadpool/threadpool_frontier.c"
check "... and still declares the frontier model" grep -q "\.frontier = 1" "$hf/threadpool/threadpool_frontier.c"
check "... its ASSIGNMENT.md names the file to write and --pages" \
    grep -q "threadpool/threadpool_frontier.c.*" "$hf/ASSIGNMENT.md"
"$root/tests/grade.sh" --gradescope threadpool-frontier "$tmp/ag-tpf" >"$out" 2>"$err"
check "--gradescope threadpool-frontier exits 0" [ $? -eq 0 ]
check "... its run_autograder looks for threadpool_frontier.c" grep -q "^base=threadpool_frontier.c " "$tmp/ag-tpf/run_autograder"
check "... the judge has its reference, for the cpu check's yardstick" \
    cmp -s "$root/threadpool/threadpool_frontier.c" "$tmp/ag-tpf/source/tests/judge/reference/threadpool-frontier.c"

# ---- the Gradescope bundle, run as Gradescope runs it ----
ag=$tmp/ag
"$root/tests/grade.sh" --gradescope async "$ag" >"$out" 2>"$err"
check "--gradescope exits 0" [ $? -eq 0 ]
python3 -m zipfile -l "$ag/autograder.zip" >"$tmp/zip.list" 2>&1
for f in setup.sh run_autograder source/async/async.c; do
    check "autograder.zip holds $f" grep -q "^$f " "$tmp/zip.list"
done
check "the bundle's source has no reference async.c" \
    not grep -qs "curl_multi_add_handle" "$ag/source/async/async.c"
check "... but the judge has it, for the cpu check's yardstick" \
    cmp -s "$root/async/async.c" "$ag/source/tests/judge/reference/async.c"

if bwrap --unshare-user --bind / / true 2>/dev/null || [ "$(id -u)" -eq 0 ]; then
    box=$tmp/autograder
    mkdir -p "$box/submission" "$box/results"
    unzip_with_modes "$ag/autograder.zip" "$box" && chmod -R a+rX "$box"
    cp "$root/async/async.c" "$box/submission/async.c"
    # setup.sh's build, once, where Gradescope's image has it (its apt-get
    # is the image's business: the packages are here already).
    bwrap --dev-bind / / --bind "$box" /autograder -- bash -c \
        'cd /autograder/source && tests/grade.sh --build-dir /autograder/build --only empty async async/async.c' \
        >"$out" 2>"$err"
    bwrap --dev-bind / / --bind "$box" /autograder -- /autograder/run_autograder >"$out" 2>"$err"
    check "run_autograder exits 0" [ $? -eq 0 ]
    check "results.json is valid, with full marks for the reference" \
        json_holds '.score == .max_score and .max_score > 0 and (.tests | length) > 10' "$box/results/results.json"
    rm -f "$box/submission/async.c"
    bwrap --dev-bind / / --bind "$box" /autograder -- /autograder/run_autograder >"$out" 2>"$err"
    check "no async.c in the submission: score 0 and a line that says what to upload" \
        json_holds '.score == 0 and (.output | test("async.c"))' "$box/results/results.json"

    # A submission in folders named to break a shell or a terminal, with a
    # file that does not compile: graded, nothing run, nothing raw shown.
    esc=$'\e'
    hostile="\$(touch $tmp/pwned1)/\`touch $tmp/pwned2\`/x|g;e touch $tmp/pwned3;#/a'b\"c;d/l1"$'\n'"l2/${esc}]0;t${esc}\\${esc}[2J${esc}[31m"$'\xc2\x9b'"1m"
    mkdir -p "$box/submission/$hostile"
    printf '#include "crawl.h"\n#error %s\nint crawl_run(void) { return ; }\n' "${esc}[31mred" >"$box/submission/$hostile/async.c"
    bwrap --dev-bind / / --bind "$box" /autograder -- /autograder/run_autograder >"$out" 2>"$err"
    check "hostile folder names: run_autograder exits 0" [ $? -eq 0 ]
    check "... results.json is valid: 0, does not compile" \
        json_holds '.score == 0 and .max_score > 0 and (.output | test("does not compile"))' "$box/results/results.json"
    check "... nothing was run" [ -z "$(compgen -G "$tmp/pwned*")" ]
    check "... no raw control byte in results.json or on the terminal" \
        not env LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$box/results/results.json" "$out" "$err"
    rm -rf "$box/submission/"*

    # A grading that cannot happen: said, with no score earned.
    cp "$root/async/async.c" "$box/submission/async.c"
    chmod 777 "$box/build"
    bwrap --dev-bind / / --bind "$box" /autograder -- /autograder/run_autograder >"$out" 2>"$err"
    check "a build folder others can write: run_autograder exits 0" [ $? -eq 0 ]
    check "... results.json says the autograder could not grade, not a verdict" \
        json_holds '.score == 0 and (.output | test("could not grade")) and (.output | test("written by others"))' \
        "$box/results/results.json"
    chmod 755 "$box/build"
else
    echo "SKIP: run_autograder: bubblewrap cannot make a mount namespace here (not root, no user namespaces)"
fi

check_summary test_handout
