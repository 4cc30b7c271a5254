# SPDX-License-Identifier: MIT
# The grader's trusted parts (tests/grade.sh builds them in its own folder):
# grade-judge, and the shared driver + tests/judge/hooks.c as one static
# library per build flavour, which grade.sh links with a student's file
# inside a sandbox. Only in a build without SANITIZE: the flavours set
# their own sanitizer flags.
if(NOT SANITIZE)
  add_executable(grade-judge judge/judge.c judge/run.c judge/checks.c)
  target_link_libraries(grade-judge PRIVATE delay_plan stats_client)

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

  # Each reference model built as a submission is (the plain driver, the
  # hooks' wraps, as tests/grade.sh links): the judge runs it on the same
  # jobs to judge a submission's CPU and wake-ups by ratio. Not built by
  # default: grade.sh asks for graded-ref-MODEL and hands it to the judge
  # (--reference); without it, the cpu check's absolute budget.
  set(graded_wraps pthread_create pthread_join pthread_detach fork curl_easy_init
      curl_easy_duphandle curl_easy_cleanup curl_easy_perform curl_multi_add_handle
      pthread_mutex_lock pthread_mutex_trylock sem_wait sem_trywait sem_timedwait)
  list(TRANSFORM graded_wraps PREPEND "LINKER:--wrap=")
  # A Gradescope bundle's tree has the student's skeleton at MODEL/MODEL.c
  # and the reference in tests/judge/reference/ (tests/handout.sh).
  foreach(model serial threadpool multiprocess async hybrid)
    set(ref_source ${CMAKE_SOURCE_DIR}/${model}/${model}.c)
    if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/judge/reference/${model}.c)
      set(ref_source ${CMAKE_CURRENT_LIST_DIR}/judge/reference/${model}.c)
    endif()
    if(EXISTS ${ref_source})
      add_executable(graded-ref-${model} EXCLUDE_FROM_ALL ${ref_source})
      target_include_directories(graded-ref-${model} PRIVATE ${common_dir})
      target_compile_options(graded-ref-${model} PRIVATE -O1 -g)
      target_link_libraries(graded-ref-${model} PRIVATE graded_plain CURL::libcurl Threads::Threads m)
      target_link_options(graded-ref-${model} PRIVATE ${graded_wraps})
      set_target_properties(graded-ref-${model} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
    endif()
  endforeach()
endif()
