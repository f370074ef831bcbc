#!/bin/sh
# A stand-in Google Benchmark program for the fault tests (sfb_faults_test.sh). It lists one
# benchmark, BM_fake, and writes one repetition of it to --benchmark_out. FAKE_MODE:
#   ok (default)   exit 0
#   fail_exit      the benchmark failed (error_occurred) and the program exits 1
#   fail_entry     the benchmark failed (error_occurred) but the program exits 0
#   remove:DIR     remove DIR while running (a destination that disappears mid-run)
#   ignore_term    ignore SIGTERM and sleep 60 s (for the Ctrl-C-twice test)
#   long_line      print 8 MiB without a newline, then measure as ok (bounded reading)
#   hostile_name   list and report a benchmark whose name holds an escape and invalid UTF-8
# Every run that measures touches $FAKE_MARK (when set), so a test can tell whether a round ran.
out=
for arg in "$@"; do
    case $arg in
    --benchmark_list_tests=true)
        if [ "${FAKE_MODE:-}" = hostile_name ]; then printf 'BM_\033[2J\377fake\n'; else echo BM_fake; fi
        exit 0 ;;
    --benchmark_out=*) out=${arg#--benchmark_out=} ;;
    esac
done
[ -n "${FAKE_MARK:-}" ] && touch "$FAKE_MARK"
mode=${FAKE_MODE:-ok}
case $mode in
ignore_term) trap '' TERM; exec sleep 60 ;;
remove:*) rm -rf "${mode#remove:}" ;;
long_line) head -c 8388608 /dev/zero | tr '\0' x ;;
esac
error=false
message=
case $mode in fail_*) error=true; message=', "error_message": "No space left on device"' ;; esac
cat >"$out" <<JSON
{"context": {"executable": "fake_bench"},
 "benchmarks": [{"name": "BM_fake", "run_name": "BM_fake", "run_type": "iteration",
   "family_index": 0, "per_family_instance_index": 0, "repetitions": 1, "repetition_index": 0,
   "threads": 1, "iterations": 10, "real_time": 12.5, "cpu_time": 11.5, "time_unit": "us",
   "error_occurred": $error$message}]}
JSON
echo "BM_fake        12.5 us        11.5 us           10"
[ "$mode" = fail_exit ] && exit 1
exit 0
