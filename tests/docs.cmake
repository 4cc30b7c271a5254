# SPDX-License-Identifier: MIT
# The documentation against the tree (tests/test_docs.sh): README.md at most
# 300 lines, every link in README.md and docs/*.md resolves (anchors too),
# every docs page is linked from the README, and every long option shown for
# a program is in that program's --help (this build's binaries, the tree's
# scripts). Fast, but it reads shell scripts' help: labelled docs.
add_test(NAME docs
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_docs.sh $<TARGET_FILE_DIR:delay-server>)
set_tests_properties(docs PROPERTIES TIMEOUT 60 LABELS docs)
