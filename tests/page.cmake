# SPDX-License-Identifier: MIT
# report.html and docs/models.html (tools/report_html, tools/side_by_side):
# `page` checks the files as written: docs/models.html is current, each
# model's column calls what the model is about (fork, waitpid, the curl
# multi loop...), the source is escaped; `page-browser` renders them in
# headless Chromium at 1280x720 (the checkboxes and models.html#a,b choose
# the columns, no code box under 70 characters across, the parts level by
# role) and keeps its screenshots in the build folder (page-shots/) to look
# at. Both run compare.sh, a shell script: labelled slow, so the sanitizer
# builds skip them.
add_test(NAME page
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_page.sh static $<TARGET_FILE_DIR:crawl-serial>)
add_test(NAME page-browser
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_page.sh browser $<TARGET_FILE_DIR:crawl-serial>
          ${CMAKE_BINARY_DIR}/page-shots)
set_tests_properties(page PROPERTIES TIMEOUT 120 LABELS slow)
# Exit 77: no chromium outside CI, reported as skipped.
set_tests_properties(page-browser PROPERTIES TIMEOUT 300 LABELS "browser;slow" SKIP_RETURN_CODE 77)
