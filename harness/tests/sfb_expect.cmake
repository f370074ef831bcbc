# Shared by the script tests (end_to_end_test.cmake, foreign_program_test.cmake): empties the
# scratch folder ${WORK} and defines sfb_expect(EXPECTED_CODES COMMAND...), which runs COMMAND
# in ${WORK}, fails the test unless it exits with one of EXPECTED_CODES (a list), and leaves
# what it wrote in last_out and last_err.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(sfb_expect expected_codes)
    execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${WORK}"
        RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT code IN_LIST expected_codes)
        message(FATAL_ERROR "${ARGN}\nexited with ${code}, expected ${expected_codes}\n"
                            "stdout:\n${out}\nstderr:\n${err}")
    endif()
    set(last_out "${out}" PARENT_SCOPE)
    set(last_err "${err}" PARENT_SCOPE)
endfunction()
