#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# grade.sh -- grade one student's model file. The file is compiled alone,
# against a copy of the public header only, in a sandbox under time,
# memory and output limits; its object may call only what its model needs
# (an allow-list per model, checked with nm); it is linked with the shared
# driver and run by the judge (tests/judge/) on irregular jobs, each in a
# sandbox of its own against a delay-server of the judge's. Verdicts come
# from the judge's own observations, never from what the submission
# prints. Prints the rubric of tests/rubric.conf; last line "total: X / Y".
# Exit 0 full marks, 1 points lost, 2 bad usage, 3 when the grader itself
# cannot work (not the student's fault), 130 interrupted (143 terminated,
# 129 hung up).
#
# Nothing the submission chooses (its file and folder names, its text, what
# it prints, its rows, compiler messages quoting it) is ever program text
# here (no sed or awk program, format string or eval is built from it), and
# all of it is shown with its control bytes removed or quoted; results.json
# is built by jq from --arg strings.
set -uo pipefail
umask 022 # nothing the grader makes is writable by others (see --build-dir)

usage="usage: tests/grade.sh [--json FILE] [--build-dir DIR] [--only CHECK,...] [--seed N] [--verbose] [--lanes N] [--require-sandbox] MODEL FILE.c|DIR"
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rubric=${GRADE_RUBRIC:-$src/tests/rubric.conf} # every model's, the frontier variants' too
export LC_ALL=C # ASCII quotes in compiler messages; byte-wise patterns

# The graded models and what each runs on: models.conf (its rows whose run
# is default, extra or frontier; "means" says which rules below apply).
MODELS=""
declare -A MODEL_MEANS=() MODEL_FRONTIER=()
# The headers a model file may include: the contract only.
PUBLIC_HEADERS=(crawl.h)
# What the judge knows (grade-judge --list, read by read_registry once it
# is built): each check's builds, each build's compiler flags, the calls
# its hooks count or route (tests/judge/hooks.c). Nothing of it is listed
# here.
declare -A CHECK_FLAVORS=() FLAVOR_FLAGS=()
declare -A verdict_line=() verdict_context=() # load_verdicts: by check
WRAPS=()
COMPILE_LIMIT_S=60 COMPILE_MEM_MB=2048 COMPILE_FILE_MB=64 COMPILE_LOG_MAX=65536
SOURCE_MAX=$((1 << 20)) # a model file is a few kilobytes
# Not root: the judge's whole process tree under one cap (see limit_judge).
JUDGE_TASKS_MAX=512 JUDGE_MEMORY_MAX=4G
BUILD_STAMP=.grade-build # marks a --build-dir as the grader's own

# ---- what a model's file may call: the external symbols of its object ----
# Sets of names; a trailing * stands for any rest of the name. __NAME_chk
# (a fortified build's twin of NAME) is allowed where NAME is.
declare -A SYMBOL_SET=(
    [contract]="fetch_init fetch_cleanup fetch_start fetch_finish fetch_retry clock_now job_url
        body_names_id result_fail result_ok backoff_s cpu_work results_new
        fetch_page fetch_start_page fetch_links page_set_add result_queued page_links
        body_names_list page_url"
    [blocking]="fetch_one fetch_perform curl_easy_perform"
    [easy]="curl_easy_init curl_easy_cleanup curl_easy_setopt curl_easy_getinfo curl_easy_reset
        curl_easy_strerror curl_easy_duphandle"
    [libc]="malloc calloc realloc reallocarray free aligned_alloc posix_memalign
        memset memcpy memmove memcmp memchr strlen strnlen strcmp strncmp strcasecmp strncasecmp
        strcpy strncpy stpcpy strcat strncat strchr strrchr strstr strspn strcspn strpbrk strtok_r
        strdup strndup strerror strerror_r atoi atol atoll strtol strtoul strtoll strtoull strtod
        strtof abs labs llabs qsort bsearch rand rand_r srand random srandom abort exit
        printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf puts fputs fputc putc
        _IO_putc putchar fwrite fflush perror sscanf __isoc99_sscanf __isoc23_sscanf stdout stderr
        __errno_location clock_gettime clock time gettimeofday sched_yield
        __ctype_b_loc __ctype_tolower_loc __ctype_toupper_loc tolower toupper
        sqrt floor ceil fabs pow log exp fmin fmax round lround __stack_chk_fail __assert_fail"
    [sleep]="nanosleep usleep sleep clock_nanosleep"
    [threads]="pthread_create pthread_join pthread_detach pthread_self pthread_equal pthread_exit
        pthread_once pthread_attr_* pthread_mutex_* pthread_mutexattr_* pthread_cond_*
        pthread_condattr_* pthread_barrier_* pthread_barrierattr_* pthread_rwlock_* pthread_spin_*
        sem_init sem_destroy sem_wait sem_trywait sem_timedwait sem_post sem_getvalue"
    [processes]="fork waitpid wait waitid _exit getpid getppid kill"
    [pipes]="pipe pipe2 read write pread pwrite readv writev close poll fcntl
        socketpair send recv sendmsg recvmsg shutdown"
    [shared]="mmap munmap sysconf getpagesize memfd_create ftruncate shm_open shm_unlink
        pthread_mutex_* pthread_mutexattr_* sem_*"
    [multi]="curl_multi_*"
    [events]="epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait poll ppoll close"
)
# The sets a model may call from, by its means (models.conf). An event loop
# may call the blocking fetch: that mistake (the seeds' trap) is for the
# judge to see (parallel, unlimited), not a reason to lose every point. It
# never sleeps: it waits in curl_multi_poll (or poll) with a timeout, so a
# retry's backoff or a poll's pause cannot hold up every other transfer.
declare -A MEANS_SETS=(
    [none]="contract blocking easy libc sleep"
    [threads]="contract blocking easy libc sleep threads pipes"
    [forks]="contract blocking easy libc sleep processes pipes shared"
    [loop]="contract blocking easy libc multi events"
    [forks+loop]="contract blocking easy libc multi events processes pipes shared"
)
# What a model of these means must call to run on its own means: MEANS,
# names (one of them is enough), and the reason when none is there.
# Missing: the parallel check's points are lost (every point, if the rubric
# has no parallel for it). Waiting for the workers is judged by what the
# judge sees (threads_joined, children_reaped), not required here.
REQUIRED=(
    "threads     pthread_create  no pthread_create: a thread pool starts its own threads"
    "forks       fork            no fork: a multiprocess pool starts its own worker processes"
    "loop        curl_multi_add_handle  no curl_multi_add_handle: an event loop hands its transfers to one multi handle"
    "loop        curl_multi_poll,curl_multi_wait,curl_multi_socket_action  no curl_multi_poll, curl_multi_wait or curl_multi_socket_action: the loop waits on all its transfers at once"
    "forks+loop  fork            no fork: a hybrid starts P worker processes, each with its own event loop"
    "forks+loop  curl_multi_add_handle  no curl_multi_add_handle: each hybrid process runs an event loop of its own"
)
# Words a model file's own lines may not hold (after its strings are cut).
FORBIDDEN_WORDS="asm __asm __asm__ syscall dlopen dlmopen dlsym dlvsym"

help() {
    cat <<EOF
$usage
       tests/grade.sh --handout MODEL DIR      write a student starter repository
       tests/grade.sh --gradescope MODEL DIR [--require-sandbox]
                                               write a Gradescope autograder bundle

Grade a student's version of one model ($MODELS) and print a rubric: each
check, its points, PASS or FAIL with one line on what to fix, and last
"total: X / Y". FILE.c is the student's model file; a DIR is a student's
copy of the repository, graded by its MODEL/MODEL.c.

  --json FILE        also write Gradescope's results.json to FILE
  --build-dir DIR    keep the grader's build in DIR (later runs build only FILE.c);
                     DIR must be new, empty or the grader's own, yours, and
                     writable by nobody else (else exit 2)
  --only CHECK,...   run only these checks
  --seed N           draw the jobs' shapes from seed N (printed as "seed: N"
                     by every grading, so one can be replayed exactly)
  --verbose          show what the program printed in a failing job, and the
                     judge's measurements of every job
  --lanes N          run up to N jobs at once, each with its own server and
                     sandbox (1-4; default: 2 on two or more cores, else 1)
  --require-sandbox  fail (exit 3) instead of grading without bubblewrap
  -h, --help         show this help and exit
  -V, --version      show the version and exit

A model's file may call only what its model needs (the allow-list in this
script; a rubric line "MODEL allow NAME,NAME" adds names): any other
external symbol (an event loop's sleep too: it waits in curl_multi_poll),
inline assembly, syscall/dlopen/dlsym, or a constructor loses every point. It must call its model's own means of concurrency
(threadpool: pthread_create and pthread_join; multiprocess: fork and a
wait; async: curl_multi_add_handle and curl_multi_poll, _wait or
_socket_action; hybrid: fork and curl_multi_add_handle), or lose the
parallel check.

Limits: as root, every job runs as a throw-away uid with its own process
limit. Not as root, the judge runs in a systemd user scope (TasksMax
$JUDGE_TASKS_MAX, MemoryMax $JUDGE_MEMORY_MAX) where one is available; else
under RLIMIT_NPROC set to your processes now + $JUDGE_TASKS_MAX (the kernel
counts every process of your account against it, so a busy account leaves
the judge less room) and no cap on the total memory; the last line before
the rubric says which.

Points: tests/rubric.conf (every model's, the frontier variants' too), or
the file named by GRADE_RUBRIC.
Exit status: 0 full marks, 1 points lost, 2 bad usage, 3 the grader itself
could not work, 130 interrupted (143 terminated, 129 hung up).
EOF
}

die_usage() {
    echo "grade.sh: $1 ($usage)" >&2
    exit 2
}

# One line on stderr, exit 2 (a refusal, not a usage error).
refuse() {
    echo "grade.sh: $1" >&2
    exit 2
}

version() { sed -n 's/^project(.* VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt"; }

# ---- text the submission chose, made safe to show ----
# Many lines (compiler messages, verdicts): no escape sequence, no control
# byte (tab and newline stay), no C1 control in UTF-8 (a CSI of its own).
clean_text() { tr -d '\000-\010\013-\037\177' | sed 's/\xc2[\x80-\x9f]//g'; }

# One name (a file or folder): as it is, or shell-quoted ($'...') when it
# holds a control byte, a newline or a C1 control.
shown() { # NAME
    if [[ $1 == *[[:cntrl:]]* || $1 == *$'\xc2'[$'\x80'-$'\x9f']* ]]; then
        printf '%q' "$1"
    else
        printf '%s' "$1"
    fi
}

# The models.conf rows: MODELS (graded ones), MODEL_MEANS and
# MODEL_FRONTIER (1: a frontier variant, whose schedule the judge is told
# with its means, --means MEANS+frontier: it runs the frontier jobs).
read_models() {
    local conf=$src/models.conf name run means rest schedule
    [[ -r $conf ]] || { echo "grade.sh: cannot read $conf" >&2; exit 3; }
    while read -r name _ _ _ _ schedule run means rest; do
        [[ -z $name || $name == \#* ]] && continue
        if [[ -z ${means:-} || -n ${rest:-} || -z ${MEANS_SETS[$means]+set} ]]; then
            echo "grade.sh: $conf: the row of \"$(shown "$name")\" needs 8 columns, its means one of ${!MEANS_SETS[*]}" >&2
            exit 3
        fi
        [[ $run == default || $run == extra || $run == frontier ]] || continue # lessons: not graded
        MODELS+="${MODELS:+ }$name" MODEL_MEANS[$name]=$means
        MODEL_FRONTIER[$name]=0
        [[ $schedule == frontier ]] && MODEL_FRONTIER[$name]=1
    done <"$conf"
}

# ---- command line ----
parse_args() {
    json="" build_dir="" only="" verbose=0 sandbox=auto seed="" lanes=""
    while [[ $# -gt 0 ]]; do
        case $1 in
        --json) [[ $# -ge 2 ]] || die_usage "--json needs a file name"; json=$2; shift 2 ;;
        --build-dir) [[ $# -ge 2 ]] || die_usage "--build-dir needs a directory"; build_dir=$2; shift 2 ;;
        --only) [[ $# -ge 2 ]] || die_usage "--only needs a list of checks"; only=$2; shift 2 ;;
        --seed) [[ ${2:-} =~ ^[0-9]{1,18}$ ]] || die_usage "--seed needs a whole number"; seed=$2; shift 2 ;;
        --verbose) verbose=1; shift ;;
        --lanes) [[ ${2:-} =~ ^[1-4]$ ]] || die_usage "--lanes is 1, 2, 3 or 4"; lanes=$2; shift 2 ;;
        --require-sandbox) sandbox=require; shift ;;
        --handout | --gradescope)
            [[ $# -eq 3 || ($1 == --gradescope && $# -eq 4 && $4 == --require-sandbox) ]] ||
                die_usage "$1 takes MODEL and DIR"
            local extra=()
            [[ $sandbox == require && $1 == --gradescope && $# -eq 3 ]] && extra=(--require-sandbox)
            exec "$src/tests/handout.sh" "$@" "${extra[@]}" ;;
        -h | --help) help; exit 0 ;;
        -V | --version) echo "grade.sh $(version)"; exit 0 ;;
        -*) die_usage "unknown option $(shown "$1")" ;;
        *) break ;;
        esac
    done
    [[ $# -eq 2 ]] || die_usage "expected MODEL and FILE.c, got $# arguments"
    model=$1 file=$2
    [[ " $MODELS " == *" $model "* ]] || die_usage "unknown model \"$(shown "$model")\": one of $MODELS"
    # A student's folder: its MODEL/MODEL.c, reached through no link of
    # the student's (as root, a link could show another file's lines).
    if [[ -d $file ]]; then
        [[ ! -L $file/$model ]] || die_usage "$(shown "$file/$model") is a symbolic link"
        file=$file/$model/$model.c
    fi
    [[ ! -L $file ]] || die_usage "$(shown "$file") is a symbolic link: give the file itself"
    [[ -f $file && -r $file ]] || die_usage "cannot read $(shown "$file")"
    [[ -r $rubric ]] || die_usage "cannot read the rubric $(shown "$rubric")"
    shown_file=$(shown "$file")
}

# The model whose check lines apply: its own, or, for a model the rubric
# does not name yet (a new row in models.conf), those of the first model
# with the same means that it names.
rubric_model() {
    local m named
    named=$(awk '!/^[ \t]*(#|$)/ && $2 != "allow" { print $1 }' "$rubric" | sort -u)
    if grep -qxF -- "$model" <<<"$named"; then
        echo "$model"
        return
    fi
    for m in $MODELS; do
        if [[ ${MODEL_MEANS[$m]} == "${MODEL_MEANS[$model]}" && ${MODEL_FRONTIER[$m]} == "${MODEL_FRONTIER[$model]}" ]] &&
            grep -qxF -- "$m" <<<"$named"; then
            echo "$m"
            return
        fi
    done
    echo "$model"
}

# ---- the rubric: the model's lines, in order; its allow lines ----
read_rubric() {
    checks=() points=() descs=() extra_allow=() rubric_parallel=0 rubric_checks=()
    local lineno=0 line m c p d rubric_of
    rubric_of=$(rubric_model)
    [[ $rubric_of == "$model" ]] ||
        echo "grade.sh: $rubric names no checks for $model: grading with those of $rubric_of (the same means)" >&2
    local -a names
    while IFS= read -r line || [[ -n $line ]]; do
        lineno=$((lineno + 1))
        read -r m c p d <<<"$line"
        [[ -z ${m:-} || ${m:0:1} == "#" ]] && continue
        [[ " $MODELS " == *" $m "* ]] ||
            die_usage "$rubric:$lineno: unknown model \"$(shown "$m")\": one of $MODELS"
        if [[ ${c:-} == allow ]]; then
            [[ ${p:-} =~ ^[A-Za-z_][A-Za-z0-9_]*\*?(,[A-Za-z_][A-Za-z0-9_]*\*?)*$ && -z ${d:-} ]] ||
                die_usage "$rubric:$lineno: an allow line is \"MODEL allow NAME,NAME,...\" (C names, a trailing * for a prefix), not \"$(shown "$line")\""
            if [[ $m == "$model" ]]; then
                IFS=, read -r -a names <<<"$p"
                extra_allow+=("${names[@]}")
            fi
            continue
        fi
        [[ ${c:-} =~ ^[a-z_]+$ ]] || die_usage "$rubric:$lineno: unknown check \"$(shown "${c:-}")\""
        rubric_checks+=("$lineno $c") # known to the judge? (check_rubric, once it is built)
        [[ ${p:-} =~ ^[0-9]{1,4}$ ]] || die_usage "$rubric:$lineno: points must be a whole number 0..9999, not \"$(shown "${p:-}")\""
        [[ $m == "$rubric_of" ]] || continue
        [[ $c == parallel ]] && rubric_parallel=1
        if [[ -n $only && ",$only," != *",$c,"* ]]; then continue; fi
        checks+=("$c") points+=("$((10#$p))") descs+=("${d:-}")
    done <"$rubric"
    if [[ -n $only ]]; then
        local k
        for k in ${only//,/ }; do
            [[ " ${checks[*]} " == *" $k "* ]] || die_usage "--only: \"$(shown "$k")\" is not a $model check in $rubric"
        done
    fi
    [[ ${#checks[@]} -gt 0 ]] || die_usage "$rubric has no checks for $model"
}

# ---- --build-dir: the grader runs what it builds there (as root, too) ----
# Refused, one line, exit 2: a folder someone else owns or can write (they
# could swap the judge), under a parent they can rename; one that holds
# files the grader did not make (a typo for the home folder, say). An
# empty folder, or a new one, becomes the grader's own (BUILD_STAMP).
mode_of() { stat -c '%u %a' -- "$1"; } # UID OCTAL-MODE

check_build_dir() {
    local given=$1 dir me uid mode up entry odd
    me=$(id -u)
    if [[ ! -e $given ]]; then
        mkdir -p -- "$given" || refuse "--build-dir $(shown "$given"): cannot create it"
        chmod 755 -- "$given" || refuse "--build-dir $(shown "$given"): cannot set its mode"
    fi
    [[ -d $given ]] || refuse "--build-dir $(shown "$given") is not a folder"
    dir=$(cd -P -- "$given" && pwd -P) || refuse "--build-dir $(shown "$given"): cannot enter it"
    read -r uid mode < <(mode_of "$dir")
    [[ $uid == "$me" ]] || refuse "--build-dir $(shown "$dir") belongs to uid $uid, not to you (uid $me): the grader runs what it builds there; use a folder of your own"
    ((8#$mode & 8#022)) && refuse "--build-dir $(shown "$dir") can be written by others (mode $mode): the grader runs what it builds there; chmod go-w it or use a new folder"
    up=$dir
    while [[ $up != / ]]; do
        up=$(dirname -- "$up")
        read -r uid mode < <(mode_of "$up")
        if [[ $uid != 0 && $uid != "$me" ]]; then
            refuse "--build-dir $(shown "$dir"): its parent $(shown "$up") belongs to uid $uid, who could swap the folder: use a folder under one of yours"
        elif ((8#$mode & 8#022)) && ! ((8#$mode & 8#1000)); then
            refuse "--build-dir $(shown "$dir"): its parent $(shown "$up") can be written by others (mode $mode), who could swap the folder: use a folder under one of yours"
        fi
    done
    if [[ ! -e $dir/$BUILD_STAMP ]]; then
        # Only what the grader itself writes there (a build made before the stamp).
        for entry in "$dir"/* "$dir"/.[!.]* "$dir"/..?*; do
            [[ -e $entry || -L $entry ]] || continue
            case ${entry##*/} in
            suite | configure.log | build.log | .build.lock | "$BUILD_STAMP") ;;
            *) refuse "--build-dir $(shown "$dir") holds $(shown "${entry##*/}"), which the grader did not make: name a new or empty folder" ;;
            esac
        done
        echo "a build folder of tests/grade.sh" >"$dir/$BUILD_STAMP" || refuse "--build-dir $(shown "$dir"): cannot write in it"
    fi
    # Under the build lock, shared: a grading building in the folder (cmake
    # makes and removes files as it goes) never shows the scan a half-made
    # or vanishing entry. The folder itself is ours and closed to others, so
    # the lock file cannot be someone's link.
    odd=$(flock -s "$dir/.build.lock" find "$dir" -xdev \( ! -uid "$me" -o \( -perm /022 ! -type l \) \) -print -quit 2>/dev/null)
    [[ -z $odd ]] || refuse "--build-dir $(shown "$dir") holds $(shown "$odd"), which others can write or which is not yours: remove the folder and let the grader make it again"
    build_dir=$dir
}

# ---- a private work folder; Ctrl-C or kill stops everything at once ----
child=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    [[ -z $child ]] || kill -TERM "$child" 2>/dev/null
    [[ -z $child ]] || wait "$child" 2>/dev/null
    [[ -z ${work:-} ]] || rm -rf "$work"
}

make_work() {
    work=$(mktemp -d "${TMPDIR:-/tmp}/grade.XXXXXX") || exit 3
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    chmod 755 "$work" # the throw-away users reach sub/, graded/ and bin/ in it
    if [[ -n $build_dir ]]; then
        check_build_dir "$build_dir"
    else
        build_dir=$work/build
        mkdir -p "$build_dir" || exit 3
    fi
    suite=$build_dir/suite
}

# Run a command in the background and wait for it, so a signal is handled
# at once (bash runs a trap only between commands, never during one).
run_bg() { # OUT COMMAND...
    local out=$1 rc
    shift
    "$@" >"$out" 2>&1 </dev/null &
    child=$!
    wait "$child"
    rc=$?
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

# ---- the grader's own parts: judge, server, the driver per flavour ----
# Graders sharing a --build-dir take turns (build_lock, from build_judge to
# the end of build_graded): two cmake runs in one folder at once break
# each other's build.
build_lock=""

build_judge() {
    if [[ ! -d $src/tests/judge ]]; then
        echo "grade.sh: this copy of the suite has no tests/judge/ (a handout leaves it out when its code shows the model's mechanism): your teacher grades with the full suite" >&2
        return 3
    fi
    exec {build_lock}>"$build_dir/.build.lock" || return 3
    flock "$build_lock" || { stop_if_interrupted $?; return 3; }
    local home
    home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$suite/CMakeCache.txt" 2>/dev/null)
    if [[ -n $home && $home != "$src" ]]; then
        echo "grade.sh: $(shown "$build_dir") holds a build of another copy of the suite ($(shown "$home")): give a new --build-dir" >&2
        return 2
    fi
    if [[ ! -f $suite/CMakeCache.txt ]] &&
        ! run_bg "$build_dir/configure.log" cmake -S "$src" -B "$suite" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
        echo "grade.sh: cannot configure the grader's build: see $(shown "$build_dir")/configure.log" >&2
        return 3
    fi
    # Everything in one go, the usual case (each cmake call costs a
    # fraction of a second even with nothing to do); a part that fails is
    # built again alone below, to say which.
    built_all=0
    if run_bg "$build_dir/build.log" cmake --build "$suite" -j "$(nproc 2>/dev/null || echo 2)" \
        --target grade-judge delay-server graded_plain graded_asan graded_tsan "graded-ref-$model"; then
        built_all=1
    elif ! run_bg "$build_dir/build.log" cmake --build "$suite" -j "$(nproc 2>/dev/null || echo 2)" --target grade-judge delay-server; then
        echo "grade.sh: the grader itself does not build: see $(shown "$build_dir")/build.log" >&2
        return 3
    fi
}

# What the judge knows: CHECK_FLAVORS[check] (its builds, "asan" or
# "plain,asan"), FLAVOR_FLAGS[build] (the compiler's flags) and WRAPS.
read_registry() {
    local kind name rest
    while read -r kind name rest; do
        case $kind in
        CHECK) CHECK_FLAVORS[$name]=$rest ;;
        FLAVOR) FLAVOR_FLAGS[$name]=$rest ;;
        WRAPS) read -r -a WRAPS <<<"$name $rest" ;;
        esac
    done < <("$suite/bin/grade-judge" --list)
    if [[ ${#CHECK_FLAVORS[@]} -eq 0 || ${#WRAPS[@]} -eq 0 || -z ${FLAVOR_FLAGS[plain]+set} ]]; then
        echo "grade.sh: the judge did not list its checks (grade-judge --list)" >&2
        return 3
    fi
}

# Every check the rubric names is one the judge has.
check_rubric() {
    local entry lineno c
    for entry in "${rubric_checks[@]}"; do
        read -r lineno c <<<"$entry"
        [[ -n ${CHECK_FLAVORS[$c]+set} ]] || die_usage "$rubric:$lineno: unknown check \"$(shown "$c")\""
    done
}

# The driver's library of each build FLAVOR..., and the suite's own model
# built as a submission is; then the lock goes.
build_graded() {
    local targets=() f
    for f in "$@"; do targets+=("graded_$f"); done
    if [[ $built_all -eq 0 ]] && ! run_bg "$build_dir/build.log" cmake --build "$suite" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}"; then
        echo "grade.sh: the grader itself does not build: see $(shown "$build_dir")/build.log" >&2
        return 3
    fi
    # A copy of the driver libraries for this grading: the next one's build
    # may replace them while this one links.
    mkdir -p "$work/graded" && cp "$suite"/graded/libgraded_*.a "$work/graded/" && chmod -R a+rX "$work/graded" || return 3
    # The suite's own model built as a submission is: the yardstick of the
    # judge's cpu check. Optional: without it the judge uses a fixed budget.
    if [[ $built_all -eq 1 ]] || run_bg "$build_dir/build-ref.log" cmake --build "$suite" --target "graded-ref-$model"; then
        cp "$suite/bin/graded-ref-$model" "$work/graded/ref" && chmod a+rx "$work/graded/ref"
    fi
    exec {build_lock}>&-
}

# ---- the submission: compiled alone, in a sandbox, under limits ----
have_bwrap() {
    command -v bwrap >/dev/null &&
        bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev true 2>/dev/null
}

# The compiler's folders: sub/ (read-only: the file and the header) and
# cc/, the only one it writes, its own (as root: the throw-away uid's,
# mode 700). What it made is copied from cc/ into bin/, the grader's (755).
prepare_submission() {
    sub=$work/sub cc_out=$work/cc bins=$work/bin cc_uid=""
    mkdir -p "$sub/include" "$bins" && chmod 755 "$sub" "$sub/include" "$bins" || exit 3
    local h
    for h in "${PUBLIC_HEADERS[@]}"; do cp "$src/common/$h" "$sub/include/" || exit 3; done
    head -c $((SOURCE_MAX + 1)) -- "$file" >"$sub/submission.c" || die_usage "cannot read $shown_file"
    chmod 644 "$sub"/submission.c "$sub"/include/*
    if [[ $(id -u) -eq 0 ]]; then
        cc_uid=$((2000000 + RANDOM * 30 + RANDOM % 30))
        install -d -m 700 -o "$cc_uid" -g "$cc_uid" "$cc_out" || exit 3
        # As root the sandboxes run as throw-away users: they must reach $work.
        if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -r "$sub/submission.c"; then
            echo "grade.sh: $(shown "$work") is not reachable by other users (a parent folder is private): set TMPDIR to a folder like /tmp" >&2
            exit 3
        fi
    else
        mkdir -m 700 "$cc_out" || exit 3
    fi
}

# Run the compiler on the submission: sandboxed, as the throw-away user,
# under the build's limits. run_compiler LOG CC-ARGS... (paths /sub,
# /graded and /out as the sandbox shows them); its messages are added to
# LOG. 0, or the compiler's status.
run_compiler() {
    local log=$1 cmd=() rc
    shift
    local cc_args=("$@")
    [[ -z $cc_uid ]] || cmd+=(setpriv --reuid="$cc_uid" --regid="$cc_uid" --clear-groups prlimit --nproc=64)
    cmd+=(prlimit --as=$((COMPILE_MEM_MB << 20)) --cpu="$COMPILE_LIMIT_S" --fsize=$((COMPILE_FILE_MB << 20)) --)
    if [[ $sandboxed -eq 1 ]]; then
        cmd+=(bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL
            --ro-bind /usr /usr --ro-bind-try /etc/alternatives /etc/alternatives
            --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache
            --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin
            --proc /proc --dev /dev --tmpfs /tmp
            --ro-bind "$sub" /sub --ro-bind "$work/graded" /graded --bind "$cc_out" /out --chdir /sub
            "${cc_args[@]}")
    else # the same paths, through a symlink farm: no sandbox, so nothing is hidden
        mkdir -p "$work/root" && ln -sfn "$sub" "$work/root/sub" && ln -sfn "$work/graded" "$work/root/graded" &&
            ln -sfn "$cc_out" "$work/root/out"
        cc_args=("${cc_args[@]//\/sub\//"$work"/root/sub/}")
        cc_args=("${cc_args[@]//\/graded\//"$work"/root/graded/}")
        cc_args=("${cc_args[@]//\/out\//"$work"/root/out/}")
        cmd+=("${cc_args[@]}")
    fi
    (timeout -k 2 "$COMPILE_LIMIT_S" "${cmd[@]}" 2>&1 | head -c "$COMPILE_LOG_MAX" >>"$log"
        exit "${PIPESTATUS[0]}") &
    child=$!
    wait "$child"
    rc=$?
    child=""
    stop_if_interrupted $rc
    return $rc
}

# Take NAME that the compiler made in cc/ into bin/: a plain file only
# (never a link the compiler's user could have left), copied by the grader.
take_output() { # NAME
    [[ -f $cc_out/$1 && ! -L $cc_out/$1 ]] && cp -- "$cc_out/$1" "$bins/$1" && chmod go-w,a+r "$bins/$1"
}

# The compiler and its flags for FLAVOR, as words.
cc_flags() { # FLAVOR
    echo "cc -std=gnu11 -D_GNU_SOURCE -Wall -fmax-errors=20 -O1 -g ${FLAVOR_FLAGS[$1]} -iquote /sub/include"
}

# Compile and link FLAVOR, and keep its preprocessed text (bin/pre-FLAVOR.i,
# to compare the builds); the plain object also keeps its preprocessed text
# with line markers and its assembly (bin/sub-plain.i, .s) for the checks on
# what it calls. 0, or 1 with $work/compile-FLAVOR.log saying why.
compile_flavor() {
    local f=$1 wraps="" w rc log=$work/compile-$1.log
    local -a common temps=()
    read -r -a common <<<"$(cc_flags "$f")"
    for w in "${WRAPS[@]}"; do wraps+=",--wrap=$w"; done
    [[ $f == plain ]] && temps=(-save-temps=obj)
    : >"$log"
    run_compiler "$log" "${common[@]}" "${temps[@]}" -c /sub/submission.c -o "/out/sub-$f.o"
    rc=$?
    ((rc)) || take_output "sub-$f.o" || rc=1
    ((rc)) || [[ $f != plain ]] || { take_output sub-plain.i && take_output sub-plain.s; } || rc=1
    if ((rc == 0)); then
        run_compiler "$log" "${common[@]}" "/out/sub-$f.o" "/graded/libgraded_$f.a" \
            -lcurl -pthread -lm "-Wl${wraps}" -o "/out/crawl-$f"
        rc=$?
    fi
    ((rc)) || take_output "crawl-$f" || rc=1
    if ((rc == 0)); then
        run_compiler "$work/preprocess-$f.log" "${common[@]}" -E -P /sub/submission.c -o "/out/pre-$f.i"
        rc=$?
    fi
    ((rc)) || take_output "pre-$f.i" || rc=1
    case $rc in
    0) return 0 ;;
    124 | 137) echo "the compiler was stopped after ${COMPILE_LIMIT_S} s (the time limit for a build)" >>"$log" ;;
    *) grep -a -q -i -E "memory|Killed signal" "$log" &&
        echo "the compiler hit the build's memory limit ($COMPILE_MEM_MB MB)" >>"$log" ;;
    esac
    return 1
}

# The plain object alone, for the checks on what the file calls, when the
# checks run need no plain build.
compile_symbols_only() {
    local -a common
    read -r -a common <<<"$(cc_flags plain)"
    : >"$work/compile-plain.log"
    run_compiler "$work/compile-plain.log" "${common[@]}" -save-temps=obj -c /sub/submission.c -o /out/sub-plain.o &&
        take_output sub-plain.o && take_output sub-plain.i && take_output sub-plain.s
}

# Is the program graded one program? The sanitizer builds must compile the
# same text as the plain one (no #ifdef __SANITIZE_THREAD__ that takes a
# lock only when watched), and no part of it may switch a sanitizer off.
# Prints what is wrong, or nothing.
same_program() {
    local f first=""
    for f in "${need[@]}"; do
        if [[ -z $first ]]; then
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

# ---- what the file calls: its object against its model's allow-list ----
# The names the graded model may call, one a line (patterns may end in *).
allowed_names() {
    local set
    local -a sets names
    read -r -a sets <<<"${MEANS_SETS[${MODEL_MEANS[$model]}]}"
    for set in "${sets[@]}"; do
        read -r -d '' -a names <<<"${SYMBOL_SET[$set]}"
        printf '%s\n' "${names[@]}"
    done
    [[ ${#extra_allow[@]} -eq 0 ]] || printf '%s\n' "${extra_allow[@]}"
}

is_allowed() { # NAME
    local name=$1 p
    [[ $name =~ ^__(.+)_chk$ ]] && name=${BASH_REMATCH[1]}
    for p in "${allow[@]}"; do
        # shellcheck disable=SC2053 # the allow-list's names are patterns (NAME*)
        [[ $name == $p ]] && return 0
    done
    return 1
}

# The lines of the preprocessed text that come from the file itself (line
# markers say which file a line is from; a #line that renames the file's
# own lines after it has begun is reported as the word "#line").
own_lines() { # PREPROCESSED SOURCE-NAME
    SRC_NAME=$2 awk '
        /^# [0-9]+ "/ {
            name = substr($0, index($0, "\"") + 1)
            flags = name
            sub(/"[^"]*$/, "", name)
            sub(/^.*"/, "", flags)
            if (begun && flags == "" && name != cur) { print "#line"; exit }
            if (flags == "" && name == ENVIRON["SRC_NAME"] && cur ~ /^</) begun = 1
            cur = name
            next
        }
        cur == ENVIRON["SRC_NAME"] { print }' "$1"
}

# The first forbidden word in the file's own lines (strings and character
# constants cut first), or nothing.
forbidden_word() { # PREPROCESSED SOURCE-NAME
    own_lines "$1" "$2" | WORDS=$FORBIDDEN_WORDS awk '
        BEGIN { n = split(ENVIRON["WORDS"], w, " ") }
        $0 == "#line" { print "#line"; exit }
        {
            gsub(/"([^"\\]|\\.)*"/, "\"\"")
            gsub(/\047([^\047\\]|\\.)*\047/, "0")
            line = " " $0 " "
            for (k = 1; k <= n; k++)
                if (match(line, "[^A-Za-z0-9_]" w[k] "[^A-Za-z0-9_]")) { print w[k]; exit }
        }'
}

# Every point lost (prints the reason), or nothing: the file's external
# symbols must be on its model's list; no sanitizer's or hook's names of
# its own, no inline assembly, no constructor, no forbidden word.
symbol_rules() {
    local obj=$bins/sub-plain.o name bad=() word where
    local -a used defined
    mapfile -t allow < <(allowed_names)
    mapfile -t used < <(timeout 20 nm -u -P "$obj" 2>/dev/null | awk '{ print $1 }' | sort -u)
    mapfile -t defined < <(timeout 20 nm -g --defined-only -P "$obj" 2>/dev/null | awk '{ print $1 }' | sort -u)
    # The plain build has no sanitizer in it: any of their names is the
    # file's own, e.g. __tsan_default_options returning "report_bugs=0", or
    # __lsan_disable(): a program may not tune the tools that judge it.
    bad=()
    for name in "${used[@]}" "${defined[@]}"; do
        [[ $name =~ ^_*((a|l|t|ub|m|hwa)san|sanitizer)_ ]] && bad+=("$name")
    done
    if [[ ${#bad[@]} -gt 0 ]]; then
        echo "defines or calls the sanitizers' own functions (${bad[*]:0:5}): a submission may not configure or silence the tools that grade it"
        return
    fi
    for name in "${defined[@]}"; do
        if [[ $name == __wrap_* || $name == __real_* || $name == judged_* ||
            " ${WRAPS[*]} fork waitpid wait curl_multi_poll curl_multi_wait " == *" $name "* ]]; then
            echo "defines $name itself: a submission may not replace the functions the grader counts or routes"
            return
        fi
    done
    for name in "${used[@]}"; do
        is_allowed "$name" || bad+=("$name")
    done
    if [[ ${#bad[@]} -gt 0 ]]; then
        local list
        list=$(printf '%s, ' "${bad[@]:0:5}")
        list=${list%, }
        [[ ${#bad[@]} -le 5 ]] || list+=" and $((${#bad[@]} - 5)) more"
        local why="not one the $model model needs"
        [[ " ${SYMBOL_SET[sleep]} " == *" ${bad[0]} "* ]] &&
            why="an event loop never sleeps: every other transfer would wait too; wait in curl_multi_poll with a timeout (a retry's backoff: until retry_at)"
        echo "calls $list: $why (the rubric line \"$model allow NAME\" allows one)"
        return
    fi
    if grep -q '^#APP' "$bins/sub-plain.s"; then
        echo "holds inline assembly (asm): a model file is C that calls its model's functions"
        return
    fi
    where=$(readelf -S -W "$obj" 2>/dev/null | grep -o -E '\.(preinit_array|init_array|fini_array|ctors|dtors)' | head -n 1)
    if [[ -n $where ]]; then
        echo "runs code of its own before main or at exit (a constructor or destructor: $where): a model file runs only when crawl_run is called"
        return
    fi
    word=$(forbidden_word "$bins/sub-plain.i" "$([[ $sandboxed -eq 1 ]] && echo /sub/submission.c || echo "$work/root/sub/submission.c")")
    case $word in
    "") ;;
    "#line") echo "renames its own lines with #line: the grader reads each line as the file's" ;;
    *) echo "uses $word: not what the $model model needs (no assembly, raw system calls or loading of other code)" ;;
    esac
}

# What the model's own means of concurrency misses: one reason a line.
missing_required() {
    local line m names why name found
    local -a used alts
    mapfile -t used < <(timeout 20 nm -u -P "$bins/sub-plain.o" 2>/dev/null | awk '{ print $1 }')
    for line in "${REQUIRED[@]}"; do
        read -r m names why <<<"$line"
        [[ $m == "${MODEL_MEANS[$model]}" ]] || continue
        IFS=, read -r -a alts <<<"$names"
        found=0
        for name in "${alts[@]}"; do
            [[ " ${used[*]} " == *" $name "* ]] && found=1
        done
        [[ $found -eq 1 ]] || echo "$why"
    done
}

# The compiler's complaints, about the student's file by name (the names
# the sandbox gave it are replaced as text: never as a sed program).
show_build_errors() { # LOG
    local pat="submission\.(c|i|o)|sub-[a-z]+\.o|undefined reference|multiple definition|ld returned|error:|fatal|stopped after|memory limit"
    local root=""
    [[ $sandboxed -eq 1 ]] || root=$work/root
    grep -a -q -E "$pat" "$1" || tail -n 5 "$1" | clean_text | sed 's/^/    /'
    grep -a -E "$pat" "$1" | head -n 30 | clean_text |
        SHOWN=$shown_file OLD1=$root/sub/submission.c OLD2=$root/out/sub- awk '
        function swap(s, old, new, keep,    i, out) {
            out = ""
            while ((i = index(s, old)) > 0) {
                out = out substr(s, 1, i - 1) new
                s = substr(s, i + length(old))
                if (keep) { sub(/^[a-z]+\.o/, "", s) }
            }
            return out s
        }
        { print "    " swap(swap($0, ENVIRON["OLD1"], ENVIRON["SHOWN"], 0), ENVIRON["OLD2"], ENVIRON["SHOWN"] " (object)", 1) }'
}

# ---- limits for a grader that is not root ----
# As root the judge gives every job a throw-away uid and RLIMIT_NPROC of
# its own. Not as root it cannot: the whole judge goes in a systemd user
# scope (TasksMax, MemoryMax) if one can be made, else under RLIMIT_NPROC,
# which the kernel counts over every process of the account.
limit_judge() {
    judge_prefix=() limits_line=""
    [[ $(id -u) -eq 0 ]] && return
    if command -v systemd-run >/dev/null &&
        systemd-run --user --scope --quiet --collect -p TasksMax=16 -p MemoryMax=256M true >/dev/null 2>&1; then
        judge_prefix=(systemd-run --user --scope --quiet --collect
            -p "TasksMax=$JUDGE_TASKS_MAX" -p "MemoryMax=$JUDGE_MEMORY_MAX" --)
        limits_line="a systemd user scope for the judge: at most $JUDGE_TASKS_MAX tasks and $JUDGE_MEMORY_MAX of memory in all"
    else
        local mine cap
        mine=$(ps -L -u "$(id -u)" -o lwp= 2>/dev/null | wc -l)
        cap=$((mine + JUDGE_TASKS_MAX))
        judge_prefix=(prlimit --nproc="$cap" --)
        limits_line="RLIMIT_NPROC $cap for the judge (your $mine processes now + $JUDGE_TASKS_MAX: more of yours leave it less room); no cap on the jobs' total memory (no systemd user scope here)"
    fi
}

# ---- the judge ----
# Two jobs at once on two cores or more: the jobs mostly wait on the
# server's delays, and every time bound holds (each job's own server).
default_lanes() {
    local cores
    cores=$(nproc 2>/dev/null || echo 1)
    if ((cores >= 2)); then echo 2; else echo 1; fi
}

run_judge() {
    verdicts=$work/verdicts
    : >"$verdicts"
    [[ -z $note ]] || return 0
    local jrc f
    local means=${MODEL_MEANS[$model]}
    [[ ${MODEL_FRONTIER[$model]} -eq 0 ]] || means+=+frontier
    local -a judge_args=(--model "$model" --means "$means" --server "$suite/bin/delay-server" --work "$work/judge" --sandbox "$sandbox")
    [[ $sandboxed -eq 1 ]] || judge_args+=(--sandbox off)
    [[ $verbose -eq 1 ]] && judge_args+=(--verbose)
    [[ -z $seed ]] || judge_args+=(--seed "$seed")
    judge_args+=(--lanes "${lanes:-$(default_lanes)}")
    [[ ! -x $work/graded/ref ]] || judge_args+=(--reference "$work/graded/ref")
    for f in "${need[@]}"; do judge_args+=("--$f" "$bins/crawl-$f"); done
    mkdir -p "$work/judge" && chmod 755 "$work/judge"
    run_bg "$verdicts" "${judge_prefix[@]}" "$suite/bin/grade-judge" "${judge_args[@]}" "${checks[@]}"
    jrc=$?
    rm -rf "$work/judge" "$cc_out" # the jobs' and the compiler's files: not kept past their use
    if [[ $jrc -ne 0 ]]; then
        echo "grade.sh: the judge failed (status $jrc):" >&2
        clean_text <"$verdicts" | tail -n 5 >&2
        exit 3
    fi
}

# The judge's verdicts, read once (control bytes stripped): the first
# "CHECK NAME ..." line of each check, and the "  | " lines after it (its
# context, at most 40).
load_verdicts() {
    local line name="" word
    verdict_line=() verdict_context=()
    local -A lines_kept=()
    while IFS= read -r line; do
        if [[ $line == "CHECK "* ]]; then
            read -r word name _ <<<"$line"
            if [[ -n ${verdict_line[$name]+set} ]]; then name=""; continue; fi
            verdict_line[$name]=$line lines_kept[$name]=0
        elif [[ $line == "  | "* && -n $name && ${lines_kept[$name]} -lt 40 ]]; then
            verdict_context[$name]+=${verdict_context[$name]:+$'\n'}$line
            lines_kept[$name]=$((lines_kept[$name] + 1))
        fi
    done < <(clean_text <"$verdicts")
}

# The judge's verdict for CHECK: sets verdict, reason and context.
verdict_of() {
    local line=${verdict_line[$1]:-}
    context=${verdict_context[$1]:-}
    if [[ -n $note ]]; then
        verdict=FAIL reason=$note context=""
    elif [[ $1 == parallel && -n $missing ]]; then
        verdict=FAIL reason=$missing context=""
    elif [[ -n $line ]]; then
        read -r _ _ verdict reason <<<"$line"
        [[ $verdict == PASS || $verdict == FAIL || $verdict == SKIP ]] || verdict=FAIL
    else
        verdict=FAIL reason="the judge gave no verdict" context=""
    fi
}

# ---- the report ----
report() {
    local sandbox_line seed_line warning="" tests_json=$work/tests.jsonl k c p d got out summary
    sandbox_line=$(grep -a -m1 "^SANDBOX " "$verdicts" | cut -d' ' -f2- | clean_text)
    [[ -n $sandbox_line ]] || sandbox_line=$([[ $sandboxed -eq 1 ]] && echo "bubblewrap" || echo "NONE: bubblewrap is missing or cannot run here")
    echo "sandbox: $sandbox_line"
    [[ -z $limits_line ]] || echo "limits: $limits_line"
    seed_line=$(grep -a -m1 "^SEED " "$verdicts" | cut -d' ' -f2)
    [[ ! $seed_line =~ ^[0-9]+$ ]] || echo "seed: $seed_line (replay: --seed $seed_line)"
    if [[ $sandboxed -ne 1 ]]; then
        warning="WARNING: graded WITHOUT a sandbox (bubblewrap is missing or cannot make namespaces here). The submission ran with rlimits$([[ $(id -u) -eq 0 ]] && echo " and a throw-away uid") only: it could read any file that user can read, reach the network, and leave files in /tmp while it ran; its processes were killed with its process group. The verdicts still come from the judge's own observations. Run with --require-sandbox to refuse instead."
        echo "grade.sh: $warning" >&2
    fi
    if [[ -n $compile_msgs ]]; then
        echo "  $shown_file does not compile or link:"
        printf '%s\n' "$compile_msgs"
    fi
    : >"$tests_json"
    load_verdicts
    total=0 max=0
    for k in "${!checks[@]}"; do
        c=${checks[$k]} p=${points[$k]} d=${descs[$k]}
        verdict_of "$c"
        if [[ $verdict == SKIP ]]; then
            printf '  SKIP  %3s     %-16s %s\n' "-" "$c" "$d"
            printf '        %s (rubric: no points)\n' "$reason"
            continue
        fi
        max=$((max + p))
        got=0
        [[ $verdict == PASS ]] && got=$p
        total=$((total + got))
        printf '  %s  %3d/%-3d %-16s %s\n' "$verdict" "$got" "$p" "$c" "$d"
        if [[ $verdict == FAIL ]]; then
            printf '        -> %s\n' "$reason"
            [[ -n $context ]] && printf '%s\n' "$context" | sed 's/^/      /'
        fi
        if [[ $verdict == PASS ]]; then out="passed"; else out="$reason${context:+
$context}"; fi
        [[ -z $json ]] || jq -n -c --arg name "$c: $d" --argjson score "$got" --argjson max "$p" --arg out "$out" \
            '{name: $name, score: $score, max_score: $max, output: $out, output_format: "text", visibility: "visible"}' >>"$tests_json"
    done
    if [[ $verbose -eq 1 ]]; then
        grep -a "^JOB " "$verdicts" | clean_text | sed 's/^/  /'
    elif [[ $total -lt $max && -z $note ]]; then
        echo "(run again with --verbose to see what the program printed in the failing jobs)"
    fi
    if [[ -n $json ]]; then
        summary="${warning:+$warning

}graded $shown_file as the $model model; sandbox: $sandbox_line${limits_line:+; limits: $limits_line}${compile_msgs:+
$shown_file does not compile or link:
$compile_msgs}"
        jq -s --argjson score "$total" --argjson max "$max" --arg out "$summary" \
            '{score: $score, max_score: $max, output: $out, output_format: "text", stdout_visibility: "visible", tests: .}' \
            "$tests_json" >"$json" || echo "grade.sh: cannot write $(shown "$json")" >&2
    fi
    echo "total: $total / $max"
}

main() {
    read_models
    parse_args "$@"
    read_rubric
    make_work
    prepare_submission

    echo "grading $shown_file as the $model model"
    sandboxed=0
    if have_bwrap; then
        sandboxed=1
    elif [[ $sandbox == require ]]; then
        echo "grade.sh: --require-sandbox: bubblewrap is missing or cannot create namespaces here (apt-get install bubblewrap; in a container, allow user namespaces)" >&2
        exit 3
    fi
    build_judge || exit "$?" # 2: a build folder of another copy; 3: it does not build
    read_registry || exit 3
    check_rubric
    need=()
    local c f
    local -a builds
    for c in "${checks[@]}"; do
        IFS=, read -r -a builds <<<"${CHECK_FLAVORS[$c]}"
        for f in "${builds[@]}"; do
            [[ " ${need[*]} " == *" $f "* ]] || need+=("$f")
        done
    done
    build_graded "${need[@]}" || exit 3
    limit_judge

    note="" compile_msgs="" missing=""
    if [[ $(stat -c %s -- "$sub/submission.c") -gt $SOURCE_MAX ]]; then
        note="is more than $((SOURCE_MAX >> 10)) KB: a model file is a few kilobytes"
    fi
    for f in "${need[@]}"; do
        [[ -z $note ]] || break
        if ! compile_flavor "$f"; then
            compile_msgs=$(show_build_errors "$work/compile-$f.log")
            note="does not compile or link: see the compiler's messages"
        fi
    done
    if [[ -z $note && " ${need[*]} " != *" plain "* ]] && ! compile_symbols_only; then
        compile_msgs=$(show_build_errors "$work/compile-plain.log")
        note="does not compile or link: see the compiler's messages"
    fi
    [[ -n $note ]] || note=$(same_program)
    [[ -n $note ]] || note=$(symbol_rules | clean_text)
    if [[ -z $note ]]; then
        missing=$(missing_required | paste -sd';' | sed 's/;/; /g')
        # Without a parallel check in the rubric, the model's own means of
        # concurrency is worth every point.
        [[ -n $missing && $rubric_parallel -eq 0 ]] && note=$missing
    fi
    run_judge
    report
    [[ $total -eq $max ]] && exit 0
    exit 1
}

main "$@"
