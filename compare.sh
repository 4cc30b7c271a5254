#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# compare.sh -- the classroom run: one job (N requests to a server that
# answers each after d seconds) done by each model one after another,
# against a delay-server of our own on a free port; then a table, a
# timeline per model, a bar chart of wall times, and the same as SVG, CSV
# and Markdown in an output folder. --sweep instead times the three
# concurrent models at 1, 2, 5 ... 100 workers.
#
# Run ./compare.sh --help. Bash and POSIX awk only, so it runs on any
# Debian with the build's own dependencies.
set -u -o pipefail # not -e: a model that fails is a result, not a crash

PROG=compare.sh
SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOLS=$SUITE_ROOT/tools
# shellcheck source=tools/lib.sh
. "$TOOLS/lib.sh"

usage() {
    cat <<EOF
Usage: ./compare.sh [OPTION]...
Run one crawl job (N requests to a local server that answers each after a
delay d) with each model of the default run, and show how long each took:
a table, timelines and charts. Default models: ${MODELS_ALL// /, }.

Default, the classroom run (about 2 minutes): 100 requests, d = 1 s,
pools of 10, async with no limit: serial 100 s, pools 10 s, async 1 s.

  --lesson NAME         a classroom preset, each about 2 minutes at most:
                        basic (the default run), seed, uneven, cpu, hybrid,
                        faults, trap; --lesson list says what each shows
  --seed-setting        the seed tutorials' experiment: 100 requests, d = 3 s,
                        pool of 8 (Python measured 305 s, 48 s and 3.1 s);
                        takes about 6 minutes
  --delay SECONDS       server delay per request, 0..60, decimals allowed
  --count N             requests in the job, 1..10000
  --workers W           threads or processes in the pools, 1..1000
  --async-workers C     most requests the async model keeps in flight,
                        0..10000; 0 = no limit (default)
  --models LIST         comma-separated, from models.conf:
                        ${MODELS_KNOWN// /,}
  --timeout SECONDS     give up on one request after this long
                        (default: the delay + 30 s)
  --sweep               time threadpool, multiprocess and async at each
                        concurrency in --levels instead (default d = 0.2 s,
                        about 2 minutes)
  --levels LIST         concurrencies for --sweep (default 1,2,5,10,20,50,100)
  --out DIR             write the files into DIR (default compare-out/<time>)
  --open                open report.html in the desktop's browser at the end
                        (without a desktop: its path is the last line anyway)
  --build-dir DIR       use (or build) the binaries in DIR/bin (default build;
                        the BUILD_DIR environment variable works too)
  -h, --help            show this help and exit
  -V, --version         show the version and exit

Missing binaries are built first (CMake); a missing build dependency is
installed with apt-get when run as root, else named. On a terminal a live
progress line shows each model's requests; NO_COLOR turns colour off.

Exit status: 0 every request succeeded, 1 some request or model failed,
2 bad usage, 3 setup failed (dependency, build or server), 128+n on signal n.
EOF
}

# --- the command line -------------------------------------------------------

# Settings left empty here are filled from the chosen preset afterwards, so
# an explicit flag wins over --seed-setting or --sweep whatever the order.
COUNT="" DELAY="" WORKERS="" ASYNC_WORKERS="" MODELS="" TIMEOUT="" LEVELS=""
OUT="" SEED=0 SWEEP=0 OPEN=0 LESSON="" DELAY_SPEC=""

on_flag() { # name value
    case $1 in
    --seed-setting) SEED=1 ;;
    --lesson) LESSON=$2 ;;
    --sweep) SWEEP=1 ;;
    --open) OPEN=1 ;;
    --delay) DELAY=$2 ;;
    --count) COUNT=$2 ;;
    --workers) WORKERS=$2 ;;
    --async-workers) ASYNC_WORKERS=$2 ;;
    --models) MODELS=$2 ;;
    --timeout) TIMEOUT=$2 ;;
    --levels) LEVELS=$2 ;;
    --out) OUT=$2 ;;
    --build-dir) BUILD_DIR=$2 ;;
    esac
}

# The lessons: NAME|one line for --lesson list. Each preset only fills what
# the flags left open, as --seed-setting does.
LESSONS=(
    "basic|the default run: 100 requests, d = 1 s; serial N*d, pools ceil(N/W)*d, async d"
    "seed|the tutorials' 100 x 3 s, pools of 8: 39 s (Python's Pool(8): 48 s), async 3 s"
    "uneven|delays of 0.1-4 s per id: completion out of order; ideal = greedy schedule"
    "cpu|20 ms of CPU per page: one thread is CPU-bound, several cores pull ahead"
    "hybrid|1,000 pages with CPU work: P event loops on P cores against one"
    "faults|30% HTTP 500s and 5% resets, --retries 6: every row OK, attempts counted"
    "trap|a blocking call inside the event loop: async that runs like serial"
    "frontier|list pages lead to detail pages: work found while it runs, and two stages"
)

# The frontier lesson's models: every frontier variant that is not serial
# (it would take a minute), and the stage-by-stage form, in the table's order.
frontier_models() {
    local m list=""
    for m in $MODELS_KNOWN; do
        [[ (${MODEL_RUN[$m]} == frontier && ${MODEL_MEANS[$m]} != none) || ${MODEL_SCHEDULE[$m]} == stages ]] &&
            list+="${list:+,}$m"
    done
    printf '%s' "$list"
}

list_lessons() {
    local l
    say "Lessons (./compare.sh --lesson NAME):"
    for l in "${LESSONS[@]}"; do printf '  %-8s %s\n' "${l%%|*}" "${l#*|}"; done
}

apply_lesson() {
    case $LESSON in
    "" | basic) ;;
    seed) # serial would take 300 s: the tutorial measured 305 s
        : "${COUNT:=100}" "${DELAY:=3}" "${WORKERS:=8}" "${MODELS:=threadpool,multiprocess,async}" ;;
    uneven)
        : "${COUNT:=30}" "${DELAY:=2}" "${WORKERS:=5}" "${MODELS:=serial,threadpool,async}"
        DELAY_SPEC=100-4000 SERVER_ARGS=(--seed 2) ;;
    cpu)
        : "${COUNT:=200}" "${DELAY:=0.5}" "${WORKERS:=50}" "${MODELS:=async,threadpool,multiprocess,hybrid}"
        RUN_ARGS=(--work-us 20000) ;;
    hybrid)
        : "${COUNT:=1000}" "${DELAY:=0.5}" "${MODELS:=async,hybrid}"
        RUN_ARGS=(--work-us 2000) ;;
    faults)
        : "${COUNT:=60}" "${DELAY:=0.2}" "${MODELS:=serial,threadpool,multiprocess,async,hybrid}"
        SERVER_ARGS=(--seed 1 --fail-rate 0.3 --reset-rate 0.05) RUN_ARGS=(--retries 6) ;;
    trap)
        : "${COUNT:=20}" "${DELAY:=1}" "${MODELS:=serial,async,async-blocking}" ;;
    frontier) # 10 list pages of 10 details; the lists take 0.1-6 s each
        [[ -z $COUNT ]] || die_usage "--lesson frontier finds its pages as it runs: leave out --count"
        PAGES=10
        COUNT=$((PAGES + PAGES * 10))
        : "${DELAY:=0.3}" "${WORKERS:=10}" "${ASYNC_WORKERS:=10}" "${MODELS:=$(frontier_models)}"
        SERVER_ARGS=(--seed 1 --pages "$PAGES" --per-page 10 --list-delay-ms 100-6000) ;;
    list) list_lessons && exit 0 ;;
    *) die_usage "--lesson: no lesson \"$LESSON\" (see --lesson list)" ;;
    esac
}

# What to look for, after a lesson's table.
lesson_notes() {
    case $LESSON in
    seed) say "  Look for: the pools take ceil(100/8) = 13 waves of 3 s = 39 s. Python's Pool(8).map"
        say "  took 48 s: it hands out chunks of 4, so the last workers got whole chunks late" \
            "(4 rounds of 12 s). Serial would take 300 s (the tutorial: 305 s)." ;;
    uneven) say "  Look for: async finishes in about the longest delay; the pool's ideal is the greedy"
        say "  schedule over the server's /plan. The order async completed (by end time):"
        say "    $(completion_order async)"
        say "  Slow ids finish last whatever their number: handle each as it completes (as_completed)." ;;
    cpu) say "  Look for: the CPU column against the wall: async spends ~4 s of CPU on one core, so it"
        say "  cannot finish before that; threads, processes and hybrid spread it over the cores." ;;
    hybrid) say "  Look for: hybrid's wall near d + CPU / P; async's near d + all the CPU. With no CPU work"
        say "  (the basic lesson) the two tie: waiting needs no second core." ;;
    faults) say "  Look for: every row OK and the tries in ok/failed: each request is one row however many"
        say "  attempts it took (--records has an attempts column). Without --retries the same run fails rows." ;;
    frontier) frontier_notes ;;
    trap) say "  Look for: async-blocking's timeline is serial's staircase, 1 in flight, N x d: a blocking"
        say "  call inside an event loop stops the loop (requests.get inside async def)." ;;
    esac
    return 0
}

# The frontier lesson's paragraph, from this run's own figures: each
# model's time against its ideal, and when the details started against
# when the last list page ended.
frontier_notes() {
    local m line
    say "  Look for: a detail page can start as soon as its list page is read. Here:"
    for m in $MODEL_LIST; do
        line=$(awk -F, -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
            $c["model"] != m { next }
            $c["kind"] == "list" && $c["end_s"] > last { last = $c["end_s"] }
            $c["kind"] == "detail" && (first == "" || $c["start_s"] < first) { first = $c["start_s"] }
            END { if (first != "") printf "first detail at %.1f s, last list page done at %.1f s", first, last }' "$REQUESTS")
        say "    $m: $(awk -F, -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
            $c["model"] == m { printf "%.1f s (ideal %.1f s)", $c["wall_s"], $c["ideal_s"] }' "$RESULTS"); $line"
    done
    say "  The stages wait for the slowest list page before any detail starts (two Pool.map calls);"
    say "  a frontier keeps every worker busy: it waits on a condition (not a spin, not an exit) only"
    say "  while the queue is empty and pages in flight may still add to it."
}

# Ids in the order a model's requests ended.
completion_order() { # model
    awk -F, -v m="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["model"] == m { print $c["end_s"], $c["id"] }' "$REQUESTS" | sort -n |
        awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 } END { print "" }'
}

# Fill what the flags left open from the preset, then check every value.
settle_settings() {
    local level
    apply_lesson
    if ((SEED)); then
        : "${COUNT:=100}" "${DELAY:=3}" "${WORKERS:=8}"
    elif ((SWEEP)); then
        : "${COUNT:=100}" "${DELAY:=0.2}" "${WORKERS:=10}"
    else
        : "${COUNT:=100}" "${DELAY:=1}" "${WORKERS:=10}"
    fi
    : "${ASYNC_WORKERS:=0}" "${LEVELS:=1,2,5,10,20,50,100}"
    if ((SWEEP)); then : "${MODELS:=threadpool,multiprocess,async}"; else : "${MODELS:=${MODELS_ALL// /,}}"; fi

    check_seconds --delay "$DELAY" 0 60
    check_int --count "$COUNT" 1 10000
    check_int --workers "$WORKERS" 1 1000
    check_int --async-workers "$ASYNC_WORKERS" 0 10000
    COUNT=$((10#$COUNT)) WORKERS=$((10#$WORKERS)) ASYNC_WORKERS=$((10#$ASYNC_WORKERS))
    DELAY_MS=$(to_ms "$DELAY")
    DELAY=$(awk -v ms="$DELAY_MS" 'BEGIN { print ms / 1000 }') # "1.50" -> "1.5"
    if [[ -n $TIMEOUT ]]; then
        check_seconds --timeout "$TIMEOUT" 0.001 3600
        TIMEOUT_MS=$(to_ms "$TIMEOUT")
    else
        TIMEOUT_MS=$((DELAY_MS + 30000))
    fi

    check_models --models "$MODELS"
    if ((SWEEP)) && [[ " $MODEL_LIST " == *" serial "* ]]; then
        die_usage "--sweep varies the concurrency; serial has none: choose from threadpool, multiprocess, async"
    fi

    [[ $LEVELS =~ ^[0-9]+(,[0-9]+)*$ ]] || die_usage "--levels must be a comma-separated list of integers (got \"$LEVELS\")"
    for level in ${LEVELS//,/ }; do check_int "--levels entry" "$level" 1 1000; done
    LEVEL_LIST=${LEVELS//,/ }
}

# --- the output folder ------------------------------------------------------

prepare_out() {
    if [[ -z $OUT ]]; then
        OUT=$SUITE_ROOT/compare-out/$(date +%Y%m%d-%H%M%S)
        [[ -e $OUT ]] && OUT+=-$$
    fi
    if ! mkdir -p -- "$OUT" 2>/dev/null || [[ ! -w $OUT ]]; then
        die_usage "--out: cannot create or write the folder \"$OUT\""
    fi
    OUT=$(cd -- "$OUT" && pwd)
    RESULTS=$OUT/results.csv
    REQUESTS=$OUT/requests.csv
    echo "$RESULTS_HEADER" >"$RESULTS"
    echo "$REQUESTS_HEADER" >"$REQUESTS"
}

# --- running ----------------------------------------------------------------

# What -w means for each model, by its schedule (models.conf): serial has
# one worker, an event loop its own limit (--async-workers); a frontier
# variant's by what it runs on, as its model's.
workers_for() { # model
    case ${MODEL_SCHEDULE[$1]}/${MODEL_MEANS[$1]} in
    serial/* | frontier/none) echo 1 ;;
    window/* | procs/* | */loop | */forks+loop) echo "$ASYNC_WORKERS" ;;
    *) echo "$WORKERS" ;;
    esac
}

describe_workers() { # model workers
    awk_lib 'BEGIN { print workers_long(m, w, p) }' -v m="$1" -v w="$2" \
        -v p="${PROCS:-$(nproc 2>/dev/null || echo 2)}"
}

# The whole run's expected time, from the ideals plus a little per run.
estimate_s() {
    local m w total=0
    for m in $MODEL_LIST; do
        if ((SWEEP)); then
            for w in $LEVEL_LIST; do total=$(awk -v t="$total" -v i="$(ideal_s "$m" "$COUNT" "$w")" 'BEGIN { print t + i + 0.3 }'); done
        else
            total=$(awk -v t="$total" -v i="$(ideal_s "$m" "$COUNT" "$(workers_for "$m")")" 'BEGIN { print t + i + 0.3 }')
        fi
    done
    awk -v t="$total" 'BEGIN { if (t < 90) printf "%.0f s", t; else printf "%.1f minutes", t / 60 }'
}

print_plan() {
    local m w
    if ((SWEEP)); then
        say "$(bold "Sweep"): $COUNT requests, each answered after $DELAY s, at concurrency $LEVELS"
        say "  models: ${MODEL_LIST// /, }; ideal time ceil($COUNT/c) x $DELAY s"
    else
        say "$(bold "One job, $(wc -w <<<"$MODEL_LIST") ways"): $COUNT requests, each answered after $DELAY s"
        for m in $MODEL_LIST; do
            w=$(workers_for "$m")
            printf '  %-13s %-22s ideal %s\n' "$m" "$(describe_workers "$m" "$w")" "$(awk_lib 'BEGIN { print fmt_s(t) }' -v t="$(ideal_s "$m" "$COUNT" "$w")")"
        done
    fi
    say "Expected time: about $(estimate_s)."
}

# Run one model and append its outcome to results.csv and requests.csv.
# EXIT_STATUS keeps the worst outcome: 1 once any request or model failed.
run_one() { # model workers
    local m=$1 w=$2 rec=$LIB_TMP/records.csv
    rm -f "$rec"
    ((IS_TTY)) || say "  $m: $COUNT requests, $(describe_workers "$m" "$w") ..."
    run_model "$m" "$COUNT" "$w" "$TIMEOUT_MS" "$rec"
    record_run "$m" "$COUNT" "$w" "$DELAY" "$RESULTS" "$REQUESTS" "$rec"
    say_outcome "$m" "$w" "$(ideal_s "$m" "$COUNT" "$w")"
    ((RUN_RC == 0)) || EXIT_STATUS=$EXIT_FAILED
}

# One line per model on stdout; what went wrong also on stderr.
say_outcome() { # model workers ideal
    local m=$1 w=$2 ok=${RUN_FIELD[ok]:-0} failed=${RUN_FIELD[failed]:-} wall=${RUN_FIELD[wall_s]:-}
    if ((RUN_RC != 0 && RUN_RC != 1)) || [[ -z $wall ]]; then
        printf '  %-13s %-22s FAILED (exit %d)\n' "$m" "$(describe_workers "$m" "$w")" "$RUN_RC"
        warn "$m failed (exit $RUN_RC): ${RUN_ERR:-no output}"
        return
    fi
    printf '  %-13s %-22s %8.2f s  (ideal %.2f s)  %d ok' "$m" "$(describe_workers "$m" "$w")" "$wall" "$3" "$ok"
    if ((failed > 0)); then
        printf ', %d FAILED' "$failed"
        warn "$m: $failed of $COUNT requests failed, e.g. ${RUN_ERR:-?}"
    fi
    printf '\n'
}

# --- reports ----------------------------------------------------------------

# awk with the shared helpers loaded first.
tool() { # script [awk args...]
    local script=$1
    shift
    awk -f "$TOOLS/svg_lib.awk" -f "$TOOLS/$script" "$@"
}

# A BEGIN-only awk program with the shared helpers (fmt_s, worker_noun).
awk_lib() { # program [awk args...]
    local program=$1
    shift
    awk -f "$TOOLS/svg_lib.awk" -f /dev/stdin "$@" <<<"$program"
}

# Terminal: a timeline per model, wall times on one scale, the table.
show_report() {
    local m w
    for m in $MODEL_LIST; do
        w=$(workers_for "$m")
        say ""
        say "$(bold "$m"): $(describe_workers "$m" "$w"); x = time on its own scale, one row per $(awk_lib 'BEGIN { print worker_noun(m) }' -v m="$m")"
        tool term_timeline.awk -v model="$m" -v cols="$COLUMNS_NOW" -v maxrows=12 \
            -v color="$USE_COLOR" -v utf8="$USE_UTF8" "$RESULTS" "$REQUESTS"
    done
    say ""
    say "$(bold "Wall time"), all models on one scale:"
    tool term_bars.awk -v cols="$COLUMNS_NOW" -v color="$USE_COLOR" -v utf8="$USE_UTF8" "$RESULTS"
    say ""
    tool table.awk -v style=text "$RESULTS"
    ((SEED)) && say "  The seed tutorial's Python, same setting: serial 305 s, Pool(8) 48 s, asyncio 3.1 s."
}

# Files: SVG charts, the table as Markdown (CSV files are already written).
write_files() {
    local m
    tool svg_bars.awk "$RESULTS" >"$OUT/wall.svg"
    tool svg_timeline.awk -v model=ALL "$RESULTS" "$REQUESTS" >"$OUT/timelines.svg"
    for m in $MODEL_LIST; do
        tool svg_timeline.awk -v model="$m" "$RESULTS" "$REQUESTS" >"$OUT/timeline-$m.svg"
    done
    {
        echo "# One job, $(wc -w <<<"$MODEL_LIST") ways: $COUNT requests, $DELAY s delay"
        echo
        tool table.awk -v style=md "$RESULTS"
        echo
        ((SEED)) && echo "The seed tutorial's Python, same setting: serial 305 s, Pool(8) 48 s, asyncio 3.1 s." && echo
        echo "Ideal: serial N*d, a pool of W ceil(N/W)*d, async about d. Efficiency = ideal / wall."
        echo "\"in flight\" is the most requests the server was answering at once."
        echo
        echo "![wall time per model](wall.svg)"
        echo
        echo "![timelines of every model](timelines.svg)"
    } >"$OUT/table.md"
}

show_sweep() {
    say ""
    tool sweep_table.awk -v style=text "$RESULTS"
    tool svg_sweep.awk "$RESULTS" >"$OUT/sweep.svg"
    {
        echo "# Wall time against concurrency: $COUNT requests, $DELAY s delay"
        echo
        tool sweep_table.awk -v style=md "$RESULTS"
        echo
        echo "![wall time against concurrency](sweep.svg)"
    } >"$OUT/sweep.md"
    mv "$RESULTS" "$OUT/sweep.csv"
}

# report.html: the whole run on one page (tools/report_html). Sets REPORT.
write_report() {
    REPORT=$("$TOOLS/report_html" --cores "$(nproc 2>/dev/null || echo 1)" "$OUT" 2>"$LIB_TMP/report.err")
    if [[ -z $REPORT ]]; then
        warn "report.html not written: $(head -n 1 "$LIB_TMP/report.err")"
        EXIT_STATUS=$EXIT_FAILED
    fi
}

# --open: the desktop's browser, detached so it outlives us; without a
# desktop, say so (the last line names the file).
open_report() {
    ((OPEN)) && [[ -n $REPORT ]] || return 0
    if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]] && command -v xdg-open >/dev/null; then
        setsid xdg-open "$REPORT" </dev/null >/dev/null 2>&1 &
    else
        warn "--open: no desktop here (no DISPLAY or xdg-open); open $REPORT in a browser"
    fi
}

list_files() { # dir
    local f names=""
    for f in "$1"/*; do [[ -f $f ]] && names+="${f##*/} "; done
    printf '%s' "${names% }"
}

# --- main -------------------------------------------------------------------

main() {
    local m w bins=(delay-server)
    parse_flags "--seed-setting --sweep --open" \
        "--lesson --delay --count --workers --async-workers --models --timeout --levels --out --build-dir" "$@"
    settle_settings
    lib_init
    prepare_out
    EXIT_STATUS=$EXIT_OK
    for m in $MODEL_LIST; do bins+=("crawl-$m"); done
    ensure_built "${bins[@]}"
    server_start "${DELAY_SPEC:-$DELAY_MS}" "$COUNT" # first: the plan's ideals are its answers
    print_plan
    for m in $MODEL_LIST; do
        if ((SWEEP)); then
            for w in $LEVEL_LIST; do run_one "$m" "$w"; done
        else
            run_one "$m" "$(workers_for "$m")"
        fi
    done
    server_stop
    if ((SWEEP)); then
        show_sweep
    else
        show_report
        write_files
        lesson_notes
    fi
    write_report
    say ""
    say "Files: $(list_files "$OUT")"
    say "Output folder: $OUT"
    open_report
    [[ -n $REPORT ]] && say "Report: $REPORT"
    exit "$EXIT_STATUS"
}

main "$@"
