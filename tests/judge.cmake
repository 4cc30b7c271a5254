# SPDX-License-Identifier: MIT
# The grader's trusted parts (tests/grade.sh builds them in its own folder):
# grade-judge, and the shared driver + tests/judge/hooks.c as one static
# library per build flavour, which grade.sh links with a student's file
# inside a sandbox. Only in a build without SANITIZE: the flavours set
# their own sanitizer flags.
if(NOT SANITIZE)
  add_executable(grade-judge judge/judge.c judge/run.c judge/checks.c)
  target_link_libraries(grade-judge PRIVATE delay_plan)

  get_target_property(common_dir crawl_common SOURCE_DIR)
  get_target_property(common_srcs crawl_common SOURCES)
  list(TRANSFORM common_srcs PREPEND ${common_dir}/)
  set(graded_srcs ${common_srcs} ${common_dir}/driver.c ${CMAKE_CURRENT_LIST_DIR}/judge/hooks.c)
  set(graded_flags_plain "")
  set(graded_flags_asan -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  set(graded_flags_tsan -fsanitize=thread)
  foreach(flavor plain asan tsan)
    add_library(graded_${flavor} STATIC ${graded_srcs})
    target_include_directories(graded_${flavor} PRIVATE ${common_dir})
    target_compile_options(graded_${flavor} PRIVATE -O1 -g ${graded_flags_${flavor}})
    # The driver calls crawl_run through hooks.c (a second call, a child of
    # the caller's own), which calls the model's.
    target_compile_definitions(graded_${flavor} PRIVATE crawl_run=judged_crawl_run)
    set_target_properties(graded_${flavor} PROPERTIES ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/graded)
  endforeach()
endif()
