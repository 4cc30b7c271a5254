#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_handout.sh -- what a teacher hands out and deploys, end to end:
#   --handout: a starter tree without the reference (nor anything it could
#     be recovered from), whose own grader builds and grades the skeleton
#     honestly (no points, exit 1);
#   --gradescope: autograder.zip, whose run_autograder, run as Gradescope
#     runs it (/autograder bound in a bubblewrap mount namespace), grades a
#     submission into a valid results.json: full marks for the reference.
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
check "--handout into a folder that is not empty fails (exit 2)" \
    bash -c '"$1" --handout threadpool "$2" >/dev/null 2>&1; [ $? -eq 2 ]' _ "$root/tests/grade.sh" "$ho"

(cd "$ho" && tests/grade.sh --build-dir "$tmp/ho-build" threadpool .) >"$out" 2>"$err"
rc=$?
check "the skeleton, graded by the handout's grader, loses points (exit 1)" [ $rc -eq 1 ]
check "... with a total line of no points" grep -q "^total: 0 / [1-9]" "$out"

# ---- the Gradescope bundle, run as Gradescope runs it ----
ag=$tmp/ag
"$root/tests/grade.sh" --gradescope async "$ag" >"$out" 2>"$err"
check "--gradescope exits 0" [ $? -eq 0 ]
python3 -m zipfile -l "$ag/autograder.zip" >"$tmp/zip.list" 2>&1
for f in setup.sh run_autograder source/async/async.c; do
    check "autograder.zip holds $f" grep -q "^$f " "$tmp/zip.list"
done
check "the bundle's source has no reference async.c" \
    not grep -qs "CONC: hand each transfer" "$ag/source/async/async.c"

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
else
    echo "SKIP: run_autograder: bubblewrap cannot make a mount namespace here (not root, no user namespaces)"
fi

check_summary test_handout
