#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# grade.sh -- grade one student's model file. The file is compiled alone,
# against copies of the public headers only, in a sandbox under time,
# memory and output limits; linked with the shared driver; and run by the
# judge (tests/judge/) on irregular jobs, each in a sandbox of its own
# against a delay-server of the judge's. Verdicts come from the judge's own
# observations, never from what the submission prints. Prints the rubric
# of tests/rubric.conf; last line "total: X / Y". Exit 0 full marks, 1
# points lost, 2 bad usage, 3 when the grader itself cannot work (not the
# student's fault), 130 interrupted (143 terminated, 129 hung up).
set -uo pipefail

usage="usage: tests/grade.sh [--json FILE] [--build-dir DIR] [--only CHECK,...] [--seed N] [--verbose] [--require-sandbox] MODEL FILE.c|DIR"
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rubric=${GRADE_RUBRIC:-$src/tests/rubric.conf}
export LC_ALL=C # ASCII quotes in compiler messages

MODELS="serial threadpool multiprocess async hybrid"
# The headers a model file may include: the contract and the shared helpers.
PUBLIC_HEADERS=(crawl.h forked.h window.h)
# Calls the judge's hooks count or route (tests/judge/hooks.c).
WRAPS=(pthread_create pthread_join pthread_detach fork curl_easy_init curl_easy_duphandle curl_easy_cleanup
    curl_easy_perform curl_multi_add_handle pthread_mutex_lock pthread_mutex_trylock
    sem_wait sem_trywait sem_timedwait)
COMPILE_LIMIT_S=60 COMPILE_MEM=2G COMPILE_LOG_MAX=65536

help() {
    cat <<EOF
$usage
       tests/grade.sh --handout MODEL DIR      write a student starter repository
       tests/grade.sh --gradescope MODEL DIR   write a Gradescope autograder bundle

Grade a student's version of one model ($MODELS) and print a rubric: each
check, its points, PASS or FAIL with one line on what to fix, and last
"total: X / Y". FILE.c is the student's model file; a DIR is a student's
copy of the repository, graded by its MODEL/MODEL.c.

  --json FILE        also write Gradescope's results.json to FILE
  --build-dir DIR    keep the grader's build in DIR (later runs build only FILE.c)
  --only CHECK,...   run only these checks
  --seed N           draw the jobs' shapes from seed N (printed as "seed: N"
                     by every grading, so one can be replayed exactly)
  --verbose          show what the program printed in a failing job, and the
                     judge's measurements of every job
  --require-sandbox  fail (exit 3) instead of grading without bubblewrap
  -h, --help         show this help and exit
  -V, --version      show the version and exit

Points: tests/rubric.conf, or the file named by GRADE_RUBRIC.
Exit status: 0 full marks, 1 points lost, 2 bad usage, 3 the grader itself
could not work, 130 interrupted (143 terminated, 129 hung up).
EOF
}

die_usage() {
    echo "grade.sh: $1 ($usage)" >&2
    exit 2
}

version() { sed -n 's/^project(.* VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt"; }

# ---- command line ----
json="" build_dir="" only="" verbose=0 sandbox=auto seed=""
while [ $# -gt 0 ]; do
    case $1 in
    --json) [ $# -ge 2 ] || die_usage "--json needs a file name"; json=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || die_usage "--build-dir needs a directory"; build_dir=$2; shift 2 ;;
    --only) [ $# -ge 2 ] || die_usage "--only needs a list of checks"; only=$2; shift 2 ;;
    --seed) [[ ${2:-} =~ ^[0-9]{1,18}$ ]] || die_usage "--seed needs a whole number"; seed=$2; shift 2 ;;
    --verbose) verbose=1; shift ;;
    --require-sandbox) sandbox=require; shift ;;
    --handout | --gradescope)
        [ $# -eq 3 ] || die_usage "$1 takes MODEL and DIR"
        exec "$src/tests/handout.sh" "$@" ;;
    -h | --help) help; exit 0 ;;
    -V | --version) echo "grade.sh $(version)"; exit 0 ;;
    -*) die_usage "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die_usage "expected MODEL and FILE.c, got $# arguments"
model=$1 file=$2
[[ " $MODELS " == *" $model "* ]] || die_usage "unknown model \"$model\": one of $MODELS"
[ -d "$file" ] && file=$file/$model/$model.c
[ -f "$file" ] && [ -r "$file" ] || die_usage "cannot read $file"
[ -r "$rubric" ] || die_usage "cannot read the rubric $rubric"

# Which build a check runs in.
flavor_of() {
    case $1 in
    memory) echo asan ;;
    race) echo tsan ;;
    results | parallel | limit | unlimited | uneven | http_errors | wrong_body | refused | timeout | \
        empty | single | one_worker | more_workers | threads_joined | children_reaped | \
        fds_closed | easy_handles | cpu | exclusion | retries | no_idle | second_run | caller_state) echo plain ;;
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
    [[ ${p:-} =~ ^[0-9]{1,4}$ ]] || die_usage "$rubric:$lineno: points must be a whole number 0..9999, not \"${p:-}\""
    [ "$m" = "$model" ] || continue
    if [ -n "$only" ] && [[ ",$only," != *",$c,"* ]]; then continue; fi
    checks+=("$c") points+=("$((10#$p))") descs+=("${d:-}")
done <"$rubric"
if [ -n "$only" ]; then
    for c in ${only//,/ }; do
        [[ " ${checks[*]} " == *" $c "* ]] || die_usage "--only: \"$c\" is not a $model check in $rubric"
    done
fi
[ ${#checks[@]} -gt 0 ] || die_usage "$rubric has no checks for $model"

# ---- a private work folder; Ctrl-C or kill stops everything at once ----
work=$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX") || exit 3
chmod 755 "$work"
[ -n "$build_dir" ] || build_dir=$work/build
mkdir -p "$build_dir" || die_usage "cannot create $build_dir"
build_dir=$(cd "$build_dir" && pwd)
child=""
cleanup() {
    [ -z "$child" ] || kill -TERM "$child" 2>/dev/null
    [ -z "$child" ] || wait "$child" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Run a command in the background and wait for it, so a signal is handled
# at once (bash runs a trap only between commands, never during one).
run_bg() { # OUT COMMAND...
    local out=$1
    shift
    "$@" >"$out" 2>&1 </dev/null &
    child=$!
    wait "$child"
    local rc=$?
    child=""
    stop_if_interrupted $rc
    return $rc
}

# Ctrl-C reaches the whole process group: a child that handles it and dies
# of it leaves bash believing the child dealt with it, so the INT trap never
# runs. A child dead of SIGINT, SIGTERM or SIGHUP means: stop here too.
stop_if_interrupted() { # STATUS
    case $1 in
    129 | 130 | 143) exit "$1" ;;
    esac
}

# Student text on a terminal: no escape sequences, no control bytes.
clean_text() { tr -d '\000-\010\013-\037\177'; }

# ---- the grader's own parts: judge, server, the driver per flavour ----
suite=$build_dir/suite
build_trusted() {
    local targets=(grade-judge delay-server)
    for f in "$@"; do targets+=("graded_$f"); done
    # Graders sharing a --build-dir take turns: two cmake runs in one
    # folder at once break each other's build.
    exec {build_lock}>"$build_dir/.build.lock" || return 3
    flock "$build_lock" || { stop_if_interrupted $?; return 3; }
    if [ ! -f "$suite/CMakeCache.txt" ] &&
        ! run_bg "$build_dir/configure.log" cmake -S "$src" -B "$suite" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
        echo "grade.sh: cannot configure the grader's build: see $build_dir/configure.log" >&2
        return 3
    fi
    if ! run_bg "$build_dir/build.log" cmake --build "$suite" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"; then
        echo "grade.sh: the grader itself does not build: see $build_dir/build.log" >&2
        return 3
    fi
    # A copy of the driver libraries for this grading: the next one's build
    # may replace them while this one links.
    mkdir -p "$work/graded" && cp "$suite"/graded/libgraded_*.a "$work/graded/" && chmod -R a+rX "$work/graded" || return 3
    exec {build_lock}>&-
}

# ---- the submission: compiled alone, in a sandbox, under limits ----
sub=$work/sub bins=$work/bin
mkdir -p "$sub/include" "$bins" && chmod 755 "$sub" "$sub/include"
chmod 777 "$bins"
for h in "${PUBLIC_HEADERS[@]}"; do cp "$src/common/$h" "$sub/include/"; done
cp "$file" "$sub/submission.c" && chmod 644 "$sub"/submission.c "$sub"/include/*

# As root the sandboxes run as throw-away users: they must reach $work.
if [ "$(id -u)" -eq 0 ] && ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$sub/submission.c"; then
    echo "grade.sh: $work is not reachable by other users (a parent folder is private): set TMPDIR to a folder like /tmp" >&2
    exit 3
fi

have_bwrap() {
    command -v bwrap >/dev/null &&
        bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev true 2>/dev/null
}
compile_uid() { [ "$(id -u)" -eq 0 ] && echo $((2000000 + RANDOM * 30 + RANDOM % 30)); }

# Flags of a FLAVOR: plain, asan or tsan.
flavor_flags() {
    case $1 in
    asan) echo "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" ;;
    tsan) echo "-fsanitize=thread" ;;
    esac
}

# Run the compiler on the submission: sandboxed, as a throw-away user,
# under the build's limits. run_compiler LOG CC-ARGS... (paths /sub, /graded
# and /out as the sandbox shows them). 0, or the compiler's status.
run_compiler() {
    local log=$1 uid cmd=()
    shift
    local cc_args=("$@")
    uid=$(compile_uid)
    [ -z "$uid" ] || cmd+=(setpriv --reuid="$uid" --regid="$uid" --clear-groups prlimit --nproc=64)
    cmd+=(prlimit --as=$((2 << 30)) --cpu=$COMPILE_LIMIT_S --fsize=$((64 << 20)) --)
    if [ "$sandboxed" -eq 1 ]; then
        cmd+=(bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL
            --ro-bind /usr /usr --ro-bind-try /etc/alternatives /etc/alternatives
            --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache
            --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin
            --proc /proc --dev /dev --tmpfs /tmp
            --ro-bind "$sub" /sub --ro-bind "$work/graded" /graded --bind "$bins" /out --chdir /sub
            "${cc_args[@]}")
    else # the same paths, through a symlink farm: no sandbox, so nothing is hidden
        mkdir -p "$work/root" && ln -sfn "$sub" "$work/root/sub" && ln -sfn "$work/graded" "$work/root/graded" &&
            ln -sfn "$bins" "$work/root/out"
        cc_args=("${cc_args[@]//\/sub\//$work/root/sub/}")
        cc_args=("${cc_args[@]//\/graded\//$work/root/graded/}")
        cc_args=("${cc_args[@]//\/out\//$work/root/out/}")
        cmd+=("${cc_args[@]}")
    fi
    (timeout -k 2 "$COMPILE_LIMIT_S" "${cmd[@]}" 2>&1 | head -c "$COMPILE_LOG_MAX" >"$log"
        exit "${PIPESTATUS[0]}") &
    child=$!
    wait "$child"
    local rc=$?
    child=""
    stop_if_interrupted $rc
    return $rc
}

# Compile and link FLAVOR, and keep its preprocessed text (/out/pre-FLAVOR.i,
# to compare the builds); 0, or 1 with $work/compile-FLAVOR.log saying why.
compile_flavor() {
    local f=$1 wraps="" w rc
    local -a flags
    read -r -a flags <<<"-O1 -g $(flavor_flags "$f")"
    for w in "${WRAPS[@]}"; do wraps+=",--wrap=$w"; done
    local common=(cc -std=gnu11 -D_GNU_SOURCE -Wall -fmax-errors=20 "${flags[@]}" -iquote /sub/include)
    run_compiler "$work/compile-$f.log" "${common[@]}" /sub/submission.c /graded/libgraded_$f.a \
        -lcurl -pthread -lm "-Wl${wraps}" -o "/out/crawl-$f"
    rc=$?
    [ $rc -eq 0 ] && run_compiler "$work/preprocess-$f.log" "${common[@]}" -E -P /sub/submission.c -o "/out/pre-$f.i"
    rc=$((rc ? rc : $?))
    case $rc in
    0) return 0 ;;
    124 | 137) echo "the compiler was stopped after ${COMPILE_LIMIT_S} s (the time limit for a build)" >>"$work/compile-$f.log" ;;
    *) grep -q -i -E "memory|Killed signal" "$work/compile-$f.log" &&
        echo "the compiler hit the build's memory limit ($COMPILE_MEM)" >>"$work/compile-$f.log" ;;
    esac
    return 1
}

# Is the program graded one program? The sanitizer builds must compile the
# same text as the plain one (no #ifdef __SANITIZE_THREAD__ that takes a
# lock only when watched), and no part of it may switch a sanitizer off.
# Prints what is wrong, or nothing.
same_program() {
    local f first=""
    for f in "${need[@]}"; do
        if [ -z "$first" ]; then
            first=$f
        elif ! cmp -s "$bins/pre-$first.i" "$bins/pre-$f.i"; then
            echo "compiles differently in the $f build than in the $first build (#if on __SANITIZE_ADDRESS__ or __SANITIZE_THREAD__?): the program graded must be the same in every build"
            return
        fi
    done
    if grep -q -E "no_sanitize|disable_sanitizer_instrumentation" "$bins/pre-$first.i"; then
        echo "switches a sanitizer off for part of the file (no_sanitize): a submission may not silence the tools that grade it"
    fi
}

# The compiler's complaints, about the student's file by name.
show_build_errors() { # LOG
    grep -a -q -E "submission\.c|undefined reference|multiple definition|ld returned|error:|fatal|stopped after|memory limit" "$1" ||
        tail -n 5 "$1" | clean_text | sed 's/^/    /'
    grep -a -E "submission\.c|undefined reference|multiple definition|ld returned|error:|fatal|stopped after|memory limit" "$1" |
        head -n 30 | clean_text | sed "s|/sub/submission\.c|$file|g; s|$work/root/sub/submission\.c|$file|g; s/^/    /"
}

# ---- grade ----
echo "grading $file as the $model model"
sandboxed=0
if have_bwrap; then
    sandboxed=1
elif [ "$sandbox" = require ]; then
    echo "grade.sh: --require-sandbox: bubblewrap is missing or cannot create namespaces here (apt-get install bubblewrap; in a container, allow user namespaces)" >&2
    exit 3
fi
need=()
for c in "${checks[@]}"; do
    f=$(flavor_of "$c")
    [[ " ${need[*]} " == *" $f "* ]] || need+=("$f")
done
build_trusted "${need[@]}" || exit 3

note="" compile_msgs=""
for f in "${need[@]}"; do
    if ! compile_flavor "$f"; then
        compile_msgs=$(show_build_errors "$work/compile-$f.log")
        note="does not compile or link: see the compiler's messages"
        break
    fi
done
[ -n "$note" ] || note=$(same_program)
# The plain build has no sanitizer in it: any of their symbols there is the
# file's own, e.g. __tsan_default_options returning "report_bugs=0", or
# __lsan_disable(): a program may not tune the tools that judge it.
if [ -z "$note" ] && [[ " ${need[*]} " == *" plain "* ]]; then
    tampering=$(timeout 20 nm "$bins/crawl-plain" 2>/dev/null | awk '{ print $NF }' |
        grep -E '^_*((a|l|t|ub|m|hwa)san|sanitizer)_' | sort -u | head -n 5 | paste -sd' ')
    [ -z "$tampering" ] ||
        note="defines or calls the sanitizers' own functions ($tampering): a submission may not configure or silence the tools that grade it"
fi

verdicts=$work/verdicts
: >"$verdicts"
if [ -z "$note" ]; then
    judge_args=(--model "$model" --server "$suite/bin/delay-server" --work "$work/judge" --sandbox "$sandbox")
    [ "$sandboxed" -eq 1 ] || judge_args+=(--sandbox off)
    [ $verbose -eq 1 ] && judge_args+=(--verbose)
    [ -z "$seed" ] || judge_args+=(--seed "$seed")
    for f in "${need[@]}"; do judge_args+=("--$f" "$bins/crawl-$f"); done
    mkdir -p "$work/judge" && chmod 755 "$work/judge"
    run_bg "$verdicts" "$suite/bin/grade-judge" "${judge_args[@]}" "${checks[@]}"
    jrc=$?
    if [ $jrc -ne 0 ]; then
        echo "grade.sh: the judge failed (status $jrc):" >&2
        clean_text <"$verdicts" | tail -n 5 >&2
        exit 3
    fi
fi

# The judge's verdict for CHECK: sets verdict, reason and context.
verdict_of() {
    local line
    line=$(grep -a -m1 "^CHECK $1 " "$verdicts")
    context=$(awk -v c="CHECK $1 " 'index($0, c) == 1 { on = 1; next } /^CHECK / { on = 0 }
                                    on && /^  \| / { print }' "$verdicts" | clean_text | head -n 40)
    if [ -n "$note" ]; then
        verdict=FAIL reason=$note context=""
    elif [ -n "$line" ]; then
        read -r _ _ verdict reason <<<"$line"
    else
        verdict=FAIL reason="the judge gave no verdict" context=""
    fi
}

sandbox_line=$(grep -a -m1 "^SANDBOX " "$verdicts" | cut -d' ' -f2-)
[ -n "$sandbox_line" ] || sandbox_line=$([ "$sandboxed" -eq 1 ] && echo "bubblewrap" || echo "NONE: bubblewrap is missing or cannot run here")
echo "sandbox: $sandbox_line"
seed_line=$(grep -a -m1 "^SEED " "$verdicts" | cut -d' ' -f2)
[ -z "$seed_line" ] || echo "seed: $seed_line (replay: --seed $seed_line)"
if [ -n "$compile_msgs" ]; then
    echo "  $file does not compile or link:"
    printf '%s\n' "$compile_msgs"
fi

tests_json=$work/tests.jsonl
: >"$tests_json"
total=0 max=0 hint=""
for k in "${!checks[@]}"; do
    c=${checks[$k]} p=${points[$k]} d=${descs[$k]}
    verdict_of "$c"
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
        [ -n "$context" ] && printf '%s\n' "$context" | sed 's/^/      /'
    fi
    [ "$verdict" = PASS ] && out="passed" || out="$reason${context:+
$context}"
    jq -n -c --arg name "$c: $d" --argjson score "$got" --argjson max "$p" --arg out "$out" \
        '{name: $name, score: $score, max_score: $max, output: $out, visibility: "visible"}' >>"$tests_json"
done
if [ $verbose -eq 1 ]; then
    grep -a "^JOB " "$verdicts" | clean_text | sed 's/^/  /'
elif [ "$total" -lt "$max" ] && [ -z "$note" ]; then
    echo "(run again with --verbose to see what the program printed in the failing jobs)"
fi
if [ -n "$json" ]; then
    summary="graded $file as the $model model; sandbox: $sandbox_line${compile_msgs:+
$file does not compile or link:
$compile_msgs}"
    jq -s --argjson score "$total" --argjson max "$max" --arg out "$summary" \
        '{score: $score, max_score: $max, output: $out, stdout_visibility: "visible", tests: .}' \
        "$tests_json" >"$json" || echo "grade.sh: cannot write $json" >&2
fi
echo "total: $total / $max"
[ $total -eq $max ] && exit 0
exit 1
