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

# The closing line ctest's log shows, and the exit status.
check_summary() { # NAME
    echo "$1: $passed passed, $failed failed"
    [[ $failed -eq 0 ]]
}
