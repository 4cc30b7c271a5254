#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/run.sh -- the benchmark of issue 3: every model against a
# delay-server of its own, measured against its ideal time, with what each
# costs in CPU and memory. Default: the targets' settings, N=100, d=1 s,
# W=10 (async also unlimited; hybrid P=2 loops, unlimited), then async with
# N=10,000 at once, then async and hybrid side by side on CPU-heavy pages
# (N=1,000, d=0.5 s, --work-us 2000), then the frontier crawl (issue 18:
# list pages that link detail pages; about 3 minutes in all). Shares
# tools/lib.sh with compare.sh. With --peers:
# delay-server and crawl-async side by side with nginx, aiohttp and a raw
# epoll client instead (bench/peers.sh, issue 10).
set -u -o pipefail # not -e: a run that misses is a result

PROG=bench/run.sh
SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=$SUITE_ROOT/tools
# shellcheck source=tools/lib.sh
. "$TOOLS/lib.sh"

usage() {
    cat <<EOF
Usage: bench/run.sh [OPTION]...
Run every model on one job against a local delay-server and print, per
run: model, N, W, delay, wall, ideal, efficiency = ideal/wall, CPU time,
CPU per request, peak RSS, and whether the run meets its target.

Targets (issues 3 and 9): efficiency >= 0.99 at N=100, d=1 s, W=10 (async
also W=0; hybrid P=2, W=0); async with N=10000, W=0, d=1 s within 1.5 s,
every request ok; with 2 ms of CPU work per page (N=1000, d=0.5 s), hybrid
at P=2 within 0.7 x async's wall time, measured side by side. The frontier
crawl (issue 18), 100 list pages of 10 at d=0.5 s: async-frontier W=0
within 2.4 d (threadpool-frontier W=100 beside it, within 1.05 x its ideal);
then 10 lists of 10 whose list pages take 0.1-6 s: threadpool-frontier W=10
within 1.05 x its greedy ideal, and threadpool-stages
(all lists, then all details) slower than threadpool-frontier.

  --delay SECONDS   server delay, 0..60, decimals allowed (default 1)
  --count N         requests per run, 1..100000 (default 100)
  --workers W       pool size, and the async limit for its W run (default 10)
  --big N           requests of the big async run, all at once; 0 skips it
                    (default 10000)
  --cpu-count N     requests of the CPU-work pair (async, then hybrid P=2, both
                    W=0, d=0.5 s, --work-us 2000); 0 skips it (default 1000)
  --frontier L      list pages of the frontier runs (10 details each); 0 skips
                    them (default 100)
  --models LIST     comma-separated, from serial,threadpool,multiprocess,async,
                    hybrid (default all five; the trap is compare.sh's)
  --csv FILE        also write the results as CSV to FILE
  --build-dir DIR   use (or build) the binaries in DIR/bin (default build)
  --peers           instead: delay-server beside nginx and an aiohttp server
                    (requests/s at zero delay with wrk; lateness of 5,000
                    concurrent requests delayed by --delay), and crawl-async
                    beside a raw epoll client and an aiohttp client (--big
                    requests at once); 3 interleaved rounds, medians, the
                    ratios and issue 10's targets; a peer that is not
                    installed is skipped and named (about 1.5 minutes);
                    takes --delay, --big, --csv and --build-dir
  -h, --help        show this help and exit
  -V, --version     show the version and exit

Exit status: 0 every run met its target, 1 some did not, 2 bad usage,
3 setup failed (dependency, build or server).
EOF
}

DELAY=1 COUNT=100 WORKERS=10 BIG=10000 MODELS="" CSV="" PEERS=0 MODEL_FLAGS=""
CPU_COUNT=1000 CPU_DELAY_MS=500 CPU_WORK_US=2000 FRONTIER=100
PROCS=2 # hybrid's -p: the target's P (and this machine's cores)

on_flag() { # name value
    case $1 in
    --delay) DELAY=$2 ;;
    --count) COUNT=$2 MODEL_FLAGS+=" $1" ;;
    --workers) WORKERS=$2 MODEL_FLAGS+=" $1" ;;
    --big) BIG=$2 ;;
    --cpu-count) CPU_COUNT=$2 MODEL_FLAGS+=" $1" ;;
    --frontier) FRONTIER=$2 MODEL_FLAGS+=" $1" ;;
    --models) MODELS=$2 MODEL_FLAGS+=" $1" ;;
    --peers) PEERS=1 ;;
    --csv) CSV=$2 ;;
    --build-dir) BUILD_DIR=$2 ;;
    esac
}

settle_settings() {
    check_seconds --delay "$DELAY" 0 60
    check_int --count "$COUNT" 1 100000
    check_int --workers "$WORKERS" 1 1000
    check_int --big "$BIG" 0 100000
    check_int --cpu-count "$CPU_COUNT" 0 100000
    check_int --frontier "$FRONTIER" 0 10000
    COUNT=$((10#$COUNT)) WORKERS=$((10#$WORKERS)) BIG=$((10#$BIG)) CPU_COUNT=$((10#$CPU_COUNT))
    FRONTIER=$((10#$FRONTIER))
    check_models --models "${MODELS:-${MODELS_ALL// /,},hybrid}"
    DELAY_MS=$(to_ms "$DELAY")
    DELAY=$(awk -v ms="$DELAY_MS" 'BEGIN { print ms / 1000 }')
    [[ " $MODEL_LIST " == *" async "* ]] || BIG=0
    [[ " $MODEL_LIST " == *" async "* && " $MODEL_LIST " == *" hybrid "* ]] || CPU_COUNT=0
}

# The runs, one "model count workers" a line: each model at W, async also
# unlimited, hybrid unlimited (P loops), then the big unlimited async run.
plan_runs() {
    local m
    for m in $MODEL_LIST; do
        case $m in
        serial) echo "serial $COUNT 1" ;;
        async) echo "async $COUNT $WORKERS" && echo "async $COUNT 0" ;;
        hybrid) echo "hybrid $COUNT 0" ;;
        *) echo "$m $COUNT $WORKERS" ;;
        esac
    done
    ((BIG > 0)) && echo "async $BIG 0"
    return 0
}

# The big run needs a socket per request in the model and in the server
# (the model's driver asks for N + 64 open files). Say now, in one line,
# if the hard limit cannot give that, and leave the run out.
check_fd_limit() {
    local hard need=$((BIG + 64))
    ((BIG > 0)) || return 0
    hard=$(ulimit -Hn)
    [[ $hard == unlimited ]] && return 0
    if ((hard < need)); then
        warn "the open-file hard limit is $hard, async with $BIG requests at once needs about $need: skipping that run (raise ulimit -Hn, or use --big with at most $((hard - 64)))"
        BIG=0
    fi
}

# The CPU lesson measured: pages that each need CPU work make one thread
# CPU-bound; P loops on P cores are not. Async, then hybrid, on a server of
# their own (d = 0.5 s), one after the other in this run.
run_cpu_pair() {
    local m delay_s
    delay_s=$(awk -v ms="$CPU_DELAY_MS" 'BEGIN { print ms / 1000 }')
    say "CPU work: async, then hybrid P=$PROCS, N=$CPU_COUNT, W=0, d = $delay_s s, --work-us $CPU_WORK_US"
    server_start "$CPU_DELAY_MS" "$CPU_COUNT"
    RUN_ARGS=(--work-us "$CPU_WORK_US")
    for m in async hybrid; do
        run_model "$m" "$CPU_COUNT" 0 "$((CPU_DELAY_MS + 30000))" "$LIB_TMP/records.csv"
        record_run "$m" "$CPU_COUNT" 0 "$delay_s" "$RESULTS" "" ""
        ((RUN_RC == 0 || RUN_RC == 1)) || warn "$m (N=$CPU_COUNT, --work-us $CPU_WORK_US) failed (exit $RUN_RC): ${RUN_ERR:-no output}"
        ((IS_TTY)) || say "  $m N=$CPU_COUNT --work-us $CPU_WORK_US: done"
    done
    RUN_ARGS=()
    server_stop
}

# The frontier crawl: runs of "model workers" on a server of its own with
# PAGES list pages of 10 details (d = 0.5 s for both kinds of page).
run_frontier() { # pages list_delay_ms model:workers...
    local pages=$1 list_delay=$2 m w run
    shift 2
    SERVER_ARGS=(--pages "$pages" --per-page 10 --list-delay-ms "$list_delay" --seed 4)
    PAGES=$pages
    server_start 500 "$((pages * 11))"
    for run in "$@"; do
        m=${run%%:*} w=${run#*:}
        run_model "$m" "$((pages * 11))" "$w" 30500 "$LIB_TMP/records.csv"
        record_run "$m" "$((pages * 11))" "$w" 0.5 "$RESULTS" "" ""
        ((RUN_RC == 0 || RUN_RC == 1)) || warn "$m (--pages $pages, W=$w) failed (exit $RUN_RC): ${RUN_ERR:-no output}"
        ((IS_TTY)) || say "  $m --pages $pages W=$w: done"
    done
    server_stop
    SERVER_ARGS=() PAGES=0
}

run_frontier_runs() {
    say "Frontier: $FRONTIER list pages of 10, d = 0.5 s; then 10 lists of 10 whose lists take 0.1-6 s"
    run_frontier "$FRONTIER" 500 async-frontier:0 threadpool-frontier:100
    run_frontier 10 100-6000 threadpool-frontier:10 threadpool-stages:10
}

main() {
    local m n w table bins=(delay-server)
    parse_flags "--peers" "--delay --count --workers --big --cpu-count --frontier --models --csv --build-dir" "$@"
    ((PEERS)) && [[ -n $MODEL_FLAGS ]] && die_usage "--peers takes no${MODEL_FLAGS}"
    settle_settings
    lib_init
    check_fd_limit
    if ((PEERS)); then
        # shellcheck source=bench/peers.sh
        . "$SUITE_ROOT/bench/peers.sh"
        peers_main
    fi
    for m in $MODEL_LIST; do bins+=("crawl-$m"); done
    ((FRONTIER > 0)) && bins+=(crawl-async-frontier crawl-threadpool-frontier crawl-threadpool-stages)
    ensure_built "${bins[@]}"
    RESULTS=$LIB_TMP/results.csv
    echo "$RESULTS_HEADER" >"$RESULTS"
    say "Benchmark: d = $DELAY s; runs: $(plan_runs | awk '{ printf "%s%s N=%s W=%s", (NR > 1 ? ", " : ""), $1, $2, $3 }')"
    server_start "$DELAY_MS" "$((BIG > COUNT ? BIG : COUNT))"
    while read -r m n w; do
        run_model "$m" "$n" "$w" "$((DELAY_MS + 30000))" "$LIB_TMP/records.csv"
        record_run "$m" "$n" "$w" "$DELAY" "$RESULTS" "" ""
        ((RUN_RC == 0 || RUN_RC == 1)) || warn "$m (N=$n, W=$w) failed (exit $RUN_RC): ${RUN_ERR:-no output}"
        ((IS_TTY)) || say "  $m N=$n W=$w: done"
    done < <(plan_runs)
    server_stop
    ((CPU_COUNT > 0)) && run_cpu_pair
    ((FRONTIER > 0)) && run_frontier_runs
    say ""
    table=$(awk -f "$TOOLS/svg_lib.awk" -f "$TOOLS/table.awk" -v style=text -v kind=bench \
        -v big="$BIG" "$RESULTS")
    say "$table"
    if [[ -n $CSV ]]; then
        cp "$RESULTS" "$CSV" || die "$EXIT_SETUP" "--csv: cannot write $CSV"
        say "Results: $CSV"
    fi
    # Exit 1 when any run misses its target (the table's last column).
    tail -n +3 <<<"$table" | grep -q ' NO' && exit "$EXIT_FAILED"
    exit "$EXIT_OK"
}

main "$@"
