#!/usr/bin/env bash
# The real programs across real network namespaces. Usage:
#   remote_netns_test.sh CASE SFB_SINK BENCH_SENDFILE CHECK_BENCH_JSON WORK_DIR
# CASE: remote_all_paths | remote_wrong_token | remote_client_killed | veth_json |
#       veth_sigkill_cleanup | remote_every_address
#
# The script re-runs itself under `unshare --net`, so the sender's namespace is a private one
# made for this test, and every interface and address it creates (198.18.0.0/30 only) dies with
# it: nothing touches the host's network. The receiving namespace is another private one, held
# by a `sleep` process. Without the privileges for that (CAP_SYS_ADMIN, CAP_NET_ADMIN), the
# test is skipped with the reason (exit 77, ctest's SKIP_RETURN_CODE).
set -euo pipefail

case_name=$1 sink=$2 bench=$3 check=$4 work=$5

if [ -z "${SFB_NETNS_TEST_INSIDE:-}" ]; then
    if ! unshare --net true 2>/dev/null; then
        echo "SKIP: cannot make a network namespace (needs CAP_SYS_ADMIN and CAP_NET_ADMIN)"
        exit 77
    fi
    exec env SFB_NETNS_TEST_INSIDE=1 unshare --net "$0" "$@"
fi

rm -rf "$work"
mkdir -p "$work/files"
cd "$work"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    for log in sink.err bench.err; do
        if [ -f "$log" ]; then
            echo "--- $log" >&2
            tail -n 30 "$log" >&2
        fi
    done
    exit 1
}

ip link set lo up

# Two namespaces joined by a veth pair: this one (the sender's) and the receiver's.
start_receiver_namespace() {
    unshare --net sleep 300 &
    holder=$!
    pids+=("$holder")
    # unshare execs sleep in the new namespace: wait until the process is in it.
    for _ in $(seq 50); do
        if [ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ]; then
            break
        fi
        sleep 0.02
    done
    ip link add sfbtest0 type veth peer name sfbtest1
    ip link set sfbtest1 netns "$holder"
    ip addr add 198.18.0.1/30 dev sfbtest0
    ip link set sfbtest0 up
    nsenter -t "$holder" -n ip link set lo up
    nsenter -t "$holder" -n ip addr add 198.18.0.2/30 dev sfbtest1
    nsenter -t "$holder" -n ip link set sfbtest1 up
}

# Starts sfb-sink in the receiver's namespace on 198.18.0.2 (no --token: it must generate one).
start_sink() {
    nsenter -t "$holder" -n "$sink" --listen 198.18.0.2:0 --handshake-timeout 2 \
        >sink.out 2>>sink.err &
    sink_pid=$!
    pids+=("$sink_pid")
    for _ in $(seq 100); do
        if grep -q "generated token" sink.out 2>/dev/null; then
            break
        fi
        sleep 0.05
    done
    port=$(sed -n 's/^sfb-sink: listening on 198\.18\.0\.2:\([0-9]*\) .*/\1/p' sink.out)
    token=$(sed -n 's/^sfb-sink: generated token \([0-9a-f]*\) .*/\1/p' sink.out)
    [ -n "$port" ] && [ -n "$token" ] || fail "sfb-sink did not start: $(cat sink.out sink.err)"
    remote="--sfb_remote=198.18.0.2:$port"
}

run_bench() {
    "$bench" --benchmark_min_time=0.01 --sfb_dir="$work/files" "$@"
}

# The JSON holds what the issue asks of a remote run: receiver counters on every benchmark,
# the receiving host's context, and the token nowhere.
check_remote_json() {
    local json=$1
    python3 - "$json" "$token" <<'PY' || fail "remote JSON check failed for $json"
import json, sys
data = json.load(open(sys.argv[1]))
context = data["context"]
for key in ("receiver_kernel_release", "receiver_cpu_model", "receiver_os_release",
            "receiver_machine_fingerprint", "receiver_network_settings"):
    assert context.get(key) and context[key] != "unknown", "context key %s missing" % key
assert context["receiver_host"].startswith("198.18.0.2:"), context["receiver_host"]
assert "mtu 1500" in context["receiver_route"], context["receiver_route"]
assert "driver veth" in context["receiver_route"], context["receiver_route"]
assert context["transport_route"].startswith("remote4 = sfbtest0: mtu 1500"), context["transport_route"]
assert sys.argv[2] not in open(sys.argv[1]).read(), "the token leaked into the JSON"
runs = [b for b in data["benchmarks"] if b.get("run_type", "iteration") == "iteration"]
assert runs, "no benchmark ran"
for b in runs:
    assert "/remote4/" in b["name"], b["name"]
    assert "receiver_cpu_us" in b, "%s: receiver_cpu_us missing" % b["name"]
    # The sink's host CPU comes from its /proc/stat, in 10 ms ticks: not written.
    for counter in ("receiver_system_cpu_us", "receiver_softirq_us"):
        assert counter not in b, "%s: %s written from a tick source" % (b["name"], counter)
    assert b["receiver_cpu_us"] > 0, b["name"]
PY
}

case $case_name in
    remote_all_paths)
        start_receiver_namespace
        start_sink
        run_bench "$remote" --sfb_token="$token" --sfb_file_sizes=256K --sfb_block_sizes=64K \
            --sfb_receiver=copy --sfb_verify --benchmark_out=copy.json \
            --benchmark_out_format=json >/dev/null 2>bench.err || fail "copy run failed"
        "$check" copy.json --verified --all-paths --no-files-in "$work/files" ||
            fail "check_bench_json copy.json"
        check_remote_json copy.json
        run_bench "$remote" --sfb_token="$token" --sfb_file_sizes=256K --sfb_block_sizes=64K \
            --sfb_receiver=discard --benchmark_out=discard.json \
            --benchmark_out_format=json >/dev/null 2>bench.err || fail "discard run failed"
        "$check" discard.json --all-paths --no-files-in "$work/files" ||
            fail "check_bench_json discard.json"
        check_remote_json discard.json
        ;;
    remote_wrong_token)
        start_receiver_namespace
        start_sink
        if run_bench "$remote" --sfb_token=not-the-token --sfb_paths=sendfile \
            --sfb_file_sizes=64K >/dev/null 2>bench.err; then
            fail "a wrong token was accepted"
        fi
        grep -q "wrong token" bench.err || fail "bench_sendfile did not say why: $(cat bench.err)"
        grep -q "refused: wrong token" sink.err || fail "the sink did not log the refusal"
        # An unreachable sink is an error too, not an empty run.
        if run_bench --sfb_remote=198.18.0.2:1 --sfb_token="$token" --sfb_paths=sendfile \
            >/dev/null 2>bench.err; then
            fail "an unreachable sink was accepted"
        fi
        grep -q "cannot reach the sink" bench.err || fail "no reason given: $(cat bench.err)"
        run_bench "$remote" --sfb_token="$token" --sfb_paths=sendfile --sfb_file_sizes=64K \
            --sfb_receiver=copy --sfb_verify --benchmark_out=next.json \
            --benchmark_out_format=json >/dev/null 2>bench.err ||
            fail "the sink did not serve the next client"
        "$check" next.json --verified || fail "check_bench_json next.json"
        ;;
    remote_client_killed)
        start_receiver_namespace
        start_sink
        # Long passes (64 MiB at 1500-byte MTU), killed while data flows.
        "$bench" "$remote" --sfb_token="$token" --sfb_paths=read_send --sfb_file_sizes=64M \
            --sfb_receiver=copy --sfb_verify --benchmark_min_time=30 --sfb_dir="$work/files" \
            >/dev/null 2>bench.err &
        victim=$!
        pids+=("$victim")
        for _ in $(seq 200); do
            if grep -q "session .* started" sink.err; then
                break
            fi
            sleep 0.05
        done
        sleep 1
        kill -9 "$victim"
        wait "$victim" 2>/dev/null || true
        kill -0 "$sink_pid" || fail "the sink died with its client"
        run_bench "$remote" --sfb_token="$token" --sfb_paths=sendfile --sfb_file_sizes=64K \
            --sfb_receiver=copy --sfb_verify --benchmark_out=after.json \
            --benchmark_out_format=json >/dev/null 2>bench.err ||
            fail "the sink did not serve the client after the killed one"
        "$check" after.json --verified || fail "check_bench_json after.json"
        # Ctrl-C stops it cleanly, with status 0.
        kill -INT "$sink_pid"
        wait "$sink_pid" || fail "sfb-sink exited with $? after SIGINT"
        grep -q "stopped" sink.out || fail "sfb-sink did not say it stopped"
        ;;
    veth_json)
        run_bench --sfb_transport=veth4,veth6 --sfb_mtu=1500 --sfb_paths=read_send,sendfile \
            --sfb_file_sizes=256K --sfb_block_sizes=64K --sfb_receiver=copy --sfb_verify \
            --benchmark_out=veth.json --benchmark_out_format=json >/dev/null 2>bench.err ||
            fail "veth run failed"
        "$check" veth.json --verified --no-files-in "$work/files" || fail "check_bench_json"
        python3 - veth.json <<'PY' || fail "veth JSON check failed"
import json, sys
data = json.load(open(sys.argv[1]))
context = data["context"]
route = context["transport_route"]
for transport in ("veth4", "veth6"):
    assert transport + " = sfb" in route, route
assert route.count(": mtu 1500,") == 2 and route.count("driver veth") == 2, route
assert "tso=" in route, route
names = [b["name"] for b in data["benchmarks"]]
for transport in ("veth4", "veth6"):
    for path in ("read_send", "sendfile"):
        assert any(n.startswith(path + "/" + transport + "/") for n in names), (path, transport)
PY
        ip -o link | grep -q 'sfb[0-9]*s' && fail "a veth interface outlived bench_sendfile"
        ;;
    veth_sigkill_cleanup)
        before=$(ip -o link | awk -F': ' '{print $2}' | sort)
        "$bench" --sfb_transport=veth4 --sfb_paths=read_send --sfb_file_sizes=64M \
            --sfb_receiver=copy --benchmark_min_time=30 --sfb_dir="$work/files" \
            >/dev/null 2>bench.err &
        victim=$!
        pids+=("$victim")
        for _ in $(seq 200); do
            if ip -o link | grep -q "sfb${victim}s"; then
                break
            fi
            sleep 0.05
        done
        ip -o link | grep -q "sfb${victim}s" || fail "bench_sendfile made no veth pair"
        sleep 0.5
        kill -9 "$victim"
        wait "$victim" 2>/dev/null || true
        # The kernel destroys an unreferenced namespace asynchronously: allow it 10 s.
        for _ in $(seq 200); do
            after=$(ip -o link | awk -F': ' '{print $2}' | sort)
            if [ "$after" = "$before" ]; then
                break
            fi
            sleep 0.05
        done
        [ "$after" = "$before" ] || fail "interfaces left after SIGKILL: $after (before: $before)"
        ;;
    remote_every_address)
        # A name with two addresses (::1 and 127.0.0.1, in a hosts file of a private mount
        # namespace); the sink listens on the one getaddrinfo gives second, and
        # bench_sendfile must reach it by trying each address in turn.
        printf '::1 sfb-two-addresses\n127.0.0.1 sfb-two-addresses\n' >hosts
        in_hosts() {
            unshare --mount --propagation private sh -c \
                'mount --bind "$0" /etc/hosts && exec "$@"' "$work/hosts" "$@"
        }
        second=$(in_hosts getent ahosts sfb-two-addresses | awk '!seen[$1]++ {print $1}' |
            sed -n 2p)
        [ -n "$second" ] || { echo "SKIP: no two addresses for one name here"; exit 77; }
        listen=$second
        [ "$second" = "::1" ] && listen="[::1]"
        "$sink" --listen "$listen:0" >sink.out 2>>sink.err &
        sink_pid=$!
        pids+=("$sink_pid")
        for _ in $(seq 100); do
            grep -q "listening" sink.out 2>/dev/null && break
            sleep 0.05
        done
        port=$(sed -n 's/^sfb-sink: listening on .*:\([0-9]*\) .*/\1/p' sink.out)
        [ -n "$port" ] || fail "sfb-sink did not start on $listen: $(cat sink.out sink.err)"
        in_hosts "$bench" --sfb_remote="sfb-two-addresses:$port" --benchmark_min_time=0.01 \
            --sfb_dir="$work/files" --sfb_paths=sendfile --sfb_file_sizes=64K \
            --sfb_receiver=copy --sfb_verify >/dev/null 2>bench.err ||
            fail "bench_sendfile did not reach the sink on its second address $listen"
        grep -q "session .* started" sink.err || fail "no session on the sink"
        ;;
    *)
        echo "unknown case $case_name" >&2
        exit 2
        ;;
esac
echo "PASS: $case_name"
