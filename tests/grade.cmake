# SPDX-License-Identifier: MIT
# The model contract, as the grader judges it: tests/grade.sh grades every
# reference model (grade-MODEL, full marks or fail) and, labelled slow, the
# grader's own test (grade-meta: every fixture in tests/fixtures/ loses
# exactly what it says). grade-build first builds the grader's trusted parts
# once, in a folder the gradings share. Only in a build without SANITIZE:
# the grader builds its own sanitizer flavours of the submission. Not in a
# handout that leaves the judge out (its code would show the model's means).
if(NOT SANITIZE AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/judge)
  set(grade_build ${CMAKE_BINARY_DIR}/grade-build)
  add_test(NAME grade-build
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/grade.sh --build-dir ${grade_build} --only empty,memory,race
            threadpool ${PROJECT_SOURCE_DIR}/threadpool/threadpool.c)
  set_tests_properties(grade-build PROPERTIES FIXTURES_SETUP grade_build TIMEOUT 600 LABELS grade)
  foreach(model IN LISTS CRAWL_GRADED_MODELS)
    add_test(NAME grade-${model}
      COMMAND ${CMAKE_CURRENT_LIST_DIR}/grade.sh --build-dir ${grade_build}
              ${model} ${PROJECT_SOURCE_DIR}/${CRAWL_SOURCE_${model}})
    set_tests_properties(grade-${model} PROPERTIES FIXTURES_REQUIRED grade_build TIMEOUT 300
                         LABELS grade)
  endforeach()
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/fixtures) # not in a student handout
    # The handout and the Gradescope bundle, end to end (a grader of their own).
    add_test(NAME grade-handout COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_handout.sh)
    set_tests_properties(grade-handout PROPERTIES TIMEOUT 600 LABELS grade)
    # The host out of the submission's reach: hostile names and text, the
    # build folder's owner, the folders' modes, what a file may call.
    add_test(NAME grade-host COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_grade_host.sh ${grade_build})
    set_tests_properties(grade-host PROPERTIES FIXTURES_REQUIRED grade_build TIMEOUT 600 LABELS grade)
    add_test(NAME grade-meta COMMAND ${CMAKE_CURRENT_LIST_DIR}/meta_grade.sh ${grade_build})
    set_tests_properties(grade-meta PROPERTIES FIXTURES_REQUIRED grade_build TIMEOUT 2400
                         LABELS "grade;slow;meta" RUN_SERIAL ON)
  endif()
endif()
