#!/usr/bin/env bash
# Writes the golden file: a small real bench_sendfile output that the harness and plots tests
# read (format/README.md). Three paths (one of them zero-copy), one placement (free: it needs
# no particular CPU count), a 1 MiB file, two repetitions with Google Benchmark's aggregates,
# short minimum time: a few seconds.
#
#   format/make_golden.sh BUILD_DIR [OUTPUT_JSON]
#
# BUILD_DIR is a configured and built tree (bench_sendfile and check_bench_json);
# OUTPUT_JSON defaults to format/golden/bench_sendfile-golden.json. The output is checked
# against the contract before it is written. The format.golden_* tests run this same command
# into the build tree, so the committed file and a fresh run are held to the same contract.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
    echo "usage: $0 BUILD_DIR [OUTPUT_JSON]" >&2
    exit 2
fi
build_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
output=${2:-$here/golden/bench_sendfile-golden.json}
bench=$build_dir/benchmarks/bench_sendfile
check=$build_dir/benchmarks/tests/check_bench_json
for program in "$bench" "$check"; do
    if [[ ! -x $program ]]; then
        echo "$0: $program not found: build it first (ninja -C $build_dir bench_sendfile check_bench_json)" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/sfb-golden.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/files"
"$bench" --benchmark_min_time=0.01 --benchmark_repetitions=2 \
    --benchmark_out="$work/out.json" --benchmark_out_format=json \
    --sfb_paths=read_send,sendfile,msg_zerocopy --sfb_transport=tcp4 --sfb_receiver=copy \
    --sfb_placement=free \
    --sfb_file_sizes=1M --sfb_block_sizes=64K --sfb_dir="$work/files" \
    > "$work/stdout.txt" 2> "$work/stderr.txt" || {
    cat "$work/stderr.txt" >&2
    echo "$0: bench_sendfile failed" >&2
    exit 1
}
"$check" "$work/out.json" --no-files-in "$work/files"
mkdir -p "$(dirname "$output")"
cp "$work/out.json" "$output.tmp"
mv "$output.tmp" "$output"
echo "$0: wrote $output"
