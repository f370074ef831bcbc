# sfb run / compare / report with a Google Benchmark program other than bench_sendfile.
# Arguments: -DSFB=<sfb> -DBENCH=<program> -DWORK=<scratch folder>.
cmake_minimum_required(VERSION 3.25)
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

set(run_args run --bench "${BENCH}" --repetitions 5 --warmup 0 --results-dir results
    -- --benchmark_min_time=0.01)
sfb_expect("0" "${SFB}" ${run_args})
if(NOT last_out MATCHES "BM_SortVector/1024")
    message(FATAL_ERROR "summary lacks the benchmark names:\n${last_out}")
endif()
if(NOT last_err MATCHES "\\[15/15")
    message(FATAL_ERROR "progress did not count 3 benchmarks x 5 rounds:\n${last_err}")
endif()
sfb_expect("0" "${SFB}" ${run_args})

file(GLOB_RECURSE stored RELATIVE "${WORK}" "${WORK}/results/*.json")
list(LENGTH stored count)
if(NOT count EQUAL 2)
    message(FATAL_ERROR "expected 2 stored results, found: ${stored}")
endif()
list(GET stored 0 first)
list(GET stored 1 second)

# Two runs of the same program: the verdict may go either way on a busy machine, but the
# input must be accepted (exit 0 or 1, never 2).
sfb_expect("0;1" "${SFB}" compare --format json "${first}" "${second}")
string(JSON n LENGTH "${last_out}" benchmarks)
if(NOT n EQUAL 3)
    message(FATAL_ERROR "expected 3 compared benchmarks:\n${last_out}")
endif()
string(JSON reps GET "${last_out}" benchmarks 0 metrics real_time base_repetitions)
if(NOT reps EQUAL 5)
    message(FATAL_ERROR "expected 5 repetitions per side:\n${last_out}")
endif()
# A result compared with itself never regresses.
sfb_expect("0" "${SFB}" compare "${first}" "${first}")
sfb_expect("0" "${SFB}" report results)
