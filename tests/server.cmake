# SPDX-License-Identifier: MIT
# delay-server's tests: the parser's, the plan's and the loop's units, and
# the server end to end.
# server_fixture is a library so other tests (the model contracts) can
# start a private server the same way.
add_library(server_fixture STATIC ${CMAKE_CURRENT_LIST_DIR}/server_fixture.c)
target_include_directories(server_fixture PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(server_fixture PRIVATE stats_client)
target_compile_definitions(server_fixture
  PUBLIC DELAY_SERVER_PATH="$<TARGET_FILE:delay-server>")
add_dependencies(server_fixture delay-server)

add_executable(test_http_parse ${CMAKE_CURRENT_LIST_DIR}/test_http_parse.c)
target_link_libraries(test_http_parse PRIVATE http_parse PkgConfig::CMOCKA)
add_test(NAME http_parse COMMAND test_http_parse)

add_executable(test_server ${CMAKE_CURRENT_LIST_DIR}/test_server.c)
target_link_libraries(test_server PRIVATE server_fixture delay_plan stats_client Threads::Threads
                      PkgConfig::CMOCKA)
add_test(NAME server COMMAND test_server)

# The pure delay_plan library the grader links: permutation, ideal times.
add_executable(test_delay_plan ${CMAKE_CURRENT_LIST_DIR}/test_delay_plan.c)
target_link_libraries(test_delay_plan PRIVATE delay_plan PkgConfig::CMOCKA)
add_test(NAME server_delay_plan COMMAND test_delay_plan)

# The event loop's timers: a wave fired in batches, fds served between.
add_executable(test_el ${CMAKE_CURRENT_LIST_DIR}/test_el.c)
target_link_libraries(test_el PRIVATE delay_server_core PkgConfig::CMOCKA)
add_test(NAME server_el COMMAND test_el)

set_tests_properties(http_parse server server_delay_plan server_el PROPERTIES TIMEOUT 60)
