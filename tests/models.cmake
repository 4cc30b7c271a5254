# SPDX-License-Identifier: MIT
# The table of models (models.conf) and the tree agree.
add_test(NAME models COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test_models.sh $<TARGET_FILE_DIR:crawl-serial>)
