# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034
# bench/peers.sh -- `bench/run.sh --peers`: delay-server and crawl-async
# side by side with their peers, in one run, each peer only when installed.
#
#   servers: delay-server, nginx (one worker, echo_sleep for the delay) and
#            an aiohttp server (bench/aiohttp_server.py): requests/s at zero
#            delay (wrk), and the lateness of 5,000 concurrent delayed
#            requests (bench-lateness);
#   clients: crawl-async, a raw epoll client (bench-raw-client, the
#            single-thread floor) and an aiohttp client
#            (bench/aiohttp_client.py), N requests at once against
#            delay-server.
#
# Rounds are interleaved (every server once, then again), so a machine
# that gets busier for a while slows every peer alike. Figures are medians.
# Sourced by bench/run.sh after tools/lib.sh; peers_main is the entry.

PEER_ROUNDS=3        # rounds of every measurement; the median is reported
PEER_WRK_SECONDS=5   # each wrk run
PEER_WRK_CONNS=64    # wrk's keep-alive connections (one wrk thread)
PEER_LATE_CONNS=5000 # concurrent delayed requests for the lateness test
PEER_SERVERS=() PEER_CLIENTS=() PEER_SKIPPED=()
PEER_PY="" PEER_WRK=1 PEER_NGINX="" NGINX_ECHO=/usr/lib/nginx/modules/ngx_http_echo_module.so

# --- what is installed ------------------------------------------------------

# A Python that imports aiohttp: python3 on PATH, else Debian's own (a
# pyenv or venv python3 on PATH does not see python3-aiohttp).
find_aiohttp_python() {
    local py
    for py in python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null && "$py" -c 'import aiohttp' 2>/dev/null; then
            printf '%s' "$(command -v "$py")"
            return 0
        fi
    done
    return 1
}

# Which peers take part; the others are named once, with what is missing.
peers_detect() {
    PEER_SERVERS=(delay-server) PEER_CLIENTS=(crawl-async raw)
    PEER_NGINX=$(command -v nginx || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; })
    if [[ -z $PEER_NGINX ]]; then
        PEER_SKIPPED+=("nginx: skipped: nginx not installed (apt-get install nginx libnginx-mod-http-echo)")
    elif [[ ! -f $NGINX_ECHO ]]; then
        PEER_SKIPPED+=("nginx: skipped: libnginx-mod-http-echo not installed (its echo_sleep makes the delay)")
    else
        PEER_SERVERS+=(nginx)
    fi
    if PEER_PY=$(find_aiohttp_python); then
        PEER_SERVERS+=(aiohttp) PEER_CLIENTS+=(aiohttp)
    else
        PEER_SKIPPED+=("aiohttp server and client: skipped: python3-aiohttp not installed")
    fi
    if ! command -v wrk >/dev/null; then
        PEER_WRK=0
        PEER_SKIPPED+=("requests/s at zero delay: skipped: wrk not installed")
    fi
}

# --- results ----------------------------------------------------------------

# Every figure is a row: section,name,round,metric,value.
peer_record() { # section name round metric value
    printf '%s,%s,%s,%s,%s\n' "$@" >>"$PEER_CSV"
}

# The median of a figure over the rounds ("" when it was never measured).
peer_median() { # name metric
    awk -F, -v n="$1" -v m="$2" '$2 == n && $4 == m && $5 != "" { v[++k] = $5 }
        END {
            if (k == 0) exit
            for (i = 2; i <= k; i++)       # insertion sort: k is 3
                for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
                    t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
                }
            print (k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2)
        }' "$PEER_CSV"
}

# Every round's value of a figure, space-separated, for the table.
peer_values() { # name metric format
    awk -F, -v n="$1" -v m="$2" -v f="$3" '$2 == n && $4 == m && $5 != "" {
        printf "%s%s", (k++ ? " " : ""), sprintf(f, $5) }' "$PEER_CSV"
}

# The sum of a figure over the rounds (failures).
peer_sum() { # name metric
    awk -F, -v n="$1" -v m="$2" '$2 == n && $4 == m { s += $5 } END { print s + 0 }' "$PEER_CSV"
}

# One value from a "key=value key=value" line.
kv() { # key line
    [[ " $2 " =~ \ $1=([^ ]*)\  ]] && printf '%s' "${BASH_REMATCH[1]}"
}

# --- running things ---------------------------------------------------------

# Run a command in a session of its own (Ctrl-C reaches only us, and the
# EXIT trap stops it as MODEL_PID); its output goes to LIB_TMP/NAME.out and
# .err. Returns its exit status.
peer_exec() { # name command...
    local name=$1 rc
    shift
    setsid "$@" >"$LIB_TMP/$name.out" 2>"$LIB_TMP/$name.err" </dev/null &
    MODEL_PID=$!
    wait "$MODEL_PID"
    rc=$?
    MODEL_PID=""
    return "$rc"
}

# CHILD_CPU_S: CPU seconds (user + system) of the children this shell has
# reaped so far, from the `times` builtin; the difference around one wait
# is that child's CPU time. Call it directly, never in $( ): a subshell
# has no children of ours.
children_cpu_s() {
    times >"$LIB_TMP/times"
    CHILD_CPU_S=$(awk 'NR == 2 {
        s = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] }
        printf "%.3f", s }' "$LIB_TMP/times")
}

# Start a server that prints its URL as its first line (delay-server
# --port 0, the aiohttp script) in its own session, as SERVER_PID: the
# library's cleanup stops it on every exit path.
url_server_start() { # name command...
    local name=$1 i
    shift
    SERVER_URL="" SERVER_PORT=""
    # Empty it now: the child's redirection may come after our first read.
    : >"$LIB_TMP/$name.server.out"
    setsid "$@" >"$LIB_TMP/$name.server.out" 2>"$LIB_TMP/$name.server.err" </dev/null &
    SERVER_PID=$!
    for ((i = 0; i < 100; i++)); do
        IFS= read -r SERVER_URL 2>/dev/null <"$LIB_TMP/$name.server.out"
        [[ $SERVER_URL == http://127.0.0.1:* ]] && break
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [[ $SERVER_URL != http://127.0.0.1:* ]]; then
        die "$EXIT_SETUP" "$name did not start: $(head -n 1 "$LIB_TMP/$name.server.err" 2>/dev/null)"
    fi
    SERVER_PORT=${SERVER_URL##*:}
}

# nginx's configuration: one worker, no access log, everything in DIR. The
# zero-delay page is a `return`, the delayed one echo_sleep then echo.
nginx_conf() { # dir port delay_s nofile
    cat <<EOF
load_module $NGINX_ECHO;
worker_processes 1;
worker_rlimit_nofile $4;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections $4; }
http {
    access_log off;
    client_body_temp_path $1/body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
    server {
        listen 127.0.0.1:$2 backlog=65535;
        location /detail/ {
            default_type application/json;
            return 200 '{"id":1,"url":"/detail/1","delay_ms":0}\n';
        }
        location /sleep/ {
            default_type application/json;
            echo_sleep $3;
            echo '{"id":1,"url":"/sleep/1","delay_ms":$(to_ms "$3")}';
        }
    }
}
EOF
}

# nginx on a port that was free a moment ago; another process may take it
# first, so a failed bind is retried on a new port (5 tries).
nginx_start() {
    local dir=$LIB_TMP/nginx try i nofile
    nofile=$(ulimit -n)
    [[ $nofile == unlimited ]] && nofile=100000
    mkdir -p "$dir" || die "$EXIT_SETUP" "cannot make $dir"
    for ((try = 0; try < 5; try++)); do
        SERVER_PORT=$("$BIN_DIR/bench-free-port") || die "$EXIT_SETUP" "bench-free-port failed"
        SERVER_URL=http://127.0.0.1:$SERVER_PORT
        nginx_conf "$dir" "$SERVER_PORT" "$DELAY" "$nofile" >"$dir/nginx.conf"
        : >"$dir/error.log"
        setsid "$PEER_NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
            >"$dir/nginx.out" 2>&1 </dev/null &
        SERVER_PID=$!
        for ((i = 0; i < 100; i++)); do
            http_get /detail/1 >/dev/null && return 0
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.05
        done
        server_stop
        grep -q 'Address already in use' "$dir/error.log" "$dir/nginx.out" 2>/dev/null || break
    done
    die "$EXIT_SETUP" "nginx did not start: $(grep -h -m 1 -E 'emerg|alert|crit' "$dir/error.log" "$dir/nginx.out" 2>/dev/null | head -n 1)"
}

peer_server_start() { # name
    case $1 in
    delay-server)
        url_server_start "$1" "$BIN_DIR/delay-server" --port 0 --delay-ms 0 \
            --max-conns "$((PEER_LATE_CONNS + PEER_WRK_CONNS + 100))" --quiet
        ;;
    nginx) nginx_start ;;
    aiohttp) url_server_start "$1" "$PEER_PY" "$SUITE_ROOT/bench/aiohttp_server.py" --delay-ms 0 ;;
    esac
}

# The URL each server delays by d.
peer_slow_url() { # name
    case $1 in
    nginx) printf '%s/sleep/1' "$SERVER_URL" ;;
    *) printf '%s/detail/1?delay_ms=%s' "$SERVER_URL" "$DELAY_MS" ;;
    esac
}

# CPU ticks (user + system) of every process in a process group: the
# server and, for nginx, its worker.
group_cpu_ticks() { # pgid
    local pid line sum=0
    local -a f
    for pid in $(pgrep -g "$1"); do
        { read -r line <"/proc/$pid/stat"; } 2>/dev/null || continue
        read -r -a f <<<"${line##*) }" # from the state field on: utime is 12th
        sum=$((sum + f[11] + f[12]))
    done
    printf '%s' "$sum"
}

# --- the measurements -------------------------------------------------------

# wrk against the running server's zero-delay page; records requests/s,
# the server's CPU use in that time, and wrk's error count.
measure_rps() { # name round
    local t0 t1 c0 c1 out rps errs
    c0=$(group_cpu_ticks "$SERVER_PID") t0=$(now_us)
    peer_exec wrk wrk -t1 -c"$PEER_WRK_CONNS" -d"${PEER_WRK_SECONDS}s" "$SERVER_URL/detail/1"
    t1=$(now_us) c1=$(group_cpu_ticks "$SERVER_PID")
    out=$(<"$LIB_TMP/wrk.out")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    errs=$(awk '/Non-2xx or 3xx responses:/ { s += $NF }
        /Socket errors:/ { gsub(/[^0-9 ]/, " "); for (i = 1; i <= NF; i++) s += $i }
        END { print s + 0 }' <<<"$out")
    [[ -n $rps ]] || warn "$1: wrk printed no requests/s: $(head -n 1 "$LIB_TMP/wrk.err")"
    peer_record server "$1" "$2" rps "$rps"
    peer_record server "$1" "$2" cpu_pct "$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v us=$((t1 - t0)) \
        'BEGIN { printf "%.0f", 100 * c / hz / (us / 1e6) }')"
    peer_record server "$1" "$2" wrk_errors "$errs"
    # Requests per second of the server's own CPU: what each answer costs,
    # whoever (wrk, a busy machine) set the pace.
    peer_record server "$1" "$2" rps_per_cpu "$(awk -v r="${rps:-0}" -v c=$((c1 - c0)) -v hz="$CLK_TCK" \
        -v us=$((t1 - t0)) 'BEGIN { if (c > 0) printf "%.0f", r / (c / hz / (us / 1e6)) }')"
}

measure_lateness() { # name round
    local line
    peer_exec lateness "$BIN_DIR/bench-lateness" --url "$(peer_slow_url "$1")" \
        --delay-ms "$DELAY_MS" --connections "$PEER_LATE_CONNS"
    line=$(head -n 1 "$LIB_TMP/lateness.out")
    [[ -s $LIB_TMP/lateness.err ]] && warn "$1: $(head -n 1 "$LIB_TMP/lateness.err")"
    peer_record server "$1" "$2" p50_ms "$(kv p50_ms "$line")"
    peer_record server "$1" "$2" p99_ms "$(kv p99_ms "$line")"
    peer_record server "$1" "$2" max_ms "$(kv max_ms "$line")"
    peer_record server "$1" "$2" late_failed "$(kv failed "$line")"
}

run_servers() {
    local r s
    for ((r = 1; r <= PEER_ROUNDS; r++)); do
        for s in "${PEER_SERVERS[@]}"; do
            peer_server_start "$s"
            ((PEER_WRK)) && measure_rps "$s" "$r"
            measure_lateness "$s" "$r"
            server_stop
            say "  round $r/$PEER_ROUNDS: $s done"
        done
    done
}

# One client run of the big job against the running delay-server; records
# its own wall time (from its job's start to its last answer) and failures.
measure_client() { # name round
    local timeout_ms=$((DELAY_MS + 30000)) line ok failed wall cpu0
    children_cpu_s
    cpu0=$CHILD_CPU_S
    case $1 in
    crawl-async)
        peer_exec client "$BIN_DIR/crawl-async" --url "$SERVER_URL" -n "$BIG" -w 0 \
            --timeout-ms "$timeout_ms" --format csv
        run_fields "$LIB_TMP/client.out"
        ok=${RUN_FIELD[ok]:-} failed=${RUN_FIELD[failed]:-} wall=${RUN_FIELD[wall_s]:-}
        ;;
    raw)
        peer_exec client "$BIN_DIR/bench-raw-client" --url "$SERVER_URL" -n "$BIG" -w 0 \
            --timeout-ms "$timeout_ms"
        ;;
    aiohttp)
        peer_exec client "$PEER_PY" "$SUITE_ROOT/bench/aiohttp_client.py" --url "$SERVER_URL" \
            -n "$BIG" --timeout-ms "$timeout_ms"
        ;;
    esac
    children_cpu_s
    peer_record client "$1" "$2" cpu_s "$(awk -v a="$cpu0" -v b="$CHILD_CPU_S" 'BEGIN { printf "%.3f", b - a }')"
    if [[ $1 != crawl-async ]]; then
        line=$(head -n 1 "$LIB_TMP/client.out")
        ok=$(kv ok "$line") failed=$(kv failed "$line") wall=$(kv wall_s "$line")
    fi
    [[ -s $LIB_TMP/client.err ]] && warn "$1: $(grep -v '^$' "$LIB_TMP/client.err" | head -n 1)"
    [[ -n $wall ]] || failed=$BIG # it printed nothing: count every request lost
    peer_record client "$1" "$2" wall_s "$wall"
    peer_record client "$1" "$2" failed "${failed:-$BIG}"
}

# Each client run gets a delay-server of its own on a new port: the 10,000
# connections the last run closed wait in TIME_WAIT for a minute, and
# connecting to the same address again makes the kernel search past them
# (measured: the raw client 1.3 s -> 2.0 s), which would tax whoever runs next.
run_clients() {
    local r c
    for ((r = 1; r <= PEER_ROUNDS; r++)); do
        for c in "${PEER_CLIENTS[@]}"; do
            url_server_start delay-server "$BIN_DIR/delay-server" --port 0 \
                --delay-ms "$DELAY_MS" --max-conns "$((BIG + 100 > 10000 ? BIG + 100 : 10000))" --quiet
            measure_client "$c" "$r"
            server_stop
            say "  round $r/$PEER_ROUNDS: $c done"
        done
    done
}

# --- the report -------------------------------------------------------------

# VERDICT: "met" or "NOT met" for a ratio against a bound; "n/a" without
# a figure. A miss also sets PEER_MISSED (the exit status).
judge() { # value op bound
    VERDICT="n/a"
    [[ -n $1 ]] || return 0
    if awk -v v="$1" -v b="$3" -v op="$2" \
        'BEGIN { exit !(op == ">=" ? v + 0 >= b + 0 : v + 0 <= b + 0) }'; then
        VERDICT="met"
    else
        VERDICT="NOT met"
        PEER_MISSED=1
    fi
}

ratio() { # a b
    [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b }'
}

print_servers() {
    local s
    say ""
    say "$(bold "Servers") (one process each; medians of $PEER_ROUNDS rounds; every round's figure in brackets)"
    say "  requests/s: wrk -t1 -c$PEER_WRK_CONNS -d${PEER_WRK_SECONDS}s on a zero-delay page, keep-alive"
    say "  lateness: $PEER_LATE_CONNS requests sent at once on open connections, d = $DELAY s; answer - send - d"
    printf '  %-13s %10s %6s %11s %12s %12s %12s\n' server "req/s" "CPU" "req/CPU-s" \
        "p50 late" "p99 late" "max late"
    for s in "${PEER_SERVERS[@]}"; do
        printf '  %-13s %10s %5s%% %11s %9s ms %9s ms %9s ms   [%s] [%s]\n' "$s" \
            "$(printf '%.0f' "$(peer_median "$s" rps)")" "$(peer_median "$s" cpu_pct)" \
            "$(peer_median "$s" rps_per_cpu)" \
            "$(printf '%.1f' "$(peer_median "$s" p50_ms)")" "$(printf '%.1f' "$(peer_median "$s" p99_ms)")" \
            "$(printf '%.1f' "$(peer_median "$s" max_ms)")" \
            "$(peer_values "$s" rps '%.0f')" "$(peer_values "$s" p99_ms '%.1f')"
        (($(peer_sum "$s" wrk_errors) + $(peer_sum "$s" late_failed) > 0)) &&
            say "    $s: $(peer_sum "$s" wrk_errors) wrk errors, $(peer_sum "$s" late_failed) lateness requests failed"
    done
    say "  (CPU: the server's share of one core while wrk ran: near 100% means the server set the pace,"
    say "  lower means wrk or a busy machine did; req/CPU-s = requests per second of the server's CPU)"
}

print_clients() {
    local c
    say ""
    say "$(bold "Clients"): N = $BIG at once (W = 0), d = $DELAY s, against delay-server; each client's own"
    say "  wall time from its job's start to its last answer, and its CPU time; medians of $PEER_ROUNDS runs"
    printf '  %-13s %8s   %8s\n' client wall CPU
    for c in "${PEER_CLIENTS[@]}"; do
        printf '  %-13s %6s s   %6s s   [%s]%s\n' "$([[ $c == raw ]] && echo "raw epoll" || echo "$c")" \
            "$(printf '%.2f' "$(peer_median "$c" wall_s)")" "$(printf '%.2f' "$(peer_median "$c" cpu_s)")" \
            "$(peer_values "$c" wall_s '%.2f')" \
            "$( (($(peer_sum "$c" failed) > 0)) && printf '   %s requests failed' "$(peer_sum "$c" failed)")"
    done
}

# A target row: what, the ratio, the bound, the verdict.
target_row() { # what ratio op bound [note]
    judge "$2" "$3" "$4"
    printf '  %-40s %6s   target %s %-5s %s%s\n' "$1" "${2:-n/a}" "$3" "$4" "$VERDICT" "${5:+ ($5)}"
}

# A ratio with failed requests behind it is no result.
clean_ratio() { # a_name b_name metric failures_metric
    local failures=$(($(peer_sum "$1" "$4") + $(peer_sum "$2" "$4")))
    ((failures == 0)) && ratio "$(peer_median "$1" "$3")" "$(peer_median "$2" "$3")"
}

print_targets() {
    local has_nginx=0 has_aio=0
    [[ " ${PEER_SERVERS[*]} " == *" nginx "* ]] && has_nginx=1
    [[ " ${PEER_CLIENTS[*]} " == *" aiohttp "* ]] && has_aio=1
    PEER_MISSED=0
    say ""
    say "$(bold "Ratios and the targets of issue 10")"
    ((has_nginx && PEER_WRK)) &&
        target_row "delay-server / nginx, requests/s" "$(clean_ratio delay-server nginx rps wrk_errors)" ">=" 0.95
    ((has_nginx)) &&
        target_row "delay-server / nginx, p99 lateness" "$(clean_ratio delay-server nginx p99_ms late_failed)" "<=" 1.00 \
            "no worse than nginx"
    if ((BIG > 0)); then
        target_row "crawl-async / raw epoll floor, wall" "$(clean_ratio crawl-async raw wall_s failed)" "<=" 1.15
        ((has_aio)) &&
            target_row "aiohttp / crawl-async, wall" "$(clean_ratio aiohttp crawl-async wall_s failed)" ">=" 3.5 \
                "issue: about 3.5x, must stay so"
    fi
    local line
    for line in "${PEER_SKIPPED[@]}"; do say "  $line"; done
}

# --- entry ------------------------------------------------------------------

peers_main() {
    local bins=(delay-server bench-lateness bench-free-port)
    ((BIG > 0)) && bins+=(crawl-async bench-raw-client)
    peers_detect
    ensure_built "${bins[@]}"
    CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
    PEER_CSV=$LIB_TMP/peers.csv
    echo "section,name,round,metric,value" >"$PEER_CSV"
    say "Peers: servers ${PEER_SERVERS[*]}; clients ${PEER_CLIENTS[*]}; d = $DELAY s; $PEER_ROUNDS rounds"
    say "  $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    run_servers
    ((BIG > 0)) && run_clients
    say "  load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every figure)"
    print_servers
    ((BIG > 0)) && print_clients
    print_targets
    if [[ -n $CSV ]]; then
        cp "$PEER_CSV" "$CSV" || die "$EXIT_SETUP" "--csv: cannot write $CSV"
        say "Results: $CSV"
    fi
    ((PEER_MISSED)) && exit "$EXIT_FAILED"
    exit "$EXIT_OK"
}
