#!/usr/bin/env bash
# What .github/workflows/other-os.yml runs on macOS and FreeBSD, kept here so that it can be
# run, and is tested (ctest vm.other_os_script), on Linux:
#
#   vm/other_os.sh core  [--build DIR] [--tests REGEX] [--no-build]
#       configure and build (Release, tests on) and run the core's tests (ctest -R '^core\.')
#   vm/other_os.sh suite [--build DIR] [--output DIR] [--no-build]
#       build bench_sendfile and sfb, run a short suite (3 rounds of read_send and sendfile on
#       a 1 MiB file), write OUT/run-<os>-<release>.json and OUT/report.txt (sfb report)
#
# Exit codes: 0 done; 1 a core test failed or the suite failed; 2 bad usage; 4 (suite) the
# suite does not build on this OS yet. bench_sendfile is written for Linux (splice, io_uring,
# MSG_ZEROCOPY, TCP_INFO); on other OSes only the core is expected to build today.
set -euo pipefail

mode=${1:-}
shift || true
build=build/other-os
out=other-os-results
tests='^core\.'
do_build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift ;;
        --output | --out) out=$2; shift ;;  # --out: the old spelling, still accepted
        --tests) tests=$2; shift ;;
        --no-build) do_build=0 ;;
        *) echo "other_os.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
    shift
done
cd "$(dirname "$0")/.."
jobs=$( (command -v nproc >/dev/null && nproc) || sysctl -n hw.ncpu 2>/dev/null || echo 2)
os="$(uname -s)-$(uname -r)"

configure() {
    local generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
}

case "$mode" in
    core)
        if [ "$do_build" = 1 ]; then
            # The core alone: the benchmarks and the harness are built by the suite step.
            configure -DSFB_BUILD_BENCHMARKS=OFF -DSFB_BUILD_HARNESS=OFF
            cmake --build "$build" --parallel "$jobs"
        fi
        echo "other_os: core tests on $os"
        ctest --test-dir "$build" -R "$tests" --output-on-failure --timeout 300
        ;;
    suite)
        if [ "$do_build" = 1 ]; then
            if ! configure -DSFB_BUILD_BENCHMARKS=ON -DSFB_BUILD_HARNESS=ON ||
                ! cmake --build "$build" --parallel "$jobs" --target bench_sendfile sfb; then
                echo "other_os: bench_sendfile or sfb does not build on $os yet" >&2
                exit 4
            fi
        fi
        mkdir -p "$out"
        json="$out/run-$(echo "$os" | tr -c 'A-Za-z0-9.\n-' '-').json"
        "$build/harness/sfb" run --bench "$build/benchmarks/bench_sendfile" --repetitions 3 \
            --no-store --output "$json" -- --sfb_paths=read_send,sendfile \
            --sfb_file_sizes=1M --sfb_block_sizes=64K --sfb_receiver=copy \
            --benchmark_min_time=0.05
        # The result files by name: a report over "$out" would also see report.txt (which tee
        # creates meanwhile), name it as unread and exit 4.
        "$build/harness/sfb" report "$out"/run-*.json | tee "$out/report.txt"
        ;;
    *)
        sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
