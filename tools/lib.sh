# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tools/lib.sh -- what compare.sh and bench/run.sh share: messages, the
# build, the delay-server's life, running one model with live progress, and
# cleanup on every exit path. Sourced, never run; bash 5.0+ (EPOCHREALTIME)
# and POSIX awk (Debian's mawk) only: no Python, no gawk extensions.
((BASH_VERSINFO[0] >= 5)) || {
    echo "${PROG:-lib.sh}: needs bash 5 or newer (EPOCHREALTIME); this is bash $BASH_VERSION" >&2
    exit 3
}
#
# The caller sets PROG (for messages) and SUITE_ROOT (the source tree), may
# set BUILD_DIR, then calls lib_init.

# --- the models: one row each in models.conf -------------------------------

# Read by name: MODEL_SOURCE[serial]=serial/serial.c, MODEL_NOUN, MODEL_COLOUR,
# MODEL_ANSI, MODEL_SCHEDULE, MODEL_RUN, MODEL_MEANS. MODELS_KNOWN lists every
# model, MODELS_ALL those in the default run, MODELS_GRADED those graded.
declare -A MODEL_SOURCE=() MODEL_NOUN=() MODEL_COLOUR=() MODEL_ANSI=() MODEL_SCHEDULE=() \
    MODEL_RUN=() MODEL_MEANS=()
MODELS_KNOWN="" MODELS_ALL="" MODELS_GRADED=""
# The awk helpers (svg_lib.awk) read the same table.
export MODELS_CONF=${MODELS_CONF:-${SUITE_ROOT:?}/models.conf}

models_bad_row() { # lineno what
    echo "${PROG:-lib.sh}: $MODELS_CONF:$1: $2" >&2
    exit 3
}

models_load() {
    local name source noun colour ansi schedule run means extra lineno=0
    [[ -r $MODELS_CONF ]] || models_bad_row 0 "cannot read the table of models"
    while read -r name source noun colour ansi schedule run means extra || [[ -n $name ]]; do
        lineno=$((lineno + 1))
        [[ -z $name || $name == '#'* ]] && continue
        [[ -n $means && -z $extra ]] || models_bad_row "$lineno" "a row needs 8 columns"
        [[ $name =~ ^[a-z][a-z0-9-]*$ ]] || models_bad_row "$lineno" "a name is lower case, digits and -"
        [[ $colour =~ ^#[0-9a-f]{6}$ && $ansi =~ ^[0-9]{1,3}$ ]] ||
            models_bad_row "$lineno" "colour is #rrggbb, ansi an SGR number"
        [[ $schedule =~ ^(serial|pool|window|procs|frontier|stages)$ ]] ||
            models_bad_row "$lineno" "schedule is serial, pool, window, procs, frontier or stages"
        [[ $run =~ ^(default|extra|lesson|frontier)$ ]] ||
            models_bad_row "$lineno" "run is default, extra, lesson or frontier"
        [[ $means =~ ^(none|threads|forks|loop|forks\+loop)$ ]] ||
            models_bad_row "$lineno" "means is none, threads, forks, loop or forks+loop"
        # shellcheck disable=SC2034 # the callers read it
        MODEL_SOURCE[$name]=$source MODEL_NOUN[$name]=$noun MODEL_COLOUR[$name]=$colour
        # shellcheck disable=SC2034 # the callers read it
        MODEL_ANSI[$name]=$ansi MODEL_SCHEDULE[$name]=$schedule MODEL_RUN[$name]=$run
        # shellcheck disable=SC2034 # the callers read it
        MODEL_MEANS[$name]=$means
        MODELS_KNOWN+="${MODELS_KNOWN:+ }$name"
        [[ $run == default ]] && MODELS_ALL+="${MODELS_ALL:+ }$name"
        [[ $run == default || $run == extra || $run == frontier ]] && MODELS_GRADED+="${MODELS_GRADED:+ }$name"
    done <"$MODELS_CONF"
    [[ -n $MODELS_ALL ]] || models_bad_row "$lineno" "no model is in the default run"
}
models_load
# What run_model adds to every model's command line (--retries, --work-us),
# what hybrid gets as -p, server_start's extra flags (--seed, faults), and
# the list pages a frontier variant starts from (--pages; 0: none).
RUN_ARGS=() PROCS="" SERVER_ARGS=() PAGES=0

# Exit codes shared by both scripts.
# shellcheck disable=SC2034 # the callers read it
EXIT_OK=0 EXIT_FAILED=1 EXIT_USAGE=2 EXIT_SETUP=3

SERVER_PID="" SERVER_URL="" SERVER_PORT=""
MODEL_PID=""
LIB_TMP=""

# --- messages ---------------------------------------------------------------

# Decide once how to write: live progress and colour only on a terminal,
# colour only without NO_COLOR (https://no-color.org) and not on TERM=dumb.
lib_output_init() {
    IS_TTY=0 USE_COLOR=0 USE_UTF8=0
    [[ -t 1 ]] && IS_TTY=1
    if ((IS_TTY)) && [[ -z ${NO_COLOR:-} && ${TERM:-dumb} != dumb ]]; then
        USE_COLOR=1
    fi
    case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
    *UTF-8* | *utf8* | *UTF8* | *utf-8*) USE_UTF8=1 ;;
    esac
    GLYPH_DONE="#" GLYPH_TODO="."
    ((USE_UTF8)) && GLYPH_DONE="█" GLYPH_TODO="░"
    COLUMNS_NOW=80
    if ((IS_TTY)); then
        COLUMNS_NOW=$(tput cols 2>/dev/null || echo 80)
    fi
}

# Bold on a colour terminal, plain text otherwise.
bold() {
    if ((USE_COLOR)); then printf '\033[1m%s\033[0m' "$*"; else printf '%s' "$*"; fi
}

say() { printf '%s\n' "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }

# One line saying what is wrong and what to do, then exit; the EXIT trap
# stops the server and any model still running.
die() {
    local code=$1
    shift
    warn "$*"
    exit "$code"
}
die_usage() { die "$EXIT_USAGE" "$*; see $PROG --help"; }

# --- the command line -------------------------------------------------------

# The suite's version, from the top CMakeLists.txt.
suite_version() {
    local v
    v=$(sed -n 's/^project([^)]*VERSION \([0-9.]*\).*/\1/p' "$SUITE_ROOT/CMakeLists.txt")
    printf '%s' "${v:-unknown}"
}

# Walk the arguments: -h/--help calls usage, -V/--version prints the
# version; every other flag goes to the caller's on_flag NAME VALUE.
# SWITCHES take no value; VALUED take one, as "--flag V" or "--flag=V".
parse_flags() { # "SWITCHES" "VALUED" ARGS...
    local switches=" $1 " valued=" $2 " arg name
    shift 2
    while (($# > 0)); do
        arg=$1 name=${1%%=*}
        shift
        case $name in
        -h | --help) usage && exit 0 ;;
        -V | --version) printf '%s %s\n' "$PROG" "$(suite_version)" && exit 0 ;;
        esac
        if [[ $switches == *" $name "* ]]; then
            [[ $arg == *=* ]] && die_usage "$name takes no value"
            on_flag "$name" ""
        elif [[ $valued == *" $name "* ]]; then
            if [[ $arg == *=* ]]; then
                on_flag "$name" "${arg#*=}"
            else
                (($# > 0)) || die_usage "$name needs a value"
                on_flag "$name" "$1"
                shift
            fi
        elif [[ $arg == -* ]]; then
            die_usage "unknown option \"$arg\""
        else
            die_usage "unexpected argument \"$arg\""
        fi
    done
}

# --- numbers ----------------------------------------------------------------

is_uint() { [[ $1 =~ ^[0-9]+$ ]] && ((10#$1 <= 1000000000)); }
is_decimal() { [[ $1 =~ ^([0-9]+(\.[0-9]*)?|\.[0-9]+)$ ]]; }

# Integer flag in [lo, hi], or a usage error naming the flag.
check_int() { # flag value lo hi
    if ! is_uint "$2" || ((10#$2 < $3 || 10#$2 > $4)); then
        die_usage "$1 must be an integer $3..$4 (got \"$2\")"
    fi
}

# Decimal seconds in [lo, hi] (awk compares: bash has no floats).
check_seconds() { # flag value lo hi
    if ! is_decimal "$2" || ! awk -v v="$2" -v lo="$3" -v hi="$4" \
        'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
        die_usage "$1 must be a number of seconds $3..$4, decimals allowed (got \"$2\")"
    fi
}

# A comma-separated list of model names, each known and named once; sets
# MODEL_LIST (space-separated).
check_models() { # flag list
    local m seen=","
    [[ $2 =~ ^[a-z-]+(,[a-z-]+)*$ ]] || die_usage "$1 must be a comma-separated list, e.g. serial,async (got \"$2\")"
    for m in ${2//,/ }; do
        [[ " $MODELS_KNOWN " == *" $m "* ]] || die_usage "$1: no model \"$m\" (choose from ${MODELS_KNOWN// /, })"
        [[ $seen == *",$m,"* ]] && die_usage "$1 names $m twice"
        seen+="$m,"
    done
    # shellcheck disable=SC2034 # the callers read it
    MODEL_LIST=${2//,/ }
}

to_ms() { awk -v s="$1" 'BEGIN { printf "%d", s * 1000 + 0.5 }'; }

# Ideal wall time of a model, by its schedule in models.conf, as the
# running server computes it over the delays it really uses (GET /ideal:
# the greedy schedule, each worker taking the next request as soon as it
# is free; computed once, in C, for this script and the grader alike).
# serial: one worker; pool, window: W (0: all at once); procs: P loops of
# W, so P*W at once; frontier: W over list -> detail (a detail starts no
# earlier than its list page ends; pages taken in the order they became
# known); stages: level after level of links (all lists, then all details).
# Prints nothing when the server does not answer.
ideal_s() { # model n workers
    local procs=${PROCS:-$(nproc 2>/dev/null || echo 2)} n=$2 w=$3 share query body
    case ${MODEL_SCHEDULE[$1]} in
    serial) w=1 ;;
    procs)
        ((procs > n)) && procs=$n
        share=$(((n + (procs > 0 ? procs : 1) - 1) / (procs > 0 ? procs : 1)))
        ((w == 0 || w > share)) && w=$share
        w=$((w * procs)) ;;
    frontier) query="/ideal?w=$w&frontier=1" ;;
    stages) query="/ideal?w=$w&frontier=1&stages=1" ;;
    esac
    body=$(http_get "${query:-/ideal?n=$n&w=$w}") || return 0
    [[ $body =~ \"ideal_s\":([0-9.]+) ]] && printf '%.3f' "${BASH_REMATCH[1]}"
}

# Microseconds since the epoch, from bash itself (no fork per call).
now_us() {
    local t=${EPOCHREALTIME/,/.}
    printf '%s' "${t/./}"
}

# Microseconds as seconds with one decimal: 4213000 -> 4.2
us_to_s1() {
    local ds=$(($1 / 100000))
    printf '%d.%d' "$((ds / 10))" "$((ds % 10))"
}

# --- cleanup ----------------------------------------------------------------

# Stop a process group we started with setsid: TERM, a grace period, KILL.
# The group takes the multiprocess model's children along with their parent.
stop_group() { # pid
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 20; i++)); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

lib_cleanup() {
    stop_group "$MODEL_PID"
    MODEL_PID=""
    server_stop
    [[ -n $LIB_TMP ]] && rm -rf "$LIB_TMP"
    LIB_TMP=""
    return 0
}

# A signal: clean up, then die of the same signal so the caller (a shell,
# make, ctest) sees it; the exit status becomes 128 + its number.
lib_on_signal() { # name
    trap - "$1" EXIT
    ((IS_TTY)) && printf '\n'
    warn "interrupted (SIG$1): stopping the models and the server"
    lib_cleanup
    kill -"$1" $$
}

# Every exit path runs lib_cleanup: normal end, die, Ctrl-C, kill, hang-up.
lib_traps() {
    trap lib_cleanup EXIT
    trap 'lib_on_signal INT' INT
    trap 'lib_on_signal TERM' TERM
    trap 'lib_on_signal HUP' HUP
}

lib_init() {
    lib_output_init
    lib_traps
    LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/${PROG##*/}.XXXXXX") ||
        die "$EXIT_SETUP" "cannot make a temporary folder in ${TMPDIR:-/tmp}"
    BUILD_DIR=${BUILD_DIR:-$SUITE_ROOT/build}
    BIN_DIR=$BUILD_DIR/bin
    # Every request in flight holds a socket, in the model and the server.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# --- build ------------------------------------------------------------------

# The Debian package that provides each missing build dependency;
# with --tests, also what the test suite needs (xmllint).
missing_packages() {
    local pkgs=""
    [[ ${1:-} == --tests ]] && ! command -v xmllint >/dev/null && pkgs+=" libxml2-utils"
    # The grader's tests: its sandbox and its JSON emitter.
    [[ ${1:-} == --tests ]] && ! command -v bwrap >/dev/null && pkgs+=" bubblewrap"
    [[ ${1:-} == --tests ]] && ! command -v jq >/dev/null && pkgs+=" jq"
    command -v cmake >/dev/null || pkgs+=" cmake"
    command -v cc >/dev/null || pkgs+=" gcc"
    command -v make >/dev/null || pkgs+=" make"
    if ! command -v pkg-config >/dev/null; then
        pkgs+=" pkg-config libcurl4-openssl-dev libcmocka-dev"
    else
        pkg-config --exists libcurl || pkgs+=" libcurl4-openssl-dev"
        pkg-config --exists cmocka || pkgs+=" libcmocka-dev"
    fi
    printf '%s' "${pkgs# }"
}

# Install what the build needs when we are root; otherwise say what to run.
# shellcheck disable=SC2120 # tests/run.sh passes --tests, compare.sh nothing
ensure_build_deps() { # [--tests]
    local pkgs
    pkgs=$(missing_packages "$@")
    [[ -z $pkgs ]] && return 0
    if ((EUID != 0)) || ! command -v apt-get >/dev/null; then
        die "$EXIT_SETUP" "missing build dependencies: install them with: sudo apt-get install -y $pkgs"
    fi
    say "Installing build dependencies: $pkgs"
    # shellcheck disable=SC2086 # one word per package
    if ! { apt-get install -y $pkgs || { apt-get update && apt-get install -y $pkgs; }; } \
        >"$LIB_TMP/apt.log" 2>&1; then
        die "$EXIT_SETUP" "apt-get install $pkgs failed (log: $(keep_log apt.log)); install them by hand"
    fi
}

# A log worth reading after we exit is copied out of the temporary folder.
keep_log() { # name
    local dest="${TMPDIR:-/tmp}/${PROG##*/}-$1"
    cp "$LIB_TMP/$1" "$dest" 2>/dev/null
    printf '%s' "$dest"
}

# Build the binaries named (delay-server, crawl-serial, ...) that are missing.
ensure_built() { # binary...
    local missing=() b
    for b in "$@"; do
        [[ -x $BIN_DIR/$b ]] || missing+=("$b")
    done
    # Binaries without a CMake tree (copied or hand-made) are used as they are.
    [[ ${#missing[@]} -eq 0 && ! -f $BUILD_DIR/CMakeCache.txt ]] && return 0
    [[ -f $SUITE_ROOT/CMakeLists.txt ]] || die "$EXIT_SETUP" "no CMakeLists.txt in $SUITE_ROOT"
    if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
        say "Building ${missing[*]} in $BUILD_DIR (once; later runs rebuild only what changed)"
        ensure_build_deps
        if ! cmake -S "$SUITE_ROOT" -B "$BUILD_DIR" >"$LIB_TMP/build.log" 2>&1; then
            die "$EXIT_SETUP" "cmake could not configure the build (log: $(keep_log build.log))"
        fi
    fi
    # Every run: an edited model file is rebuilt, never measured stale.
    if ! cmake --build "$BUILD_DIR" -j "$(nproc 2>/dev/null || echo 2)" --target "$@" \
        >>"$LIB_TMP/build.log" 2>&1; then
        die "$EXIT_SETUP" "the build failed (log: $(keep_log build.log))"
    fi
    for b in "$@"; do
        [[ -x $BIN_DIR/$b ]] || die "$EXIT_SETUP" "the build made no $BIN_DIR/$b"
    done
}

# --- the server -------------------------------------------------------------

# GET a path from the server with bash's /dev/tcp: no curl binary needed.
# Prints the body; fails when the server does not answer within a second.
http_get() { # path
    local fd line len=0 body=""
    # (The braces keep 2>/dev/null off the shell: a bare exec would keep it.)
    { exec {fd}<>"/dev/tcp/127.0.0.1/$SERVER_PORT"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&"$fd"
    while IFS= read -r -t 1 line <&"$fd"; do
        line=${line%$'\r'}
        [[ -z $line ]] && break
        [[ ${line,,} =~ ^content-length:\ *([0-9]+) ]] && len=${BASH_REMATCH[1]}
    done
    ((len > 0)) && read -r -t 1 -N "$len" body <&"$fd"
    exec {fd}>&-
    [[ -n $body ]] && printf '%s' "$body"
}

# One number from the server's /stats JSON (flat, numbers only).
json_num() { # json key
    [[ $1 =~ \"$2\"\ *:\ *([0-9]+) ]] && printf '%s' "${BASH_REMATCH[1]}"
}

# Start delay-server on a free port (--port 0: the kernel picks) in its own
# session, so Ctrl-C reaches only us and we stop it ourselves.
# Room for `most` requests at once, plus our /stats polls.
server_start() { # delay_ms most_in_flight
    local i conns=$(($2 + 100))
    ((conns < 10000)) && conns=10000
    : >"$LIB_TMP/server.out" # not the URL of a server started before this one
    SERVER_URL=""
    setsid "$BIN_DIR/delay-server" --port 0 --delay-ms "$1" --max-conns "$conns" --quiet "${SERVER_ARGS[@]}" \
        >"$LIB_TMP/server.out" 2>"$LIB_TMP/server.err" </dev/null &
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do # its first line is its URL
        IFS= read -r SERVER_URL 2>/dev/null <"$LIB_TMP/server.out"
        [[ $SERVER_URL == http://* ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ $SERVER_URL != http://*:* ]]; then
        die "$EXIT_SETUP" "delay-server did not start: $(head -n 1 "$LIB_TMP/server.err" 2>/dev/null)"
    fi
    SERVER_PORT=${SERVER_URL##*:}
    SERVER_PORT=${SERVER_PORT%%/*}
}

server_stop() {
    stop_group "$SERVER_PID"
    SERVER_PID=""
}

# --- running one model ------------------------------------------------------

# The progress line: rewritten in place on a terminal (\r and padding, no
# escape codes), a plain line every 10 s elsewhere (CI logs stay short).
progress() { # model done total elapsed_us
    local filled i bar=""
    if ((IS_TTY)); then
        filled=$(($3 > 0 ? $2 * 20 / $3 : 0))
        for ((i = 0; i < 20; i++)); do
            if ((i < filled)); then bar+=$GLYPH_DONE; else bar+=$GLYPH_TODO; fi
        done
        printf '\r  %-12s %s %13s requests  %6s s ' "$1" "$bar" "$2/$3" "$(us_to_s1 "$4")"
    elif (($4 >= NEXT_PLAIN * 1000000)); then
        printf '  %s: %d/%d requests, %d s\n' "$1" "$2" "$3" "$NEXT_PLAIN"
        NEXT_PLAIN=$((NEXT_PLAIN + 10))
    fi
}

# Run one model on the job against our server, polling /stats a few times a
# second for the progress line. Sets RUN_RC (the model's exit status),
# RUN_FIELD (its summary by column name, empty if it printed none), RUN_PEAK (the server's
# peak of requests in flight) and RUN_ERR (its first error line).
run_model() { # model n workers timeout_ms records_file
    local model=$1 n=$2 w=$3 timeout_ms=$4 records=$5 t0 stats answered extra=("${RUN_ARGS[@]}")
    local job=(-n "$n")
    [[ ${MODEL_SCHEDULE[$model]} == procs ]] && extra+=(-p "${PROCS:-$(nproc 2>/dev/null || echo 2)}")
    [[ ${MODEL_SCHEDULE[$model]} =~ ^(frontier|stages)$ ]] && job=(--pages "$PAGES") # n: what they link
    http_get "/stats?reset=1" >/dev/null # this model's counts start at zero
    t0=$(now_us)
    NEXT_PLAIN=10
    setsid "$BIN_DIR/crawl-$model" --url "$SERVER_URL" "${job[@]}" -w "$w" \
        --timeout-ms "$timeout_ms" --format csv --records "$records" "${extra[@]}" \
        >"$LIB_TMP/model.out" 2>"$LIB_TMP/model.err" </dev/null &
    MODEL_PID=$!
    while kill -0 "$MODEL_PID" 2>/dev/null; do
        stats=$(http_get /stats)
        answered=$(json_num "$stats" requests) # counted when answered
        progress "$model" "${answered:-0}" "$n" "$(($(now_us) - t0))"
        sleep 0.2
    done
    wait "$MODEL_PID"
    RUN_RC=$?
    stop_group "$MODEL_PID" # a worker the model left behind goes with it
    MODEL_PID=""
    ((IS_TTY)) && printf '\r%*s\r' "$((COLUMNS_NOW > 1 ? COLUMNS_NOW - 1 : 1))" ''
    run_fields "$LIB_TMP/model.out"
    # shellcheck disable=SC2034 # the callers read it
    RUN_ERR=$(grep -v '^$' "$LIB_TMP/model.err" | head -n 1)
    stats=$(http_get /stats)
    RUN_PEAK=$(json_num "$stats" peak_in_flight)
}

# The model's summary (its CSV: a header and one row) by column name:
# RUN_FIELD[wall_s] and so on; empty when it printed none.
declare -A RUN_FIELD=()
run_fields() { # csv_file
    local -a columns=() values=()
    local k
    RUN_FIELD=()
    { IFS=, read -r -a columns && IFS=, read -r -a values; } <"$1" || return 0
    for k in "${!columns[@]}"; do RUN_FIELD[${columns[$k]}]=${values[$k]:-}; done
}

# Append a run to the results: each column of RESULTS_HEADER by name, from
# the model's own summary, then delay, ideal, the server's peak in flight
# and the exit status. A run that printed nothing has every request failed
# and empty figures. Its requests go to requests.csv, each prefixed with
# the model and its workers.
RESULTS_HEADER="model,requests,workers,ok,failed,wall_s,cpu_s,max_rss_kb,child_max_rss_kb,attempts,processes,children,children_pss_kb,work_us,delay_s,ideal_s,peak_in_flight,exit"
# shellcheck disable=SC2034 # the callers read it
REQUESTS_HEADER="model,workers,id,kind,worker,start_s,end_s,status,bytes,attempts,error"
record_run() { # model n workers delay_s results_csv requests_csv records_file
    local m=$1 n=$2 w=$3 col row=""
    local -A field=([model]=$m [requests]=$n [workers]=$w [ok]=0 [failed]=$n)
    if [[ ${RUN_FIELD[model]:-} == "$m" ]]; then
        for col in "${!RUN_FIELD[@]}"; do field[$col]=${RUN_FIELD[$col]}; done
    fi
    field[delay_s]=$4 field[ideal_s]=$(ideal_s "$m" "$n" "$w") field[peak_in_flight]=${RUN_PEAK:-} field[exit]=$RUN_RC
    local -a cols
    IFS=, read -r -a cols <<<"$RESULTS_HEADER"
    for col in "${cols[@]}"; do row+="${row:+,}${field[$col]:-}"; done
    echo "$row" >>"$5"
    if [[ -n $6 && -s $7 ]]; then
        awk -v prefix="$m,$w," 'NR > 1 { print prefix $0 }' "$7" >>"$6"
    fi
}
