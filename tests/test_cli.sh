#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cli.sh BIN_DIR -- the four model binaries follow the command-line
# conventions: --help and --version on stdout with exit 0; a bad value is
# one line on stderr, nothing on stdout, exit 2; a dead server is exit 1.
set -u
bin=${1:?usage: test_cli.sh BIN_DIR}
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# shellcheck source=tests/check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

run() { # run MODEL ARGS... -> sets $rc, output in $out/$err
    "$bin/crawl-$1" "${@:2}" >"$out" 2>"$err"
    rc=$?
}

lines() { wc -l <"$1"; }

# A port nobody listens on: bind to 0, read the port, let it go.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 9; }

for m in serial threadpool multiprocess async hybrid async-blocking; do
    run $m --help
    check "$m --help" [ $rc -eq 0 -a -s "$out" -a ! -s "$err" ]
    check "$m --help mentions --workers" grep -q -- --workers "$out"
    run $m --version
    check "$m --version" [ $rc -eq 0 -a "$(lines "$out")" -eq 1 -a ! -s "$err" ]
    "$bin/crawl-$m" --version >/dev/full 2>"$err"
    check "$m --version to a full disk exits 1" [ $? -eq 1 -a "$(lines "$err")" -eq 1 ]
    for bad in "-n -5" "-n ten" "--timeout-ms 0" "--format xml" "--no-such-flag" "--url" "-w -1"; do
        # shellcheck disable=SC2086 # the words are the arguments
        run $m $bad
        check "$m $bad exits 2" [ $rc -eq 2 ]
        check "$m $bad: one line on stderr" [ "$(lines "$err")" -eq 1 -a ! -s "$out" ]
        check "$m $bad: says see --help or a range" grep -Eq -- '--|see --help' "$err"
    done
    run $m --url "http://127.0.0.1:$(free_port)" -n 3 -w 2 --timeout-ms 2000 --format csv
    check "$m against nothing listening exits 1" [ $rc -eq 1 ]
    check "$m still prints its csv row" grep -Eq "^$m,3,[0-9]+,0,3," "$out"
    run $m -n 0 --url http://127.0.0.1:9 --format csv
    check "$m with no requests exits 0" [ $rc -eq 0 ]
done
check_summary test_cli
