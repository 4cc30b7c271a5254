# SPDX-License-Identifier: MIT
# The frontier variants (models.conf rows whose run is frontier) against
# real delay-servers: every page fetched exactly once, no hang when a list
# page fails or links nothing, time between a hard lower bound and /ideal.
add_test(NAME frontier
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_frontier.sh $<TARGET_FILE_DIR:crawl-serial>)
set_tests_properties(frontier PROPERTIES TIMEOUT 300 LABELS frontier)
