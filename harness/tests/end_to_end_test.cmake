# A tiny `sfb run` + `sfb compare` on the built bench_sendfile, and an injected regression
# (bench_sendfile --sfb_inject_cpu_us=sendfile:USEC, through a wrapper used as the candidate
# of `sfb ab`) that must be reported as a regression of sendfile only.
# Arguments: -DSFB=<sfb> -DBENCH=<bench_sendfile> -DWORK=<scratch folder>.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/sfb_expect.cmake")

# Small and quick: two paths, one 1 MiB file, short measuring time.
set(bench_args --sfb_paths=read_send,sendfile --sfb_file_sizes=1048576
    --sfb_block_sizes=65536 --sfb_receiver=discard --benchmark_min_time=0.02)

sfb_expect("0" "${SFB}" run --bench "${BENCH}" --repetitions 7 --warmup 0.02
    --results-dir results -- ${bench_args})
if(NOT last_out MATCHES "sendfile" OR NOT last_out MATCHES "read_send")
    message(FATAL_ERROR "summary lacks the paths:\n${last_out}")
endif()
file(GLOB_RECURSE stored "${WORK}/results/*.json")
list(LENGTH stored count)
if(NOT count EQUAL 1)
    message(FATAL_ERROR "expected one stored result, found: ${stored}")
endif()
sfb_expect("0" "${SFB}" compare "${stored}" "${stored}")
sfb_expect("0" "${SFB}" report results)

# The injected slowdown: far above the threshold so the test cannot flake; the +10% measurement
# is in results/<machine>/NOTES.md (harness/README.md, "Quality bars, measured").
file(WRITE "${WORK}/slow_sendfile.sh"
    "#!/bin/sh\nexec \"${BENCH}\" --sfb_inject_cpu_us=sendfile:2000 \"$@\"\n")
file(CHMOD "${WORK}/slow_sendfile.sh" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
# 8 rounds: the fewest with which Mann-Whitney can reach ab's alpha 0.01 over this plan's
# 6 benchmarks x 3 default gate metrics (Holm), which ab checks before the first round.
sfb_expect("1" "${SFB}" ab --base "${BENCH}" --candidate "${WORK}/slow_sendfile.sh"
    --unpaired --rounds 8 --warmup 0.02 --format json -- ${bench_args})
string(JSON n LENGTH "${last_out}" benchmarks)
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
    string(JSON name GET "${last_out}" benchmarks ${i} name)
    string(JSON verdict GET "${last_out}" benchmarks ${i} verdict)
    if(name MATCHES "^sendfile/" AND NOT verdict STREQUAL "regression")
        message(FATAL_ERROR "${name}: ${verdict}, expected a regression\n${last_out}")
    endif()
    if(NOT name MATCHES "^sendfile/" AND verdict STREQUAL "regression")
        message(FATAL_ERROR "${name}: reported as a regression, only sendfile was slowed\n"
                            "${last_out}")
    endif()
endforeach()
