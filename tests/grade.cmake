# SPDX-License-Identifier: MIT
# The grader (tests/grade.sh) configures its own build folders with
# -DGRADE_SUBMISSION=FILE.c: grade-contract is then the contract linked with
# that file, grade-crawl the file with the shared driver (what the student
# runs). The meta-test grades the fixtures (tests/fixtures/) and the four
# models with it; it builds its own sanitizer variants, so it is registered
# in the plain build only, labelled slow.
set(GRADE_SUBMISSION "" CACHE FILEPATH "model file the grader links with the contract")
if(GRADE_SUBMISSION)
  contract_link(grade-contract ${GRADE_SUBMISSION})
  add_executable(grade-crawl ${GRADE_SUBMISSION})
  target_link_libraries(grade-crawl PRIVATE crawl_driver)
endif()

if(NOT SANITIZE)
  add_test(NAME grade-meta
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/meta_grade.sh ${CMAKE_BINARY_DIR}/grade-meta)
  set_tests_properties(grade-meta PROPERTIES TIMEOUT 900 LABELS slow)
endif()
