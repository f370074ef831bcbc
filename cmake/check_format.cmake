# Fails when any C or C++ source of the project is not formatted per the committed .clang-format.
file(GLOB_RECURSE sources
    ${SOURCE_DIR}/common/*.h
    ${SOURCE_DIR}/core/*.c ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.h ${SOURCE_DIR}/core/*.hpp
    ${SOURCE_DIR}/benchmarks/*.cpp ${SOURCE_DIR}/benchmarks/*.h ${SOURCE_DIR}/benchmarks/*.hpp
    ${SOURCE_DIR}/harness/*.cpp ${SOURCE_DIR}/harness/*.h ${SOURCE_DIR}/harness/*.hpp
    ${SOURCE_DIR}/format/*.cpp ${SOURCE_DIR}/format/*.h
    ${SOURCE_DIR}/host/*.cpp ${SOURCE_DIR}/host/*.h
    ${SOURCE_DIR}/sink/*.cpp ${SOURCE_DIR}/sink/*.h)
list(LENGTH sources count)
if(count EQUAL 0)
    message(FATAL_ERROR "check_format: no sources found under ${SOURCE_DIR}")
endif()
execute_process(
    COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "check_format: files above are not in .clang-format style; run clang-format -i on them")
endif()
message(STATUS "check_format: ${count} files follow .clang-format")
