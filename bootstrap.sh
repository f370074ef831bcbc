#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu clone to a measurement, one to the whole test suite:
#   ./bootstrap.sh              install what building and running need, build bench_sendfile
#                               and sfb (release preset, no tests), run the default suite and
#                               print its answer
#   ./bootstrap.sh --test       install everything the tests need too, then run the test
#                               command: the ci, asan, tsan and fuzz workflows (what .ci/run does)
#   ./bootstrap.sh --deps-only  only install every package (building, tests, plots)
#   ./bootstrap.sh --help
set -euo pipefail

# What building and running bench_sendfile and sfb need.
run_packages=(
    build-essential cmake ninja-build pkg-config git
    libbenchmark-dev libfmt-dev nlohmann-json3-dev liburing-dev
)
# What only the tests (and the plots) add: GoogleTest, the Python checks and figures, the
# dashboard parser port (node), the style check, the fuzz and sanitizer compiler, the VM
# kernels' guests, and the network namespaces' tools.
test_packages=(
    libgtest-dev libgmock-dev
    python3 python3-matplotlib nodejs
    iperf3 clang-format clang-14 libclang-rt-14-dev
    qemu-system-x86 busybox-static cpio
    iproute2
)

usage() {
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
}

install_missing() {
    local missing=()
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "bootstrap: all $# packages already installed"
        return
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    echo "bootstrap: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
}

mode=run
case "${1:-}" in
    -h | --help)
        usage
        exit 0
        ;;
    --deps-only) mode=deps ;;
    --test) mode=test ;;
    "") ;;
    *)
        echo "bootstrap: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
esac
if [ $# -gt 1 ]; then
    echo "bootstrap: one argument at most (try --help)" >&2
    exit 2
fi

cd "$(dirname "$0")"
case "$mode" in
    deps)
        install_missing "${run_packages[@]}" "${test_packages[@]}"
        ;;
    test)
        install_missing "${run_packages[@]}" "${test_packages[@]}"
        # The README's test command (keep the two in step).
        cmake --workflow --preset ci && cmake --workflow --preset asan &&
            cmake --workflow --preset tsan && cmake --workflow --preset fuzz
        ;;
    run)
        install_missing "${run_packages[@]}"
        cmake --preset release
        cmake --build --preset release --target bench_sendfile sfb
        exec ./build/release/benchmarks/bench_sendfile
        ;;
esac
