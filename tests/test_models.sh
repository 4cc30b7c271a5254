#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_models.sh BIN_DIR -- the table of models (models.conf) and the tree
# agree: every file that defines a model has a row, every row's file exists
# and names the model its row does, every row's binary was built, and each
# consumer lists exactly the table's models (compare.sh --help, the charts'
# colours). Adding a model is its file plus one row: this test says which
# half is missing.
set -u -o pipefail

SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=test_models
FAILED=0 PASSED=0

fail() {
    printf 'FAIL: %s\n' "$*"
    FAILED=$((FAILED + 1))
}

pass() { PASSED=$((PASSED + 1)); }

# The name a model file gives itself: .name = "..." inside `const struct model MODEL`.
name_in_file() { # file
    awk '/^const struct model MODEL/ { on = 1 }
         on && match($0, /\.name = "[^"]*"/) { s = substr($0, RSTART + 9, RLENGTH - 10); print s; exit }' "$1"
}

check_rows_have_files() { # bin_dir
    local m source
    for m in $MODELS_KNOWN; do
        source=${MODEL_SOURCE[$m]}
        if [[ ! -f $SUITE_ROOT/$source ]]; then
            fail "models.conf names $source for $m, and there is no such file"
            continue
        fi
        if [[ $(name_in_file "$SUITE_ROOT/$source") != "$m" ]]; then
            fail "$source does not define MODEL with .name = \"$m\" (its row in models.conf)"
            continue
        fi
        if [[ ! -x $1/crawl-$m ]]; then
            fail "crawl-$m was not built (its row is in models.conf: CMakeLists.txt reads it)"
            continue
        fi
        pass
    done
}

check_files_have_rows() {
    local f name
    cd "$SUITE_ROOT" || exit 1
    for f in */*.c; do
        grep -q '^const struct model MODEL' "$f" || continue
        name=$(name_in_file "$f")
        if [[ -z ${MODEL_SOURCE[$name]+set} ]]; then
            fail "$f defines the model \"$name\", which has no row in models.conf"
        elif [[ ${MODEL_SOURCE[$name]} != "$f" ]]; then
            fail "$f defines \"$name\", whose row in models.conf names ${MODEL_SOURCE[$name]}"
        else
            pass
        fi
    done
}

# Every consumer lists the same models: compare.sh's --help, and a colour
# of its own for each model in the charts (not the grey of an unknown one).
check_consumers() {
    local m help colour
    help=$("$SUITE_ROOT/compare.sh" --help)
    for m in $MODELS_KNOWN; do
        [[ $help == *"$m"* ]] || fail "compare.sh --help does not list $m"
        colour=$(awk -f "$SUITE_ROOT/tools/svg_lib.awk" -f /dev/stdin -v m="$m" <<<'BEGIN { print model_color(m) }')
        [[ $colour == "${MODEL_COLOUR[$m]}" ]] || fail "the charts colour $m $colour, models.conf ${MODEL_COLOUR[$m]}"
        pass
    done
}

# A bad table is refused with one line naming the row.
check_bad_table() {
    local bad out
    bad=$(mktemp)
    printf 'serial serial/serial.c worker #cc79a7 35 sometimes default none\n' >"$bad"
    if out=$(MODELS_CONF=$bad "$SUITE_ROOT/compare.sh" --help 2>&1); then
        fail "compare.sh accepted a models.conf with a bad schedule"
    elif [[ $out != *"$bad:1: schedule is"* ]]; then
        fail "a bad models.conf row is not named: $out"
    else
        pass
    fi
    rm -f "$bad"
}

main() {
    local bin_dir=${1:?usage: test_models.sh BIN_DIR}
    # shellcheck source=tools/lib.sh
    . "$SUITE_ROOT/tools/lib.sh"
    check_rows_have_files "$bin_dir"
    check_files_have_rows
    check_consumers
    check_bad_table
    printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
    ((FAILED == 0))
}

main "$@"
