# sfb run / compare / report with a Google Benchmark program other than bench_sendfile.
# Arguments: -DSFB=<sfb> -DBENCH=<program> -DWORK=<scratch folder>.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/sfb_expect.cmake")

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

# Repetitions passed through to the program: each round then holds two per benchmark; progress
# still counts each benchmark once per round, and the merged file numbers all four.
sfb_expect("0" "${SFB}" run --bench "${BENCH}" --repetitions 2 --warmup 0 --no-store
    --output merged.json -- --benchmark_min_time=0.01 --benchmark_repetitions=2)
if(NOT last_err MATCHES "\\[6/6," OR last_err MATCHES "\\[7/")
    message(FATAL_ERROR "progress should count 3 benchmarks x 2 rounds:\n${last_err}")
endif()
file(READ "${WORK}/merged.json" merged)
string(JSON reps GET "${merged}" benchmarks 0 repetitions)
string(JSON last_index GET "${merged}" benchmarks 3 repetition_index)
string(JSON aggregate GET "${merged}" benchmarks 4 aggregate_name)
if(NOT reps EQUAL 4 OR NOT last_index EQUAL 3 OR NOT aggregate STREQUAL "mean")
    message(FATAL_ERROR "merged repetitions are not numbered 0..3 with aggregates after:\n"
                        "${merged}")
endif()
file(GLOB_RECURSE stored_after RELATIVE "${WORK}" "${WORK}/results/*.json")
list(LENGTH stored_after count_after)
if(NOT count_after EQUAL 2)
    message(FATAL_ERROR "--no-store stored something: ${stored_after}")
endif()
