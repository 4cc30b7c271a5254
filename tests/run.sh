#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the suite and run every test (the README's test command).
# Extra CMake arguments come from $CMAKE_ARGS, e.g. CMAKE_ARGS=-DWERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086 # CMAKE_ARGS is a list of words
cmake -S . -B build ${CMAKE_ARGS:-} >/dev/null
cmake --build build -j "$(nproc)"
ctest --test-dir build -j 2 --output-on-failure
