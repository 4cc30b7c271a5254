# SPDX-License-Identifier: MIT
# The grader's trusted parts (tests/grade.sh builds them in its own folder):
# grade-judge, and the shared driver + tests/judge/hooks.c + judged.c (the
# program's end of the judge's channel) as one static library per build
# flavour, which grade.sh links with a student's file inside a sandbox.
# Only graded builds have judged.c: the classroom's crawl-MODEL binaries
# know nothing of the judge. Only in a build without SANITIZE: the
# flavours set their own sanitizer flags.
if(NOT SANITIZE)
  get_target_property(common_dir crawl_common SOURCE_DIR)
  get_target_property(common_srcs crawl_common SOURCES)
  list(TRANSFORM common_srcs PREPEND ${common_dir}/)
  set(judge_dir ${CMAKE_CURRENT_LIST_DIR}/judge)

  # Each flavour's compiler flags, and the calls hooks.c stands in for (every
  # __wrap_NAME it defines): named here once; the judge hands both to
  # grade.sh (grade-judge --list), which compiles and links a submission so.
  set(graded_flags_plain "")
  set(graded_flags_asan -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  set(graded_flags_tsan -fsanitize=thread)
  file(STRINGS ${judge_dir}/hooks.c wrap_lines REGEX "^[a-zA-Z][^(]*[ *]__wrap_[a-z_]+\\(")
  set(graded_wraps "")
  foreach(line IN LISTS wrap_lines)
    string(REGEX MATCH "__wrap_[a-z_]+" wrap "${line}")
    string(REPLACE "__wrap_" "" wrap "${wrap}")
    list(APPEND graded_wraps ${wrap})
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${judge_dir}/hooks.c)

  add_executable(grade-judge
    judge/judge.c judge/registry.c judge/jobs.c judge/job.c judge/sandbox.c judge/observer.c
    judge/server.c judge/channel_reader.c judge/checks.c judge/schedule.c judge/hygiene.c
    judge/frontier.c judge/util.c)
  target_link_libraries(grade-judge PRIVATE delay_plan stats_client Threads::Threads)
  # Jobs at once (--lanes); a thread pool's handout has no lanes.c (it shows
  # that model's mechanism), and its judge runs one job at a time.
  if(EXISTS ${judge_dir}/lanes.c)
    target_sources(grade-judge PRIVATE judge/lanes.c)
    target_compile_definitions(grade-judge PRIVATE JUDGE_LANES)
  endif()
  target_include_directories(grade-judge PRIVATE ${common_dir}) # crawl.h: the backoff policy
  list(JOIN graded_flags_plain " " flags_plain)
  list(JOIN graded_flags_asan " " flags_asan)
  list(JOIN graded_flags_tsan " " flags_tsan)
  list(JOIN graded_wraps " " wraps_words)
  target_compile_definitions(grade-judge PRIVATE
    GRADED_FLAGS_PLAIN="${flags_plain}" GRADED_FLAGS_ASAN="${flags_asan}"
    GRADED_FLAGS_TSAN="${flags_tsan}" GRADED_WRAPS="${wraps_words}")

  set(graded_srcs ${common_srcs} ${common_dir}/driver.c ${judge_dir}/hooks.c ${judge_dir}/judged.c)
  foreach(flavor plain asan tsan)
    add_library(graded_${flavor} STATIC ${graded_srcs})
    target_include_directories(graded_${flavor} PRIVATE ${common_dir} ${judge_dir})
    target_compile_options(graded_${flavor} PRIVATE -O1 -g ${graded_flags_${flavor}})
    # The driver calls crawl_run through hooks.c (the judge's looks before
    # and after it, a second call, a child of the caller's own), which calls
    # the model's.
    target_compile_definitions(graded_${flavor} PRIVATE crawl_run=judged_crawl_run)
    set_target_properties(graded_${flavor} PROPERTIES ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/graded)
  endforeach()

  # Each reference model built as a submission is (the plain driver, the
  # hooks' wraps, as tests/grade.sh links): the judge runs it on the same
  # jobs to judge a submission's CPU and wake-ups by ratio. Not built by
  # default: grade.sh asks for graded-ref-MODEL and hands it to the judge
  # (--reference); without it, the cpu check's absolute budget.
  set(wrap_options ${graded_wraps})
  list(TRANSFORM wrap_options PREPEND "LINKER:--wrap=")
  foreach(model IN LISTS CRAWL_GRADED_MODELS)
    # its models.conf row's source; in a Gradescope bundle (whose model file
    # is the skeleton) the reference handout.sh put beside the judge
    set(ref_src ${CMAKE_SOURCE_DIR}/${CRAWL_SOURCE_${model}})
    if(EXISTS ${judge_dir}/reference/${model}.c)
      set(ref_src ${judge_dir}/reference/${model}.c)
    endif()
    if(EXISTS ${ref_src})
      add_executable(graded-ref-${model} EXCLUDE_FROM_ALL ${ref_src})
      target_include_directories(graded-ref-${model} PRIVATE ${common_dir})
      target_compile_options(graded-ref-${model} PRIVATE -O1 -g)
      target_link_libraries(graded-ref-${model} PRIVATE graded_plain CURL::libcurl Threads::Threads m)
      target_link_options(graded-ref-${model} PRIVATE ${wrap_options})
      set_target_properties(graded-ref-${model} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
    endif()
  endforeach()
endif()
