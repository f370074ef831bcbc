#!/usr/bin/env bash
# ctest vm.ktls_host: the kTLS paths on this host's own kernel. Where the kernel has kernel
# TLS (most distribution kernels, as a module the kernel loads itself), ktls_sendfile and
# ktls_send must run with every byte verified after decryption; where it has none (the
# development VM), both must be skipped with a reason that names the tls ULP; and over a Unix
# socket they are always skipped, since kernel TLS is a TCP ULP.
#   ktls_host_test.sh BENCH_SENDFILE
set -uo pipefail
bench=$1
out=$(mktemp "${TMPDIR:-/tmp}/sfb-ktls.XXXXXX")
trap 'rm -f "$out"' EXIT
"$bench" --sfb_paths=ktls_sendfile,ktls_send,sendfile --sfb_transport=tcp4,unix \
    --sfb_file_sizes=256K --sfb_block_sizes=64K --sfb_receiver=copy --sfb_verify \
    --benchmark_min_time=0.01 --benchmark_format=json >"$out" 2>/dev/null ||
    { echo "FAIL: bench_sendfile exited $?"; exit 1; }
python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
skipped = doc["context"].get("paths_skipped", "")
names = [b["name"] for b in doc["benchmarks"]]
problems = []
for path in ("ktls_sendfile", "ktls_send"):
    if f"{path}/unix" not in skipped or "needs TCP" not in skipped:
        problems.append(f"{path} over unix is not skipped as needing TCP: {skipped!r}")
    if any(n.startswith(f"{path}/unix/") for n in names):
        problems.append(f"{path} ran over a Unix socket")
    rows = [b for b in doc["benchmarks"] if b["name"].startswith(f"{path}/tcp4/")]
    if rows:
        for b in rows:
            if b.get("error_occurred"):
                problems.append(f"{b['name']}: {b.get('error_message')}")
        print(f"{path}: ran on this kernel ({len(rows)} rows)")
    elif f"{path}/tcp4: " in skipped and "tls" in skipped:
        print(f"{path}: skipped here: {skipped}")
    else:
        problems.append(f"{path}/tcp4 neither ran nor was skipped with a tls reason: {skipped!r}")
if not any(n.startswith("sendfile/tcp4/") for n in names):
    problems.append("the plain sendfile path did not run beside them")
for p in problems:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
PY
