# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# tests/check.sh -- what the shell tests share: check NAME COMMAND... runs
# one assertion and counts it; on a failure it shows the last output of the
# command under test ($out and $err, set by the caller). Sourced.
passed=0 failed=0

check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL: $name"
        sed 's/^/  stdout: /' "$out" | tail -n 5
        sed 's/^/  stderr: /' "$err" | tail -n 5
    fi
}

# The closing line ctest's log shows, and the exit status.
check_summary() { # NAME
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
