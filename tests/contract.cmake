# SPDX-License-Identifier: MIT
# The model contract: contract.c linked with exactly one model file, once per
# model (contract-serial, ...). ld --wrap routes the model's thread, fork and
# easy-handle calls through counters (contract_child.c); the grader
# (grade.cmake) links a student's file the same way with contract_link().
set(CONTRACT_WRAPS pthread_create pthread_join pthread_detach fork
    curl_easy_init curl_easy_duphandle curl_easy_cleanup)

add_library(contract_main OBJECT
  ${CMAKE_CURRENT_LIST_DIR}/contract.c ${CMAKE_CURRENT_LIST_DIR}/contract_child.c)
target_link_libraries(contract_main PUBLIC crawl_common server_fixture PkgConfig::CMOCKA)

# An executable `target` running the contract against one model source.
function(contract_link target source)
  add_executable(${target} ${source})
  target_link_libraries(${target} PRIVATE contract_main)
  foreach(sym IN LISTS CONTRACT_WRAPS)
    target_link_options(${target} PRIVATE "LINKER:--wrap=${sym}")
  endforeach()
endfunction()

foreach(model serial threadpool multiprocess async)
  contract_link(contract-${model} ${PROJECT_SOURCE_DIR}/${model}/${model}.c)
  add_test(NAME contract-${model} COMMAND contract-${model})
  set_tests_properties(contract-${model} PROPERTIES TIMEOUT 180 LABELS contract)
endforeach()
