#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/run.sh -- the README's test command: install what is missing (as
# root; otherwise it names the packages), build, run every test with ctest.
# Extra CMake arguments come from $CMAKE_ARGS, e.g. CMAKE_ARGS=-DWERROR=ON.
set -euo pipefail
PROG=tests/run.sh
SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/lib.sh
. "$SUITE_ROOT/tools/lib.sh"
lib_init
ensure_build_deps --tests
cd "$SUITE_ROOT"
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of words
cmake -S . -B build ${CMAKE_ARGS:-} >/dev/null
cmake --build build -j "$(nproc)"
ctest --test-dir build -j 2 --output-on-failure -LE meta # grade-meta: ctest -L meta (about 17 min; CI runs it)
