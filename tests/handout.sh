#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# handout.sh -- what a teacher hands out and deploys (called by tests/grade.sh):
#   --handout MODEL DIR     a student starter repository: the suite without the
#                           reference MODEL/MODEL.c (a skeleton that compiles,
#                           states the contract and fails the checks honestly),
#                           without the files it could be recovered from (git
#                           history, fixtures, build folders, the side-by-side
#                           page) and without any other file whose code shows
#                           the model's mechanism (see MECHANISM): another
#                           model file becomes a skeleton too; the suite's own
#                           unit tests, or the grader's judge, are left out
#                           whole when one of their files shows it
#   --gradescope MODEL DIR [--require-sandbox]
#                           a Gradescope autograder: that starter tree, with the
#                           judge always (students never see it), plus setup.sh
#                           and run_autograder, zipped; --require-sandbox makes
#                           run_autograder refuse to grade without bubblewrap
set -euo pipefail
umask 022
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export LC_ALL=C

# What shows a model's own mechanism, by its means (models.conf): code (C
# without its comments and strings, or the HTML page of code) that matches
# is not handed out beside the student's skeleton.
declare -A MECHANISM=(
    [threads]='(^|[^A-Za-z0-9_])pthread_create[[:space:]]*\('
    [forks]='(^|[^A-Za-z0-9_])fork[[:space:]]*\('
    [loop]='(^|[^A-Za-z0-9_])curl_multi_'
    [forks+loop]='(^|[^A-Za-z0-9_])curl_multi_'
)
# Files that go together: one that shows the mechanism takes its group out.
JUDGE=(tests/judge tests/judge.cmake)
JUDGE_LANES=tests/judge/lanes.c
SUITE_TESTS=(tests/common.cmake tests/server.cmake tests/server_fixture.c tests/test_common.c
    tests/test_fetch.c tests/test_http_parse.c tests/test_server.c tests/test_cli.sh tests/test_lessons.sh)

die() {
    echo "handout.sh: $1" >&2
    exit 2
}

# The models.conf rows: SOURCE[name], MEANS[name], SCHEDULE[name]; GRADED:
# the names graded (run default, extra or frontier).
read_models() {
    local name source run means rest schedule
    declare -g -A SOURCE=() MEANS=() SCHEDULE=()
    GRADED=""
    while read -r name source _ _ _ schedule run means rest; do
        [[ -z $name || $name == \#* ]] && continue
        [[ -n ${means:-} && -z ${rest:-} ]] || die "models.conf: the row of \"$name\" needs 8 columns"
        SOURCE[$name]=$source MEANS[$name]=$means SCHEDULE[$name]=$schedule
        [[ $run != default && $run != extra && $run != frontier ]] || GRADED+=" $name"
    done <"$src/models.conf"
}

# The code of FILE as the mechanism is looked for in it: C without comments
# and strings (the grader's messages may name a call), an HTML page as it
# is (it shows code), nothing for any other file (prose, scripts, lists).
code_of() { # FILE
    case $1 in
    *.c | *.h) gcc -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null | sed -E 's/"([^"\\]|\\.)*"/""/g' ;;
    *.html) cat -- "$1" ;;
    esac
}

shows_mechanism() { # FILE
    local code
    [[ -n $pattern ]] || return 1
    code=$(code_of "$1") # whole, then searched: grep -q would cut the pipe short
    grep -q -E -- "$pattern" <<<"$code"
}

# The files under PATH... (in the tree $1) that show the mechanism, one a line.
showing() { # TREE PATH...
    local tree=$1 f
    shift
    (cd "$tree" && find "$@" -type f 2>/dev/null) | while IFS= read -r f; do
        if shows_mechanism "$tree/$f"; then printf '%s\n' "$f"; fi
    done
}

# A model file that compiles, says what to write, and does nothing yet.
skeleton() { # MODEL REFERENCE-FILE
    local m=$1 ref=$2
    grep -q '^const struct model MODEL' "$ref" || die "$ref defines no \"const struct model MODEL\": no skeleton can be made of it"
    if grep -q '\.frontier *= *1' "$ref"; then # a frontier variant: its own contract
        cat <<EOF
/* SPDX-License-Identifier: MIT */
/* $m.c -- YOUR NAME: the frontier crawl (list pages lead to detail pages).
 *
 * The contract (common/crawl.h, docs/grading.md): crawl_run starts from
 * list pages 1 .. job->pages (queue each with result_queued into the next
 * free row of res[], at most job->n rows), fetches each queued row with
 * fetch_page on a struct fetch of the worker's own, and queues the links
 * fetch_links finds in it -- each page once (page_set_add) -- with at most
 * job->nworkers in flight. It returns 0 (or -1 if it could not run them).
 *
 * TODO: a queue of pages found, and a count of pages in flight.
 * TODO: workers that wait (not spin, not quit) while the queue is empty but
 *       pages in flight may add to it, and stop when nothing is queued or
 *       in flight.
 * TODO: wait for every worker and release everything before returning.
 *
 * Check your work:  tests/grade.sh MODEL .   (from the repository's root)
 */
#include "crawl.h"

int crawl_run(const struct job *job, struct result *res)
{
    (void)job;
    (void)res;
    return -1; /* TODO: nothing is fetched yet */
}

EOF
        awk '/^const struct model MODEL/ { on = 1 } on { print } on && /};/ { exit }' "$ref"
        return
    fi
    cat <<EOF
/* SPDX-License-Identifier: MIT */
/* $m.c -- YOUR NAME: the job with the $m model.
 *
 * The contract (common/crawl.h, docs/grading.md): crawl_run runs requests
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

# Take GROUP's files out of the tree D when one of them shows the
# mechanism; says so (one line) when it did.
drop_group() { # D NAME PATH...
    local d=$1 name=$2 hit
    shift 2
    hit=$(showing "$d" "$@")
    [[ -n $hit ]] || return 0
    hit=${hit%%$'\n'*}
    (cd "$d" && rm -rf -- "$@")
    echo "$name (its $hit shows the $model model's mechanism)"
}

make_handout() { # DIR KEEP-JUDGE
    local d=$1 keep_judge=$2 name f left
    copy_tree "$d"
    rm -rf "$d/tests/fixtures" "$d/tests/meta_grade.sh" "$d/tests/test_grade_host.sh" "$d/docs/models.html"
    # The reference, and every other model file that shows the mechanism,
    # become skeletons.
    for name in "${!SOURCE[@]}"; do
        f=${SOURCE[$name]}
        if [[ $name == "$model" ]] || shows_mechanism "$d/$f"; then
            skeleton "$(basename "$f" .c)" "$src/$f" | sed "s|tests/grade.sh MODEL \.|tests/grade.sh $name .|" >"$d/$f"
        fi
    done
    left_out=()
    f=$(drop_group "$d" "the suite's own unit tests" "${SUITE_TESTS[@]}")
    [[ -z $f ]] || left_out+=("$f")
    if [[ $keep_judge -eq 0 ]]; then
        # The judge's lanes are a pool of threads: a thread pool's handout
        # goes without them (its judge runs one job at a time), and keeps
        # the rest of the judge if nothing else there shows the mechanism.
        f=$(drop_group "$d" "the judge's lanes (jobs at once), $JUDGE_LANES" "$JUDGE_LANES")
        [[ -z $f ]] || left_out+=("$f")
        f=$(drop_group "$d" "the grader's judge, tests/judge/" "${JUDGE[@]}")
        [[ -z $f ]] || left_out+=("$f")
    fi
    # Anything else that still shows it cannot be left out without breaking
    # the build: the suite is not fit to hand out for this model.
    left=$(showing "$d" . | grep -v -x -F "./${SOURCE[$model]}" | grep -v '^\./tests/judge/' | paste -sd' ' || true)
    [[ -z $left ]] || {
        echo "handout.sh: cannot hand out the $model model: $left still show its mechanism ($pattern) and cannot be left out" >&2
        exit 3
    }
    # The side-by-side page, made again from this tree; none if it cannot be.
    if [[ -x $d/tools/side_by_side ]]; then
        (cd "$d" && tools/side_by_side -o docs/models.html) >/dev/null 2>&1 || rm -f "$d/docs/models.html"
        [[ ! -f $d/docs/models.html ]] || ! shows_mechanism "$d/docs/models.html" || rm -f "$d/docs/models.html"
    fi
    write_assignment "$d"
}

write_assignment() { # DIR
    local check run_args="-n 100 -w 10"
    [[ ${SCHEDULE[$model]} != frontier ]] ||
        run_args="--pages 10 -w 10    # the server started with --pages 10 --per-page 10"
    if [[ -d $1/tests/judge ]]; then
        check="Check it as your teacher will grade it (the same grader, the same checks):

    tests/grade.sh $model .

Each check says what it looks at and, when it fails, what went wrong."
    else
        check="Your teacher grades it with tests/grade.sh and the checks docs/grading.md
describes. This copy has no grader's judge (tests/judge/): its code shows
the $model model's own mechanism, which is yours to write."
    fi
    cat >"$1/ASSIGNMENT.md" <<EOF
# Assignment: the $model model

Write \`${SOURCE[$model]}\`: the crawler's job with the $model model. Everything
else -- the job, the command line, the timing and the report (\`common/\`), the
delay-server (\`server/\`), the other models -- is given; read \`README.md\`,
then \`serial/serial.c\`, the simplest model.

Your file defines \`crawl_run()\` and the model's description \`MODEL\`
(already in the skeleton). It may call only what the $model model needs:
the functions of \`common/crawl.h\`, the C library's memory, string, output
and time functions, and the model's own means (docs/grading.md).
Build and run it as the README shows:

    cmake -S . -B build && cmake --build build -j
    build/bin/delay-server --port 0 --delay-ms 500 &     # prints its URL
    build/bin/crawl-$model --url URL $run_args

$check
EOF
}

# setup.sh and run_autograder: the model and the choice written as shell
# words (printf %q) above a fixed body; nothing else is filled in.
write_gradescope_scripts() { # DIR REQUIRE(0|1)
    local checks=empty,memory
    awk -v m="$model" '$1 == m && $2 == "race" { found = 1 } END { exit !found }' "$src/tests/rubric.conf" &&
        checks+=,race
    {
        echo '#!/usr/bin/env bash'
        echo '# Gradescope runs this once, as root, when it builds the autograder image.'
        printf 'model=%q checks=%q\n' "$model" "$checks"
        printf 'file=%q\n' "${SOURCE[$model]}"
        cat <<'EOF'
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    build-essential cmake pkg-config libcurl4-openssl-dev libcmocka-dev bubblewrap jq
# Build the grader's own parts once (each flavour), so each submission
# compiles only itself.
cd /autograder/source
tests/grade.sh --build-dir /autograder/build --only "$checks" "$model" "$file" >/dev/null || true
EOF
    } >"$1/setup.sh"
    {
        echo '#!/usr/bin/env bash'
        echo '# Gradescope runs this for each submission, as root: the student'"'"'s files are'
        echo '# in /autograder/submission (their names are the student'"'"'s: data, never'
        echo '# code); the results go to /autograder/results/results.json.'
        printf 'model=%q require_sandbox=%q\n' "$model" "$2"
        printf 'base=%q # the file to grade, as the student names it\n' "$(basename "${SOURCE[$model]}")"
        cat <<'EOF'
set -uo pipefail
results=/autograder/results/results.json
mkdir -p /autograder/results

# results.json for a grading that did not happen: TEXT, no score earned.
no_grading() { # TEXT
    jq -n --arg out "$1" '{score: 0, output: $out, output_format: "text", tests: []}' >"$results"
}

# The shallowest $base in the submission (find never follows a link).
sub=""
while IFS= read -r -d '' entry; do
    sub=${entry#*/}
    break
done < <(find /autograder/submission -name "$base" -type f -printf '%d/%p\0' 2>/dev/null | sort -z -n)
if [[ -z $sub ]]; then
    no_grading "No $base in your submission: upload the file $base."
    exit 0
fi
args=(--build-dir /autograder/build --json "$results")
[[ $require_sandbox -eq 0 ]] || args+=(--require-sandbox)
cd /autograder/source || exit 1
rm -f "$results"
log=$(mktemp)
tests/grade.sh "${args[@]}" "$model" "$sub" 2>"$log"
rc=$?
cat "$log" >&2 # the grader's own warnings, for the instructor
if [[ $rc -ge 2 || ! -s $results ]]; then
    why=$(tail -n 3 "$log" | tr -d '\000-\010\013-\037\177')
    no_grading "The autograder could not grade $base (tests/grade.sh exit $rc): ${why:-no message}. This is not a verdict on your file: tell your instructor."
fi
rm -f "$log"
exit 0 # the score is in results.json; a non-zero exit would read as an autograder failure
EOF
    } >"$1/run_autograder"
    chmod +x "$1/setup.sh" "$1/run_autograder"
}

main() {
    local mode model_arg dir require=0
    [[ $# -eq 3 || ($# -eq 4 && $1 == --gradescope && $4 == --require-sandbox) ]] ||
        die "usage: tests/grade.sh --handout MODEL DIR | --gradescope MODEL DIR [--require-sandbox]"
    mode=$1 model_arg=$2 dir=$3
    [[ $# -eq 4 ]] && require=1
    read_models
    [[ " $GRADED " == *" $model_arg "* ]] || die "unknown model \"$(printf '%q' "$model_arg")\": one of$GRADED"
    model=$model_arg
    pattern=${MECHANISM[${MEANS[$model]}]:-}
    [[ ! -e $dir || -z $(ls -A "$dir" 2>/dev/null) ]] || die "$(printf '%q' "$dir") exists and is not empty: name a new folder"

    if [[ $mode == --handout ]]; then
        make_handout "$dir" 0
        echo "handout for the $model model: $dir (the student writes ${SOURCE[$model]}; see $dir/ASSIGNMENT.md)"
        local why
        for why in "${left_out[@]}"; do echo "  left out: $why"; done
        return 0
    fi
    [[ $mode == --gradescope ]] || die "unknown mode $(printf '%q' "$mode")"
    mkdir -p "$dir"
    make_handout "$dir/source" 1
    # The reference, beside the judge (students never see the bundle): the
    # yardstick of the cpu check, built as graded-ref-MODEL (judge.cmake).
    mkdir -p "$dir/source/tests/judge/reference"
    cp "$src/${SOURCE[$model]}" "$dir/source/tests/judge/reference/$model.c"
    write_gradescope_scripts "$dir" "$require"
    (cd "$dir" && python3 -m zipfile -c autograder.zip setup.sh run_autograder source >/dev/null)
    echo "Gradescope autograder for the $model model: $dir/autograder.zip (setup.sh, run_autograder, source/)$([[ $require -eq 1 ]] && echo "; grades only inside bubblewrap")"
}

main "$@"
