#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_frontier.sh BIN_DIR -- every frontier variant (models.conf rows whose
# run is frontier, and the stages form) against real delay-servers on free ports, with fixed
# delays (lists 200 ms, details 100 ms; 4 lists of 5 details):
#   each page fetched exactly once (the server's per-id and per-list counts),
#     one row per page with its kind, L + L*K rows all OK;
#   --chain from --pages 1: the lists are found one by one, all fetched;
#   --per-page 0: lists that link nothing end the crawl;
#   a failing list page: no hang, its row failed, its details never fetched;
#   a server that is not listening, a timeout: every row fails, quickly;
#   time: never under a bound no schedule can beat (the longest chain of
#     pages, and all the work over W), and within a generous bound of the
#     server's /ideal (loaded machines and sanitizer builds pass).
# A variant whose means is a loop also runs with -w 0 (no limit).
set -u -o pipefail
bin=${1:?usage: test_frontier.sh BIN_DIR}
SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
out=$tmp/out err=$tmp/err rec=$tmp/records.csv
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

LISTS=4 PER_PAGE=5 LIST_MS=200 DETAIL_MS=100
SHAPE=(--pages "$LISTS" --per-page "$PER_PAGE" --list-delay-ms "$LIST_MS" --delay-ms "$DETAIL_MS" --seed 3)

get() { curl -s --noproxy '*' --max-time 10 "$url$1"; }
stat_of() { # key -> its value in /stats (a number, or a string unquoted)
    get /stats | grep -oE "\"$1\":(\"[^\"]*\"|[0-9]+)" | cut -d: -f2- | tr -d '"'
}
ideal_of() { get "/ideal?frontier=1&w=$1$2" | grep -oE '[0-9.]+'; }

run() { # MODEL ARGS... -> $rc, csv summary in $out, records in $rec
    rm -f "$rec"
    get '/stats?reset=1' >/dev/null
    timeout 60 "$bin/crawl-$1" --url "$url" --format csv --records "$rec" "${@:2}" >"$out" 2>"$err"
    rc=$?
}

col() { # NAME -> that column of the csv summary row
    awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i } NR == 2 { print $c[name] }' "$out"
}

# --records as "kind id" per row, sorted; and the rows that failed.
rows() { awk -F, 'NR > 1 { print $2, $1 }' "$rec" | sort -k1,1 -k2n; }
failed_rows() { awk -F, 'NR > 1 && $9 != "" { print $2, $1 }' "$rec"; }
expect_rows() { # LISTS IDS... -> what rows() prints when exactly these pages were fetched
    { seq "$1" | sed 's/^/list /'; [ $# -gt 1 ] && printf 'detail %s\n' "${@:2}"; } | sort -k1,1 -k2n
}

# "1-3:1,4:0" -> "1 1\n2 1\n3 1\n4 0" (the server's compact per-id counts)
expand_fetched() {
    tr ',' '\n' <<<"$1" | awk -F: 'NF == 2 { n = split($1, r, "-"); hi = n == 2 ? r[2] : r[1]
        for (i = r[1]; i <= hi; i++) print i, $2 }'
}
list_ids() { # P -> the ids list page P links, from /plan (one per line)
    get "/plan?n=$((LISTS * PER_PAGE))&lists=1" | grep -oE '"lists":\[.*\]\]' |
        grep -oE '\[[0-9,]*\]' | sed -n "${1}p" | tr -d '[]' | tr ',' '\n'
}

between() { # LOW X HIGH -> LOW <= X <= HIGH (decimals)
    awk -v lo="$1" -v x="$2" -v hi="$3" 'BEGIN { exit !(x != "" && lo <= x && x <= hi) }'
}
# No schedule beats the longest chain of pages (CHAIN_S) nor all the work
# spread over W workers; /ideal is the greedy one, and the upper bound is
# generous with it: 2x plus 1.5 s.
check_time() { # WHAT W CHAIN_S IDEAL_S
    local lower upper
    lower=$(awk -v w="$2" -v c="$3" -v l=$LISTS -v k=$PER_PAGE -v lm=$LIST_MS -v dm=$DETAIL_MS \
        'BEGIN { work = w > 0 ? (l * lm + l * k * dm) / 1000 / w : 0; print (c > work ? c : work) }')
    upper=$(awk -v i="$4" 'BEGIN { print 2 * i + 1.5 }')
    check "$1: wall $(col wall_s) s within [$lower, $upper] (ideal $4 s)" between "$lower" "$(col wall_s)" "$upper"
}

# The frontier variants: name, schedule (frontier or stages) and means.
mapfile -t VARIANTS < <(awk '/^[a-z]/ && ($7 == "frontier" || $6 == "stages") { print $1, $6, $8 }' "$SUITE_ROOT/models.conf")
check "models.conf lists frontier variants" [ ${#VARIANTS[@]} -gt 0 ]
ALL_IDS=$(seq -s ' ' $((LISTS * PER_PAGE)))

workers_of() { # MEANS NAME -> the -w values to run
    case $2 in serial*) echo 1 ;; *) echo 3 ;; esac
    [[ $1 == *loop* ]] && echo 0
}
stages_of() { [ "$1" = stages ] && echo '&stages=1'; }

# ---- the whole crawl: every page once ----
server "${SHAPE[@]}"
for v in "${VARIANTS[@]}"; do
    read -r m schedule means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        run "$m" --pages $LISTS -w "$w"
        check "$m -w $w: exit 0" [ $rc -eq 0 ]
        check "$m -w $w: $((LISTS + LISTS * PER_PAGE)) ok, 0 failed" \
            [ "$(col ok),$(col failed)" = "$((LISTS + LISTS * PER_PAGE)),0" ]
        # shellcheck disable=SC2086 # the ids are words
        check "$m -w $w: one row per page, with its kind" [ "$(rows)" = "$(expect_rows $LISTS $ALL_IDS)" ]
        check "$m -w $w: every detail fetched once" [ "$(stat_of fetched)" = "1-$((LISTS * PER_PAGE)):1" ]
        check "$m -w $w: every list fetched once" [ "$(stat_of list_counts)" = "1-$LISTS:1" ]
        check_time "$m -w $w" "$w" 0.3 "$(ideal_of "$w" "$(stages_of "$schedule")")"
    done
done

# ---- --chain from list 1: the lists are found one by one ----
server "${SHAPE[@]}" --chain
for v in "${VARIANTS[@]}"; do
    read -r m schedule means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        run "$m" --pages 1 -w "$w"
        check "$m --chain -w $w: all $((LISTS + LISTS * PER_PAGE)) ok" \
            [ "$rc,$(col ok),$(col failed)" = "0,$((LISTS + LISTS * PER_PAGE)),0" ]
        check "$m --chain -w $w: every detail fetched once" [ "$(stat_of fetched)" = "1-$((LISTS * PER_PAGE)):1" ]
        check "$m --chain -w $w: every list fetched once" [ "$(stat_of list_counts)" = "1-$LISTS:1" ]
        check_time "$m --chain -w $w" "$w" 0.9 "$(ideal_of "$w" "$(stages_of "$schedule")")"
    done
done

# ---- lists that link nothing ----
server --pages $LISTS --per-page 0 --list-delay-ms $LIST_MS --seed 3
for v in "${VARIANTS[@]}"; do
    read -r m _ means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        run "$m" --pages $LISTS -w "$w"
        check "$m --per-page 0 -w $w: $LISTS list rows, all ok" [ "$rc,$(col ok),$(col failed)" = "0,$LISTS,0" ]
        check "$m --per-page 0 -w $w: only lists" [ "$(rows)" = "$(expect_rows $LISTS)" ]
        check "$m --per-page 0 -w $w: no detail fetched" [ "$(stat_of fetched)" = "" ]
    done
done

# ---- a failing list page: no hang, its details never found ----
server "${SHAPE[@]}" --list-fail-ids 3
lost=$(list_ids 3 | sort -n | tr '\n' ' ')
found=$(seq $((LISTS * PER_PAGE)) | grep -vxF -f <(list_ids 3) | tr '\n' ' ')
check "/plan names list 3's $PER_PAGE ids" [ "$(wc -w <<<"$lost")" -eq $PER_PAGE ]
for v in "${VARIANTS[@]}"; do
    read -r m _ means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        run "$m" --pages $LISTS -w "$w"
        check "$m list 3 fails -w $w: exit 1, one failed row" [ "$rc,$(col failed)" = "1,1" ]
        check "$m list 3 fails -w $w: the failed row is list 3" [ "$(failed_rows)" = "list 3" ]
        # shellcheck disable=SC2086 # the ids are words
        check "$m list 3 fails -w $w: the other pages, once each" [ "$(rows)" = "$(expect_rows $LISTS $found)" ]
        check "$m list 3 fails -w $w: list 3's details never fetched, the others once" \
            [ "$(expand_fetched "$(stat_of fetched)" | awk '$2 == 0 { print $1 }' | sort -n | tr '\n' ' ')" = "$lost" ]
        check "$m list 3 fails -w $w: no page fetched twice" \
            [ "$(expand_fetched "$(stat_of fetched)" | awk '$2 > 1' | wc -l)" -eq 0 ]
        check "$m list 3 fails -w $w: every list fetched once" [ "$(stat_of list_counts)" = "1-$LISTS:1" ]
    done
done

# ---- a timeout on every list page: all rows fail, no detail is found ----
server --pages $LISTS --per-page $PER_PAGE --list-delay-ms 2000 --delay-ms $DETAIL_MS --seed 3
for v in "${VARIANTS[@]}"; do
    read -r m _ means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        run "$m" --pages $LISTS -w "$w" --timeout-ms 300
        check "$m timeout -w $w: exit 1, $LISTS rows failed" [ "$rc,$(col ok),$(col failed)" = "1,0,$LISTS" ]
        check "$m timeout -w $w: the rows say it timed out" [ "$(grep -c 'timed out' "$rec")" -eq $LISTS ]
        waves=$(awk -v w="$w" -v l=$LISTS 'BEGIN { print w > 0 ? int((l + w - 1) / w) : 1 }')
        check "$m timeout -w $w: $waves timeouts of 0.3 s one after another, then over (< 3 s)" \
            between "$(awk -v n="$waves" 'BEGIN { print n * 0.28 }')" "$(col wall_s)" 3
    done
done

# ---- nobody listening: every row fails at once ----
kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
srv_pid=""
url="http://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9)"
for v in "${VARIANTS[@]}"; do
    read -r m _ means <<<"$v"
    for w in $(workers_of "$means" "$m"); do
        timeout 60 "$bin/crawl-$m" --url "$url" --format csv --pages $LISTS -w "$w" >"$out" 2>"$err"
        rc=$?
        check "$m not listening -w $w: exit 1, $LISTS rows failed" [ "$rc,$(col ok),$(col failed)" = "1,0,$LISTS" ]
        check "$m not listening -w $w: over at once (< 2 s)" between 0 "$(col wall_s)" 2
    done
done

check_summary frontier
