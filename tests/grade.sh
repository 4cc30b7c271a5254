#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# grade.sh -- grade one student's model file with the suite's contract tests.
# Builds FILE.c with the contract (tests/contract.c) in a private build
# folder -- plain, and with AddressSanitizer or ThreadSanitizer when a check
# needs one -- runs each of the model's checks in its own process under a
# time limit (run as root, the student's code runs as the user nobody under
# a process limit: tests/contract_child.c), and prints the rubric of
# tests/rubric.conf. Last line: "total: X / Y". Exit 0 full marks, 1 points
# lost, 2 bad usage, 3 when the grader itself cannot build (not the
# student's fault).
set -uo pipefail

usage="usage: tests/grade.sh [--json FILE] [--build-dir DIR] [--only CHECK,...] [--verbose] MODEL FILE.c"
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rubric=${GRADE_RUBRIC:-$src/tests/rubric.conf}
check_limit=${GRADE_CHECK_LIMIT:-90} # seconds; the contract's own limit is far shorter
export LC_ALL=C                       # ASCII quotes in compiler messages

help() {
    cat <<EOF
$usage
Grade a student's version of one model (serial, threadpool, multiprocess or
async) with the suite's contract tests and print a rubric: each check, its
points, PASS or FAIL with one line on what to fix, and last "total: X / Y".

  --json FILE       also write Gradescope's results.json to FILE
  --build-dir DIR   keep the build folders in DIR (later runs recompile only FILE.c)
  --only CHECK,...  run only these checks
  --verbose         show what a failing check printed (a sanitizer report, say)
  -h, --help        show this help and exit
  -V, --version     show the version and exit

Points: tests/rubric.conf, or the file named by GRADE_RUBRIC.
GRADE_CHECK_LIMIT: seconds one check may take (default 90).
Exit status: 0 full marks, 1 points lost, 2 bad usage, 3 the grader itself
could not be built.
EOF
}

die_usage() {
    echo "grade.sh: $1 ($usage)" >&2
    exit 2
}

# ---- command line ----
json="" build_dir="" only="" verbose=0
while [ $# -gt 0 ]; do
    case $1 in
    --json) [ $# -ge 2 ] || die_usage "--json needs a file name"; json=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || die_usage "--build-dir needs a directory"; build_dir=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || die_usage "--only needs a list of checks"; only=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    -h | --help) help; exit 0 ;;
    -V | --version) echo "grade.sh $(sed -n 's/^project(.* VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")"; exit 0 ;;
    -*) die_usage "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die_usage "expected MODEL and FILE.c, got $# arguments"
model=$1 file=$2
case $model in
serial | threadpool | multiprocess | async) ;;
*) die_usage "unknown model \"$model\": serial, threadpool, multiprocess or async" ;;
esac
[ -f "$file" ] && [ -r "$file" ] || die_usage "cannot read $file"
[ -r "$rubric" ] || die_usage "cannot read the rubric $rubric"

# Which build a check runs in.
flavor_of() {
    case $1 in
    memory) echo asan ;;
    race) echo tsan ;;
    results | parallel | limit | unlimited | http_errors | wrong_body | refused | timeout | empty | \
        single | one_worker | more_workers | threads_joined | children_reaped | fds_closed | \
        easy_handles) echo plain ;;
    *) return 1 ;;
    esac
}

# ---- the rubric: the model's lines, in order ----
checks=() points=() descs=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    read -r m c p d <<<"$line"
    [ -z "${m:-}" ] || [ "${m:0:1}" = "#" ] && continue
    flavor_of "${c:-}" >/dev/null || die_usage "$rubric:$lineno: unknown check \"${c:-}\""
    [[ ${p:-} =~ ^[0-9]+$ ]] || die_usage "$rubric:$lineno: points must be a whole number, not \"${p:-}\""
    [ "$m" = "$model" ] || continue
    if [ -n "$only" ] && [[ ",$only," != *",$c,"* ]]; then continue; fi
    checks+=("$c") points+=("$p") descs+=("${d:-}")
done <"$rubric"
if [ -n "$only" ]; then
    for c in ${only//,/ }; do
        [[ " ${checks[*]} " == *" $c "* ]] || die_usage "--only: \"$c\" is not a $model check in $rubric"
    done
fi
[ ${#checks[@]} -gt 0 ] || die_usage "$rubric has no checks for $model"

# ---- a private build folder, and nothing left running at the end ----
token="grade-$$-$RANDOM$RANDOM"
work=$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX")
[ -n "$build_dir" ] || build_dir=$work/build
mkdir -p "$build_dir" || die_usage "cannot create $build_dir"
build_dir=$(cd "$build_dir" && pwd)

# Every process a check starts carries our token in its environment; kill
# whatever still does (a worker that escaped its process group, say).
sweep() {
    local pids
    pids=$(grep -lzsx "GRADE_TOKEN=$token" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)
    # shellcheck disable=SC2086 # a list of pids
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
}
cleanup() {
    sweep
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ----
jobs=$(nproc 2>/dev/null || echo 2)

# Configure once (the folder is reused with --build-dir), build the shared
# parts, then the contract linked with the submission. 0, 1 when the
# submission does not build (build.log says why), or 3.
build_flavor() {
    local f=$1 tree=$build_dir/$1 san=""
    case $f in asan) san=address,undefined ;; tsan) san=thread ;; esac
    mkdir -p "$tree/submission"
    cmp -s "$file" "$tree/submission/submission.c" || cp "$file" "$tree/submission/submission.c"
    if [ ! -f "$tree/CMakeCache.txt" ] &&
        ! cmake -S "$src" -B "$tree" -DSANITIZE="$san" \
            -DGRADE_SUBMISSION="$tree/submission/submission.c" >"$tree/configure.log" 2>&1; then
        echo "grade.sh: cannot configure the $f build: see $tree/configure.log" >&2
        return 3
    fi
    if ! cmake --build "$tree" -j "$jobs" --target contract_main delay-server >"$tree/base.log" 2>&1; then
        echo "grade.sh: the suite itself does not build ($f): see $tree/base.log" >&2
        return 3
    fi
    local targets=(grade-contract)
    [ "$f" = plain ] && targets+=(grade-crawl) # the file with the shared driver, to run by hand
    cmake --build "$tree" -j "$jobs" --target "${targets[@]}" >"$tree/build.log" 2>&1 || return 1
    return 0
}

# The compiler's and linker's complaints, about the student's file by name.
show_build_errors() {
    local log=$1 copy=$2 line
    grep -E "submission\.c|undefined reference|multiple definition|ld returned|error:" "$log" |
        grep -v -E "^\[|^g?make" | head -n 30 | while IFS= read -r line; do
        printf '    %s\n' "${line//"$copy"/$file}"
    done
}

# ---- run one check ----
# Sets verdict (PASS, FAIL or SKIP), reason and output (what it printed).
run_check() {
    local c=$1 f bin out status line
    f=$(flavor_of "$c")
    bin=$build_dir/$f/bin/grade-contract
    out=$work/$c.out
    (cd "$work" && GRADE_TOKEN=$token exec timeout -k 5 "$check_limit" \
        "$bin" --model "$model" "$c" </dev/null >"$out" 2>&1)
    status=$?
    sweep
    line=$(grep -a -m1 "^CHECK $c " "$out")
    output=$(grep -a "^  | " "$out" | head -n 12)
    output=${output//"$build_dir/$f/submission/submission.c"/$file}
    if [ -n "$line" ]; then
        read -r _ _ verdict reason <<<"$line"
    elif [ $status -eq 124 ] || [ $status -eq 137 ]; then
        verdict=FAIL reason="did not finish within ${check_limit} s: stopped"
    else
        verdict=FAIL reason="the test program ended (status $status) without a verdict"
    fi
}

# ---- JSON (Gradescope's results.json) ----
json_str() {
    printf '"'
    printf '%s' "$1" | tr -d '\000-\010\013-\037\177-\377' |
        awk 'BEGIN { ORS = "" } { gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t");
                                  if (NR > 1) print "\\n"; print }'
    printf '"'
}

json_tests=()
json_add() { # name score max output
    json_tests+=("{\"name\": $(json_str "$1"), \"score\": $2, \"max_score\": $3, \"output\": $(json_str "$4")}")
}

write_json() {
    local IFS=,
    [ -n "$json" ] || return 0
    printf '{"score": %d, "max_score": %d, "output": %s, "tests": [%s]}\n' "$1" "$2" \
        "$(json_str "$3")" "${json_tests[*]}" >"$json" ||
        echo "grade.sh: cannot write $json" >&2
}

# ---- grade ----
echo "grading $file as the $model model"
need=() total=0 max=0 note="" hint="" compile_msgs=""
for c in "${checks[@]}"; do
    f=$(flavor_of "$c")
    [[ " ${need[*]} " == *" $f "* ]] || need+=("$f")
done
compile_ok=1
for f in "${need[@]}"; do
    build_flavor "$f"
    rc=$?
    [ $rc -eq 3 ] && exit 3
    if [ $rc -ne 0 ]; then
        compile_ok=0
        compile_msgs=$(show_build_errors "$build_dir/$f/build.log" "$build_dir/$f/submission/submission.c")
        echo "  $file does not compile or link:"
        printf '%s\n' "$compile_msgs"
        note="does not compile or link: see the compiler's messages"
        break
    fi
done

for k in "${!checks[@]}"; do
    c=${checks[$k]} p=${points[$k]} d=${descs[$k]}
    if [ $compile_ok -eq 1 ]; then
        run_check "$c"
    else
        verdict=FAIL reason=$note output=""
    fi
    if [ "$verdict" = SKIP ]; then
        printf '  SKIP  %3s     %-16s %s\n' "-" "$c" "$d"
        printf '        %s (rubric: no points)\n' "$reason"
        continue
    fi
    max=$((max + p))
    got=0
    [ "$verdict" = PASS ] && got=$p
    total=$((total + got))
    printf '  %s  %3d/%-3d %-16s %s\n' "$verdict" "$got" "$p" "$c" "$d"
    if [ "$verdict" = FAIL ]; then
        printf '        -> %s\n' "$reason"
        [ $verbose -eq 1 ] && [ -n "$output" ] && printf '%s\n' "$output" | sed 's/^/      /'
        [ -n "$output" ] && [ $verbose -eq 0 ] && hint="run again with --verbose to see what the failing checks printed"
    fi
    json_add "$c: $d" "$got" "$p" "$([ "$verdict" = PASS ] && echo passed || printf '%s\n%s' "$reason" "$output")"
done
[ -n "$hint" ] && echo "($hint)"
write_json "$total" "$max" "graded $file as the $model model${compile_msgs:+
$file does not compile or link:
$compile_msgs}"
echo "total: $total / $max"
[ $total -eq $max ] && exit 0
exit 1
