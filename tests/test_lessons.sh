#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_lessons.sh BIN_DIR -- the mechanics of the later lessons, exactly,
# against real delay-servers on free ports (short delays: 50-200 ms):
#   retries: under --fail-rate 0.3 --reset-rate 0.05 and --retries 6 every
#     model ends with every row OK, one row per id, and the attempts in its
#     --records are exactly what the server counted per id (/stats fetched);
#   the blocking trap: peak in flight 1, about N * d;
#   hybrid: peak in flight = min(P * W, N), and -p only for hybrid;
#   --work-us: CPU time at least N * work; NOPROXY: http_proxy is ignored;
#   the forked models report their children's PSS.
set -u
bin=${1:?usage: test_lessons.sh BIN_DIR}
tmp=$(mktemp -d)
out=$tmp/out err=$tmp/err rec=$tmp/records.csv
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

stat_of() { # key -> its value in /stats (a number, or a string unquoted)
    curl -s --noproxy '*' "$url/stats" | grep -oE "\"$1\":(\"[^\"]*\"|[0-9]+)" | cut -d: -f2- | tr -d '"'
}
reset_stats() { curl -s --noproxy '*' "$url/stats?reset=1" >/dev/null; }

run() { # MODEL ARGS... -> $rc, csv summary in $out, records in $rec
    "$bin/crawl-$1" --url "$url" --format csv --records "$rec" "${@:2}" >"$out" 2>"$err"
    rc=$?
}

col() { # NAME -> that column of the csv summary row
    awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c[name] }' "$out"
}

# "1-3:1,4:2" -> "1 1\n2 1\n3 1\n4 2" (the server's compact per-id counts)
expand_fetched() {
    tr ',' '\n' <<<"$1" | awk -F: '{ n = split($1, r, "-"); hi = n == 2 ? r[2] : r[1]
        for (i = r[1]; i <= hi; i++) print i, $2 }'
}
# Per id from --records: "id attempts", for rows that are OK (status 200, no error).
record_attempts() {
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["status"] == 200 && $c["error"] == "" { print $c["id"], $c["attempts"] }' "$rec" | sort -n
}

# The server counts every request it received per id; the client every
# attempt it made. They agree, except that libcurl itself re-sends a request
# once, silently, when a reused keep-alive connection is reset before any
# answer (it cannot know the server saw it): then the server counts one more.
attempts_match() { # fetched
    awk 'NR == FNR { server[$1] = $2; next }
        { rows++; got = server[$1] + 0; if (got < $2 || got > $2 + 1) bad++; if (got == $2 + 1) resent++ }
        END { exit !(rows > 0 && bad == 0 && resent <= 2 && length(server) == rows) }' \
        <(expand_fetched "$1") <(record_attempts)
}

# ---- retries: no row lost or doubled, attempts counted exactly ----
server --delay-ms 50-200 --seed 11 --fail-rate 0.3 --reset-rate 0.05
for m in serial threadpool multiprocess async hybrid async-blocking; do
    reset_stats
    case $m in
    serial | async-blocking) n=12 ;; # one at a time: keep it short
    *) n=40 ;;
    esac
    extra=()
    [ $m = hybrid ] && extra=(-p 2)
    run $m -n $n -w 4 --retries 6 --timeout-ms 5000 "${extra[@]}"
    check "$m with faults and --retries 6 exits 0" [ $rc -eq 0 ]
    check "$m: $n ok, 0 failed" [ "$(col ok),$(col failed)" = "$n,0" ]
    check "$m: one OK row per id, none lost or doubled" \
        [ "$(record_attempts | awk '{ print $1 }' | tr '\n' ' ')" = "$(seq -s ' ' 1 $n) " ]
    check "$m: some requests needed a retry" [ "$(col attempts)" -gt $n ]
    check "$m: attempts per id match the server's count per id" \
        attempts_match "$(stat_of fetched)"
done

# Without retries the same faults are failures, counted once each.
reset_stats
run threadpool -n 40 -w 8 --timeout-ms 5000
check "no --retries: faults fail their rows (exit 1)" [ $rc -eq 1 ]
check "no --retries: one attempt per row" [ "$(col attempts)" -eq 40 ]

# A stall never answers: the client's timeout fires and the retry succeeds.
server --delay-ms 50 --seed 3 --stall-rate 0.3
for m in threadpool async; do
    reset_stats
    run $m -n 16 -w 8 --retries 8 --timeout-ms 300
    check "$m: stalls time out and are retried (exit 0)" [ $rc -eq 0 ]
    check "$m: stalled attempts counted" [ "$(col attempts)" -gt 16 ]
done

# A wrong page is not retried: the same answer would come back.
server --delay-ms 50 --wrong-ids 3
run async -n 5 -w 0 --retries 5
check "a wrong page fails after one attempt" grep -q '^3,.*,1,wrong page' "$rec"

# ---- the blocking trap: serial in disguise ----
server --delay-ms 100
reset_stats
t0=$(date +%s%N)
run async-blocking -n 6 -w 0
t1=$(date +%s%N)
check "trap: all ok" [ $rc -eq 0 ]
check "trap: peak in flight 1" [ "$(stat_of peak_in_flight)" = 1 ]
check "trap: at least N * d (0.6 s)" [ $(((t1 - t0) / 1000000)) -ge 600 ]
check "trap: within a loaded machine's bound of N * d (< 6 s)" [ $(((t1 - t0) / 1000000)) -lt 6000 ]
reset_stats
run async -n 6 -w 0
check "the real async model: all 6 in flight" [ "$(stat_of peak_in_flight)" = 6 ]

# ---- hybrid: P loops of at most W each ----
for case in "2 3 20 6" "3 2 4 4" "2 0 10 10" "1 5 12 5"; do
    read -r p w n want <<<"$case"
    reset_stats
    run hybrid -p "$p" -w "$w" -n "$n"
    check "hybrid -p $p -w $w -n $n: all ok" [ $rc -eq 0 ]
    check "hybrid -p $p -w $w -n $n: peak in flight $want = min(P*W, N)" \
        [ "$(stat_of peak_in_flight)" = "$want" ]
    check "hybrid -p $p -w $w -n $n: $p children reported" [ "$(col children)" = "$((p < n ? p : n))" ]
done
run threadpool -p 2 -n 1
check "-p is refused by the other models (exit 2)" [ $rc -eq 2 ]
check "-p refusal names hybrid" grep -q "hybrid model's option" "$err"

# ---- --work-us: real CPU time per page ----
server --delay-ms 0
for m in serial threadpool hybrid; do
    run $m -n 20 -w 2 --work-us 20000
    check "$m --work-us 20000 x 20: cpu >= 0.4 s" \
        awk -v c="$(col cpu_s)" 'BEGIN { exit !(c >= 0.4) }'
done
run async -n 20 --work-us 0
check "no work: async uses little CPU (< 0.4 s)" awk -v c="$(col cpu_s)" 'BEGIN { exit !(c < 0.4) }'

# ---- NOPROXY: a proxy in the environment is not used for the server ----
for m in threadpool async hybrid; do
    http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 all_proxy=http://127.0.0.1:9 \
        "$bin/crawl-$m" --url "$url" -n 5 -w 2 --format csv >"$out" 2>"$err"
    check "$m ignores http_proxy=127.0.0.1:9" [ $? -eq 0 ]
done
"$bin/crawl-async" --url "$url" -n 2 --proxy http://127.0.0.1:9 --timeout-ms 2000 >"$out" 2>"$err"
check "--proxy is used when given (a dead proxy fails)" [ $? -eq 1 ]

# ---- memory: the forked models report their children's PSS ----
for m in multiprocess hybrid; do
    extra=()
    [ $m = hybrid ] && extra=(-p 2)
    run $m -n 8 -w 4 "${extra[@]}"
    check "$m: children's PSS reported" [ "$(col children_pss_kb)" -gt 0 ]
    check "$m: PSS per child below its RSS peak" \
        [ "$(($(col children_pss_kb) / $(col children)))" -lt "$(col child_max_rss_kb)" ]
done
run threadpool -n 4
check "threadpool: no children" [ "$(col children)" = 0 ]

check_summary lessons
