#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# handout.sh -- what a teacher hands out and deploys (called by tests/grade.sh):
#   --handout MODEL DIR     a student starter repository: the suite without the
#                           reference MODEL/MODEL.c (a skeleton that compiles,
#                           states the contract and fails the checks honestly),
#                           without the files it could be recovered from (git
#                           history, fixtures, build folders, the side-by-side
#                           page, models that copy its mechanics)
#   --gradescope MODEL DIR  a Gradescope autograder: that starter tree plus
#                           setup.sh and run_autograder, zipped
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
    echo "handout.sh: $1" >&2
    exit 2
}

[ $# -eq 3 ] || die "usage: tests/grade.sh --handout|--gradescope MODEL DIR"
mode=$1 model=$2 dir=$3
case $model in serial | threadpool | multiprocess | async | hybrid) ;; *) die "unknown model \"$model\"" ;; esac
[ ! -e "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ] || die "$dir exists and is not empty: name a new folder"

# Files that show the model's own mechanics, beside its reference.
related() {
    case $1 in
    multiprocess) echo hybrid/hybrid.c ;;
    async) echo hybrid/hybrid.c async/blocking_trap.c ;;
    esac
}

# A model file that compiles, says what to write, and does nothing yet.
skeleton() { # MODEL REFERENCE-FILE
    local m=$1 ref=$2
    cat <<EOF
/* SPDX-License-Identifier: MIT */
/* $m.c -- YOUR NAME: the job with the $m model.
 *
 * The contract (common/crawl.h, README "Grading"): crawl_run runs requests
 * 0 .. job->n - 1 -- request i fetches id i + 1 -- with at most
 * job->nworkers in flight (read the model's -w in README), fills res[i] for
 * each one, and returns 0 (or -1 if it could not run them all). One
 * blocking fetch is fetch_one(&f, job, i, &res[i]) on a struct fetch of the
 * worker's own (fetch_init / fetch_cleanup); an event loop drives
 * fetch_start / fetch_finish itself.
 *
 * TODO: share out the work, one request at a time, to the workers.
 * TODO: run each worker (a thread, a process, an event-loop slot).
 * TODO: wait for every worker and release everything before returning:
 *       threads joined, children reaped, descriptors and handles closed.
 *
 * Check your work:  tests/grade.sh $m .   (from the repository's root)
 */
#include "crawl.h"

int crawl_run(const struct job *job, struct result *res)
{
    (void)job;
    (void)res;
    return -1; /* TODO: nothing is run yet: every row says "not run" */
}

EOF
    awk '/^const struct model MODEL/ { on = 1 } on { print } on && /};/ { exit }' "$ref"
}

# The tracked files as they are in the working tree (no .git, no builds).
copy_tree() { # DIR
    mkdir -p "$1"
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$1"
    else
        tar -C "$src" --exclude=.git --exclude='build*' -cf - . | tar -xf - -C "$1"
    fi
}

make_handout() { # DIR
    local d=$1 f
    copy_tree "$d"
    rm -rf "$d/tests/fixtures" "$d/tests/meta_grade.sh" "$d/docs/models.html"
    for f in "$model/$model.c" $(related "$model"); do
        skeleton "$(basename "$f" .c)" "$src/$f" >"$d/$f"
    done
    # The side-by-side page, made again from the skeleton(s).
    if [ -x "$d/tools/side_by_side" ]; then
        (cd "$d" && tools/side_by_side -o docs/models.html) >/dev/null 2>&1 || true
    fi
    cat >"$d/ASSIGNMENT.md" <<EOF
# Assignment: the $model model

Write \`$model/$model.c\`: the crawler's job with the $model model. Everything
else -- the job, the command line, the timing and the report (\`common/\`), the
delay-server (\`server/\`), the other models -- is given; read \`README.md\`,
then \`serial/serial.c\`, the simplest model.

Your file defines \`crawl_run()\` and the model's description \`MODEL\`
(already in the skeleton). Build and run it as the README shows:

    cmake -S . -B build && cmake --build build -j
    build/bin/delay-server --port 0 --delay-ms 500 &     # prints its URL
    build/bin/crawl-$model --url URL -n 100 -w 10

Check it as your teacher will grade it (the same grader, the same checks):

    tests/grade.sh $model .

Each check says what it looks at and, when it fails, what went wrong.
EOF
}

if [ "$mode" = --handout ]; then
    make_handout "$dir"
    echo "handout for the $model model: $dir (the student writes $model/$model.c; see $dir/ASSIGNMENT.md)"
    exit 0
fi

# ---- Gradescope: the handout tree as the grader's source ----
mkdir -p "$dir"
make_handout "$dir/source"
cat >"$dir/setup.sh" <<'EOF'
#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    build-essential cmake pkg-config libcurl4-openssl-dev libcmocka-dev bubblewrap jq
# Build the grader's own parts once, so each submission compiles only itself.
cd /autograder/source
tests/grade.sh --build-dir /autograder/build --only empty MODEL MODEL/MODEL.c >/dev/null || true
EOF
cat >"$dir/run_autograder" <<'EOF'
#!/usr/bin/env bash
# Gradescope runs this for each submission: the student's files are in
# /autograder/submission; the results go to /autograder/results/results.json.
set -uo pipefail
mkdir -p /autograder/results
sub=$(find /autograder/submission -name MODEL.c -type f | head -n 1)
if [ -z "$sub" ]; then
    jq -n '{score: 0, output: "No MODEL.c in your submission: upload the file MODEL.c.", tests: []}' \
        >/autograder/results/results.json
    exit 0
fi
cd /autograder/source
tests/grade.sh --build-dir /autograder/build --json /autograder/results/results.json MODEL "$sub"
exit 0 # the score is in results.json; a non-zero exit would read as an autograder failure
EOF
sed -i "s/MODEL/$model/g" "$dir/setup.sh" "$dir/run_autograder"
chmod +x "$dir/setup.sh" "$dir/run_autograder"
(cd "$dir" && python3 -m zipfile -c autograder.zip setup.sh run_autograder source >/dev/null)
echo "Gradescope autograder for the $model model: $dir/autograder.zip (setup.sh, run_autograder, source/)"
