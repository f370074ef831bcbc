#!/bin/busybox sh
# PID 1 of a guest booted by vm/sfb-vm.sh. It brings up what the suite needs (proc, sys, dev,
# loopback, the modules listed in /sfb/modules), then either only says it is alive (the KVM
# probe boot, "sfb.probe" on the kernel command line) or runs the core's tests and the suite,
# and writes everything under /out as a tar archive onto the output disk (the virtio disk with
# serial "sfb-out"). The console only carries progress: lines starting "sfb-guest: ", which
# the host shows, and kernel messages, which the host keeps for error reports.
# Configuration comes from files written by the host into the initramfs: /sfb/config
# (shell variables, their values single-quoted), /sfb/modules (modules in load order),
# /sfb/tests (one test per line: name, then the command's words single-quoted),
# /sfb/bench_args (one argument per line), /sfb/ab_args (sfb ab's options, one a line, with
# SFB_AB_BASE set: sfb ab runs instead of sfb run).

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The initramfs root is already a writable RAM file system, so /tmp needs no mount of its
# own; mounting a tmpfs there would hide the programs staged under their host paths when the
# build tree itself lives below /tmp (as in a CI checkout under /tmp).
mkdir -p /tmp
export TMPDIR=/tmp

say() { echo "sfb-guest: $*"; }
# poweroff -f as PID 1 makes the kernel power the machine off, and qemu exits. Should init
# ever return, the kernel panics and panic=-1 with qemu's -no-reboot ends qemu too.
halt_guest() {
    sync
    poweroff -f
    sleep 5
}

if grep -q 'sfb.probe' /proc/cmdline; then
    echo "SFB-PROBE-OK"
    halt_guest
fi

. /sfb/config
# Every CPU that is present but offline comes online: under the instruction clock the VM script
# boots with maxcpus=1 (the 6.1 kernel hangs bringing CPUs up at boot under qemu's -icount,
# not here).
for online in /sys/devices/system/cpu/cpu[0-9]*/online; do
    [ -e "$online" ] && [ "$(cat "$online")" = 0 ] || continue
    echo 1 >"$online" 2>/dev/null || say "warning: ${online%/online} did not come online"
done
# sfb labels what it merges with the clock (context key vm_clock), so that a comparison made
# in here knows its times count instructions.
export SFB_VM_CLOCK

while read -r module; do
    if ! insmod "/lib/modules/sfb/$module.ko" 2>/tmp/insmod.err; then
        say "module $module did not load: $(cat /tmp/insmod.err)"
    fi
done </sfb/modules
ip link set lo up

# The output disk, found by the serial number the host gave it (its vdX name depends on the
# order the devices were probed in).
out_dev=
data_dev=
for block in /sys/block/vd*; do
    [ -e "$block/serial" ] || continue
    case "$(cat "$block/serial")" in
        sfb-out) out_dev=/dev/${block##*/} ;;
        sfb-data) data_dev=/dev/${block##*/} ;;
    esac
done
if [ -z "$out_dev" ]; then
    say "error: no output disk (is virtio_blk missing from this kernel?)"
    halt_guest
fi
say "SFB-READY $(uname -r)"

{
    echo "kernel_release=$(uname -r)"
    echo "guest_cpus=$(grep -c '^processor' /proc/cpuinfo)"
    echo "guest_memory_kib=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
    if grep -q '^tls ' /proc/modules || [ -d /sys/module/tls ]; then
        echo "tls_module=loaded"
    else
        echo "tls_module=missing"
    fi
} >/out/guest.env

mkdir -p /data
if [ "$SFB_FILE_ON" = ext4 ]; then
    if [ -z "$data_dev" ] || ! mount -t ext4 "$data_dev" /data 2>/tmp/mount.err; then
        say "error: cannot mount the ext4 data disk: $(cat /tmp/mount.err 2>/dev/null)"
        echo "data disk not mounted" >/out/error.txt
    fi
else
    mount -t tmpfs -o "size=$SFB_TMPFS_SIZE" tmpfs /data
fi

# Settle: the kernel tests the crypto algorithms it registers in cryptomgr_test threads that
# can outlive the boot (6.12's self-test of dh-generic runs about 0.4 s of guest CPU after init
# starts). They would share the CPU with the first round, doubling its time under the
# instruction clock, so wait for them to end (60 s at most); an idle sleep costs no
# instructions under -icount sleep=off. (cryptomgr.notests=1 would skip every self-test, kTLS's
# AES-GCM ones too: the guest would no longer be the packaged kernel.)
settle=0
while [ $settle -lt 6000 ] && grep -qx cryptomgr_test /proc/[0-9]*/comm 2>/dev/null; do
    sleep 0.01
    settle=$((settle + 1))
done
[ $settle -lt 6000 ] || say "warning: the kernel's crypto self-tests still run after 60 s"

if [ "$SFB_TESTS" = 1 ] && [ ! -e /out/error.txt ]; then
    mkdir -p /out/tests
    while read -r name command; do
        say "test $name: running"
        start=$(date +%s)
        # The host wrote the command's words shell-quoted (a path may hold spaces or quotes):
        # eval reads them back as they were.
        (cd /tmp && eval "$command") >"/out/tests/$name.log" 2>&1
        rc=$?
        echo "$name $rc $(($(date +%s) - start))" >>/out/tests.txt
        say "test $name: exit $rc"
    done </sfb/tests
fi

# run_sfb ARGS...: sfb with ARGS, its stdout (the answer) to /out/summary.txt, its exit code
# to /out/run.rc, its stderr (progress, errors) to /out/harness.err and the console.
run_sfb() {
    (
        "$SFB_HARNESS" "$@" 2>&1 >/out/summary.txt
        echo $? >/out/run.rc
    ) | tee /out/harness.err | sed 's/^/sfb-guest: /'
}

if [ ! -e /out/error.txt ] && [ -n "${SFB_AB_BASE:-}" ]; then
    # sfb ab --kernel: both builds interleaved in this guest; its options from /sfb/ab_args,
    # then the results where the host picks them up, then the benchmark's arguments.
    set --
    while IFS= read -r arg; do
        [ -z "$arg" ] || set -- "$@" "$arg"
    done </sfb/ab_args
    set -- "$@" --save-base /out/base.json --save-candidate /out/candidate.json \
        --save-comparison /out/comparison.json --color never -- --sfb_dir=/data
    while IFS= read -r arg; do
        set -- "$@" "$arg"
    done </sfb/bench_args
    say "sfb ab: $SFB_AB_BASE against $SFB_AB_CANDIDATE"
    run_sfb ab --base "$SFB_AB_BASE" --candidate "$SFB_AB_CANDIDATE" "$@"
elif [ ! -e /out/error.txt ] && [ "${SFB_NO_BENCH:-0}" != 1 ]; then
    set --
    while IFS= read -r arg; do
        set -- "$@" "$arg"
    done </sfb/bench_args
    say "suite: $SFB_ROUNDS rounds"
    run_sfb run --bench "$SFB_BENCH" --repetitions "$SFB_ROUNDS" --warmup "$SFB_WARMUP" \
        --no-store --output /out/run.json --color never -- --sfb_dir=/data "$@"
fi

dmesg >/out/dmesg.txt
say "writing results"
tar -cf "$out_dev" -C /out .
halt_guest
