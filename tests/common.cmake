# SPDX-License-Identifier: MIT
# The shared module: unit tests, and the model binaries' command line.
add_executable(test_common test_common.c)
target_link_libraries(test_common PRIVATE crawl_common PkgConfig::CMOCKA)
add_test(NAME common COMMAND test_common)

add_test(NAME cli COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh $<TARGET_FILE_DIR:crawl-serial>)
set_tests_properties(common cli PROPERTIES TIMEOUT 60)

add_executable(test_fetch test_fetch.c)
target_link_libraries(test_fetch PRIVATE crawl_common server_fixture PkgConfig::CMOCKA)
add_test(NAME fetch COMMAND test_fetch)
set_tests_properties(fetch PROPERTIES TIMEOUT 60)

# The later lessons' mechanics: retries under faults in every model, the
# blocking trap's peak of 1, hybrid's peak and limit, --work-us, NOPROXY, PSS.
add_test(NAME lessons COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_lessons.sh $<TARGET_FILE_DIR:crawl-serial>)
set_tests_properties(lessons PROPERTIES TIMEOUT 120)
