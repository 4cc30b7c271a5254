#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_compare.sh BIN_DIR -- compare.sh end to end with a tiny delay, on an
# already built tree: its flags (good and bad), the files it writes, the
# table's rows, progress and colour on a terminal, and that no server or
# model process outlives it: after success, a failing model, SIGINT, SIGTERM.
set -u
bin=$(cd "${1:?usage: test_compare.sh BIN_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
compare=$root/compare.sh
models="serial threadpool multiprocess async"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout err=$tmp/stderr

# Every process compare.sh starts inherits this variable, so we find ours
# (and only ours: ctest runs other tests' servers beside us) in /proc.
tag=compare-test-$$-$RANDOM
export BUILD_DIR=${bin%/bin}

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

# compare.sh ARGS..., output in $out/$err, exit status in $rc.
run() {
    COMPARE_TEST_TAG=$tag "$compare" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
}

# Our processes still alive (none is the test itself: it has no tag).
leftovers() {
    grep -lsa "COMPARE_TEST_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null |
        while read -r f; do
            pid=${f#/proc/}
            pid=${pid%/environ}
            tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" && echo
        done | grep -v '^$'
}

no_leftovers() { # NAME
    local left
    left=$(leftovers)
    check "$1: no process left behind" [ -z "$left" ]
    [ -z "$left" ] || printf '  left: %s\n' "$left"
}

lines() { wc -l <"$1"; }
# One column of a CSV, by its header's name, for the rows whose model
# matches a regex: the columns move as the models learn to print more.
csv_column() { # file name model_regex
    awk -F, -v name="$2" -v m="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        !(name in c) { exit 1 } $c["model"] ~ m { print $c[name] }' "$1"
}
last_line_dir() { sed -n 's/^Output folder: //p' "$out" | tail -n 1; } # the last line names report.html

# --- a good run ---------------------------------------------------------------
run --delay 0.05 --count 40 --workers 4 --out "$tmp/run"
check "tiny run exits 0" [ "$rc" -eq 0 ]
check "last line names the folder" [ "$(last_line_dir)" = "$tmp/run" ]
check "nothing on stderr" [ ! -s "$err" ]
check "no escape codes off a terminal" [ "$(grep -c $'\033' "$out")" -eq 0 ]
check "no carriage returns off a terminal" [ "$(grep -c $'\r' "$out")" -eq 0 ]
for m in $models; do
    check "table row for $m" grep -Eq "^ +$m +[0-9a-z ]+ +[0-9.]+ s +[0-9.]+ s +[0-9.]+x .* 40/0\$" "$out"
    check "markdown row for $m" grep -q "^| $m | " "$tmp/run/table.md"
    check "timeline header for $m" grep -q "^$m: " "$out"
done
check "serial speed-up is 1.0x" grep -Eq "^ +serial .* 1\.0x" "$out"
check "the pools ran 4 at once (server's peak)" [ "$(csv_column "$tmp/run/results.csv" peak_in_flight 'pool|process' | sort -u)" = 4 ]
check "async ran all 40 at once" [ "$(csv_column "$tmp/run/results.csv" peak_in_flight '^async$')" = 40 ]

for f in wall.svg timelines.svg; do
    check "$f parses" xmllint --noout "$tmp/run/$f"
    for m in $models; do
        check "$f holds one $m series" [ "$(grep -c "<g class=\"series\" data-model=\"$m\"" "$tmp/run/$f")" -eq 1 ]
    done
done
for m in $models; do
    f=$tmp/run/timeline-$m.svg
    check "timeline-$m.svg parses" xmllint --noout "$f"
    check "timeline-$m.svg holds its series only" [ "$(grep -c '<g class="series"' "$f")" -eq 1 ] &&
        check "timeline-$m.svg: the series is $m's" grep -q "data-model=\"$m\"" "$f"
    check "timeline-$m.svg: a bar per request" [ "$(grep -c '<rect x=.*<title>request' "$f")" -eq 40 ]
done

csv=$tmp/run/requests.csv
check "requests.csv: header + one row per request" [ "$(lines "$csv")" -eq $((1 + 4 * 40)) ]
check "requests.csv: header" [ "$(head -n 1 "$csv")" = "model,workers,id,kind,worker,start_s,end_s,status,bytes,attempts,error" ]
for m in $models; do
    check "requests.csv: ids 1..40 once each for $m" \
        [ "$(csv_column "$csv" id "^$m\$" | sort -n | uniq | tr '\n' ' ')" = "$(seq -s ' ' 1 40) " ]
done
check "requests.csv: every request answered 200" [ "$(csv_column "$csv" status . | grep -cx 200)" -eq $((4 * 40)) ]
check "results.csv: a row per model" [ "$(lines "$tmp/run/results.csv")" -eq 5 ]
no_leftovers "after success"

# --- flags ------------------------------------------------------------------
run --help
check "--help exits 0 on stdout" [ "$rc" -eq 0 -a -s "$out" -a ! -s "$err" ]
check "--help names --seed-setting" grep -q -- --seed-setting "$out"
run --version
check "--version: one line, exit 0" [ "$rc" -eq 0 -a "$(lines "$out")" -eq 1 ]

bad_flags=("--bogus" "--delay" "--delay abc" "--delay -1" "--delay 61" "--delay 1e3"
    "--count 0" "--count 10001" "--count 5x" "--workers 0" "--workers 1001"
    "--async-workers -1" "--models serial,nope" "--models serial,serial" "--models ,"
    "--sweep --models serial" "--levels 1,,2" "--levels 0" "--timeout 0"
    "--out /proc/no-such-dir" "stray-word" "--sweep=yes")
for bad in "${bad_flags[@]}"; do
    # shellcheck disable=SC2086 # the words are the arguments
    run $bad
    check "\"$bad\" exits 2" [ "$rc" -eq 2 ]
    check "\"$bad\": one line on stderr, nothing on stdout" [ "$(lines "$err")" -eq 1 -a ! -s "$out" ]
done
no_leftovers "after bad flags"

# --- a model that fails -----------------------------------------------------
# Every request times out: a real failure, reported, exit 1.
run --delay 0.3 --timeout 0.02 --count 3 --models serial,async --out "$tmp/timeout"
check "requests that time out: exit 1" [ "$rc" -eq 1 ]
check "requests that time out: the table says 0/3" grep -Eq "^ +serial .* 0/3\$" "$out"
check "requests that time out: stderr says why" grep -q "serial: 3 of 3 requests failed" "$err"
check "requests that time out: folder still named" [ "$(last_line_dir)" = "$tmp/timeout" ]
no_leftovers "after failed requests"

# A model that crashes and leaves a stray worker behind.
fake=$tmp/fake/bin
mkdir -p "$fake"
for b in delay-server crawl-serial crawl-multiprocess crawl-async; do ln -s "$bin/$b" "$fake/$b"; done
cat >"$fake/crawl-threadpool" <<'EOF'
#!/usr/bin/env bash
sleep 300 &
echo "crawl-threadpool: simulated crash" >&2
exit 3
EOF
chmod +x "$fake/crawl-threadpool"
BUILD_DIR=$tmp/fake run --delay 0.02 --count 8 --workers 2 --out "$tmp/crash"
check "a crashing model: exit 1" [ "$rc" -eq 1 ]
check "a crashing model: the table says so" grep -Eq "^ +threadpool .*crashed \(exit 3\)" "$out"
check "a crashing model: the others still ran" grep -Eq "^ +async .* 8/0\$" "$out"
check "a crashing model: its error on stderr" grep -q "threadpool.*simulated crash" "$err"
check "a crashing model: wall.svg still parses" xmllint --noout "$tmp/crash/wall.svg"
no_leftovers "after a crashing model"

# A server that cannot start: a setup failure, one line, exit 3.
rm "$fake/delay-server"
printf '#!/bin/sh\necho "delay-server: cannot bind" >&2\nexit 1\n' >"$fake/delay-server"
chmod +x "$fake/delay-server"
BUILD_DIR=$tmp/fake run --delay 0.02 --count 2 --out "$tmp/noserver"
check "a server that does not start: exit 3" [ "$rc" -eq 3 ]
check "a server that does not start: one line naming it" [ "$(lines "$err")" -eq 1 ] &&
    check "a server that does not start: says why" grep -q "cannot bind" "$err"
no_leftovers "after a server that did not start"

# --- signals mid-run --------------------------------------------------------
# Job control on, so the background compare.sh does not ignore SIGINT.
set -m
for sig in INT TERM; do
    COMPARE_TEST_TAG=$tag "$compare" --delay 0.3 --count 30 --models serial,threadpool \
        --out "$tmp/sig$sig" >"$out" 2>"$err" </dev/null &
    pid=$!
    for _ in $(seq 50); do # until a model is running
        leftovers | grep -q crawl-serial && break
        sleep 0.1
    done
    check "SIG$sig: server and model were up" [ "$(leftovers | grep -c -e delay-server -e crawl-serial)" -ge 2 ]
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    expect=$((128 + $(kill -l "$sig")))
    check "SIG$sig: exit $expect" [ "$rc" -eq "$expect" ]
    check "SIG$sig: says it was interrupted" grep -q "interrupted" "$err"
    no_leftovers "after SIG$sig"
done
set +m

# --- a terminal: progress and colour, NO_COLOR ------------------------------
# script(1) gives compare.sh a pseudo-terminal.
if command -v script >/dev/null; then
    tty_run() { # env-assignment...
        env "$@" COMPARE_TEST_TAG="$tag" TERM=xterm script -qec \
            "'$compare' --delay 0.2 --count 10 --models serial,async --out '$tmp/tty'" /dev/null >"$out" 2>&1 </dev/null
    }
    tty_run NO_COLOR=
    check "terminal: colour" grep -q $'\033\[' "$out"
    check "terminal: a live progress line" grep -Eq $'\r  serial +[^\r]* [0-9]+/10 requests' "$out"
    tty_run NO_COLOR=1
    check "NO_COLOR: no escape codes" [ "$(grep -c $'\033' "$out")" -eq 0 ]
    check "NO_COLOR: progress still shown" grep -q $'\r  serial' "$out"
    no_leftovers "after terminal runs"
else
    echo "SKIP: terminal checks (no script(1))"
fi

# --- the sweep ----------------------------------------------------------------
run --sweep --delay 0.02 --count 10 --levels 1,5,10 --out "$tmp/sweep"
check "sweep exits 0" [ "$rc" -eq 0 ]
check "sweep.svg parses" xmllint --noout "$tmp/sweep/sweep.svg"
for m in threadpool multiprocess async; do
    check "sweep.svg holds one $m series" [ "$(grep -c "<g class=\"series\" data-model=\"$m\"" "$tmp/sweep/sweep.svg")" -eq 1 ]
done
check "sweep.svg has the ideal curve" grep -q '<g class="ideal">' "$tmp/sweep/sweep.svg"
check "sweep.csv: 3 models x 3 levels" [ "$(lines "$tmp/sweep/sweep.csv")" -eq 10 ]
check "sweep table: a row per level" [ "$(grep -Ec '^ +(1|5|10) +[0-9.]+ s' "$out")" -eq 3 ]
no_leftovers "after the sweep"

check_summary test_compare
