#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu clone to a measurement:
#   ./bootstrap.sh              install what is missing, build the release preset, run the
#                               default suite (bench_sendfile, about 2 minutes) and print it
#   ./bootstrap.sh --deps-only  only install the packages (what .ci/run uses)
#   ./bootstrap.sh --help
set -euo pipefail

# Every package the project builds, tests, measures and plots with; nothing else is fetched.
packages=(
    build-essential cmake ninja-build pkg-config git
    libbenchmark-dev libgtest-dev libgmock-dev libfmt-dev nlohmann-json3-dev liburing-dev
    python3 python3-matplotlib nodejs
    iperf3 clang-format clang-14 libclang-rt-14-dev
    qemu-system-x86 busybox-static cpio
    iproute2
)

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
}

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
            missing+=("$p")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "bootstrap: all ${#packages[@]} packages already installed"
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

case "${1:-}" in
    -h | --help)
        usage
        exit 0
        ;;
    --deps-only)
        install_missing
        exit 0
        ;;
    "") ;;
    *)
        echo "bootstrap: unknown argument '$1' (try --help)" >&2
        exit 2
        ;;
esac

cd "$(dirname "$0")"
install_missing
cmake --workflow --preset release
exec ./build/release/benchmarks/bench_sendfile
