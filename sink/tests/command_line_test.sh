#!/usr/bin/env bash
# The command lines of sfb-sink and of bench_sendfile's remote side, run as a user would:
# each bad value must exit with the status --help documents and name the value. Usage:
#   command_line_test.sh CASE SFB_SINK BENCH_SENDFILE WORK_DIR
# Only loopback addresses are used; a program that starts listening where it must refuse is
# stopped after 3 s and the case fails.
set -uo pipefail

case_name=$1 sink=$2 bench=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
failures=0

# expect STATUS TEXT COMMAND...: COMMAND exits with STATUS and its stderr holds TEXT.
expect() {
    local want=$1 text=$2 got
    shift 2
    timeout 3 "$@" >out.txt 2>err.txt
    got=$?
    if [ "$got" != "$want" ] || ! grep -qF -- "$text" err.txt; then
        echo "FAIL: $* exited $got (want $want) with: $(head -c 300 err.txt)" >&2
        failures=$((failures + 1))
    fi
}

case $case_name in
    sink_numbers)
        for bad in 65536 99999 -1 +80 1e3 8080x 4294967377; do
            expect 2 "\"$bad\" is not a port" "$sink" --listen "127.0.0.1:$bad"
        done
        for option in --handshake-timeout --idle-timeout; do
            for bad in 0 86401 -1 1.5 4294967297 ""; do
                expect 2 "$option: \"$bad\"" "$sink" --listen 127.0.0.1:0 "$option" "$bad"
            done
        done
        for bad in 0 604801 -1 4294967297 1s; do
            expect 2 "--max-session: \"$bad\"" "$sink" --listen 127.0.0.1:0 --max-session "$bad"
        done
        for bad in 0 1 1025 4294967298 -2 ""; do
            expect 2 "--max-connections: \"$bad\"" "$sink" --listen 127.0.0.1:0 \
                --max-connections "$bad"
        done
        expect 2 "--listen: \"nocolon\"" "$sink" --listen nocolon
        expect 2 "given more than once" "$sink" --listen 127.0.0.1:0 --listen 127.0.0.2:0
        expect 2 "is not 1 to 128 characters" "$sink" --listen 127.0.0.1:0 --token $'a\x1bb'
        grep -q $'\x1b' err.txt && echo "FAIL: an escape byte was echoed" >&2 &&
            failures=$((failures + 1))
        ;;
    sink_listen_refused)
        for address in 255.255.255.255:0 224.0.0.1:0 239.255.255.250:0 '[ff02::1]:0' \
            '[ff05::2]:0' '[::ffff:224.0.0.1]:0' '[::ffff:255.255.255.255]:0' 0.0.0.0:0 '[::]:0'; do
            expect 2 "refusing to listen on" "$sink" --listen "$address" --token abc
        done
        ;;
    bench_token)
        for bad in 'two words' 'semi;colon' "$(printf 'x%.0s' $(seq 129))" $'esc\x1b[2J'; do
            expect 2 "--sfb_token" "$bench" --sfb_remote=127.0.0.1:9 "--sfb_token=$bad" \
                --sfb_paths=sendfile
        done
        ;;
    bench_remote_port)
        for bad in 65536 70000 0 4294967297; do
            timeout 10 "$bench" "--sfb_remote=127.0.0.1:$bad" --sfb_paths=sendfile \
                >out.txt 2>err.txt
            status=$?
            if [ "$status" != 2 ] || ! grep -qF "127.0.0.1:$bad: expected" err.txt; then
                echo "FAIL: --sfb_remote=127.0.0.1:$bad exited $status: $(head -c 300 err.txt)" >&2
                failures=$((failures + 1))
            fi
        done
        ;;
    *)
        echo "unknown case $case_name" >&2
        exit 2
        ;;
esac
if [ "$failures" != 0 ]; then
    exit 1
fi
echo "PASS: $case_name"
