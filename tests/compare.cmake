# SPDX-License-Identifier: MIT
# compare.sh end to end on this build's binaries (no rebuild): flags, files,
# table, terminal output and cleanup. Labelled slow: it tests a shell
# script, so the sanitizer builds have nothing to add and skip it.
add_test(NAME compare
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_compare.sh $<TARGET_FILE_DIR:crawl-serial>)
set_tests_properties(compare PROPERTIES TIMEOUT 120 LABELS slow)
