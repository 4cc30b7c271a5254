# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/check.sh -- what the shell tests share: check NAME COMMAND... runs
# one assertion and counts it; on a failure it shows the last output of the
# command under test (the files named by $out and $err, which the caller
# sets before its first check): a grading's seed and lost points first,
# then the last lines. Sourced.
passed=0 failed=0 out=${out:-/dev/null} err=${err:-/dev/null}

check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        grep -E -A 2 '^seed:|^ *FAIL ' "$out" | head -n 30 | sed 's/^/  stdout: /'
        sed 's/^/  stdout: /' "$out" | tail -n 5
        sed 's/^/  stderr: /' "$err" | tail -n 5
    fi
}

# A delay-server of the test's own on a free port (a new one replaces the
# last): sets $url and $srv_pid; needs $bin (the binaries) and $tmp.
server() { # ARGS...
    [[ -n ${srv_pid:-} ]] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
    "${bin:?}/delay-server" --port 0 --quiet "$@" >"${tmp:?}/srv" 2>"$tmp/srv.err" &
    srv_pid=$!
    url=""
    for _ in $(seq 50); do
        url=$(head -n 1 "$tmp/srv" 2>/dev/null)
        [[ $url == http://* ]] && return 0
        sleep 0.05
    done
    echo "delay-server did not start: $(cat "$tmp/srv.err")" >&2
    exit 1
}

# The closing line ctest's log shows, and the exit status.
check_summary() { # NAME
    echo "$1: $passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
