"""Writes the synthetic fixture files of harness/tests/data (numbers made up by hand, not
measurements). Run with any Python 3: python3 harness/tests/data/make_fixtures.py"""
import json, os, statistics
D = os.path.dirname(os.path.abspath(__file__))
os.makedirs(D, exist_ok=True)
NAME = "{p}/tcp4/copy/warm/file:1048576/block:65536/conns:1/real_time"
def ctx(fp="linux-6-1-0-test-cpu-2cpu", commit="abc123def456"):
    return {"date": "2026-11-26T09:00:00+00:00", "host_name": "fixture", "executable": "bench_sendfile",
            "num_cpus": 2, "mhz_per_cpu": 2000, "cpu_scaling_enabled": False, "caches": [],
            "load_avg": [0.5], "library_build_type": "release",
            "sfb_version": "0.1.0", "sfb_git_commit": commit, "os": "linux", "kernel_release": "6.1.0-test",
            "machine_fingerprint": fp,
            "fixture": "SYNTHETIC: hand-written numbers for the harness tests, not a measurement"}
def entries(path, reals, cpus, family, unit="us", scale=1.0, aggregates=True, extra=None):
    name = NAME.format(p=path)
    out = []
    n = len(reals)
    for i,(r,c) in enumerate(zip(reals,cpus)):
        e = {"name": name, "family_index": family, "per_family_instance_index": 0, "run_name": name,
             "run_type": "iteration", "repetitions": n, "repetition_index": i, "threads": 1,
             "iterations": 100, "real_time": r*scale, "cpu_time": c*scale, "time_unit": unit,
             "bytes_per_second": 1048576/(r*1e-6), "bytes_received": 1048576, "pass_bytes": 1048576,
             "receiver_cpu_us": c*0.8, "service_demand_us_per_kib": c/1024.0, "syscalls_per_pass": 17 if path=="sendfile" else 33}
        if extra: e.update(extra)
        out.append(e)
    if aggregates and n >= 2:
        for agg, f in (("mean", statistics.mean), ("median", statistics.median), ("stddev", statistics.stdev)):
            out.append({"name": name+"_"+agg, "family_index": family, "per_family_instance_index": 0, "run_name": name,
                        "run_type": "aggregate", "repetitions": n, "threads": 1, "aggregate_name": agg, "aggregate_unit": "time",
                        "iterations": n, "real_time": f(reals)*scale, "cpu_time": f(cpus)*scale, "time_unit": unit})
    return out
def write(name, doc, raw=None):
    with open(os.path.join(D, name), "w") as f:
        if raw is not None: f.write(raw)
        else: json.dump(doc, f, indent=1); f.write("\n")
base_rs_r = [400.0, 405.0, 398.0, 410.0, 402.0, 399.0, 404.0, 401.0, 407.0]
base_rs_c = [300.0, 302.0, 298.0, 305.0, 301.0, 299.0, 303.0, 300.5, 304.0]
base_sf_r = [200.0, 203.0, 199.0, 205.0, 201.0, 198.0, 202.0, 200.5, 204.0]
base_sf_c = [100.0, 101.0, 99.0, 103.0, 100.5, 98.5, 102.0, 100.2, 101.5]
base = {"context": ctx(), "benchmarks": entries("read_send", base_rs_r, base_rs_c, 0) + entries("sendfile", base_sf_r, base_sf_c, 1)}
write("sfb_base.json", base)
# Same distribution, values shifted slightly (< 1%): no regression.
same = {"context": ctx(commit="fedcba987654"), "benchmarks": entries("read_send", [x+1.5 for x in base_rs_r[::-1]], [x+0.7 for x in base_rs_c[::-1]], 0) + entries("sendfile", [x-0.5 for x in base_sf_r[::-1]], [x+0.3 for x in base_sf_c[::-1]], 1)}
write("sfb_same.json", same)
# sendfile's CPU time +20% (and its real time +10%): a regression of sendfile only.
reg = {"context": ctx(commit="fedcba987654"), "benchmarks": entries("read_send", [x+1.0 for x in base_rs_r], [x-0.4 for x in base_rs_c], 0) + entries("sendfile", [x*1.10 for x in base_sf_r], [x*1.20 for x in base_sf_c], 1)}
write("sfb_sendfile_regressed.json", reg)
# read_send 15% faster: an improvement, no regression.
imp = {"context": ctx(commit="fedcba987654"), "benchmarks": entries("read_send", [x*0.85 for x in base_rs_r], [x*0.85 for x in base_rs_c], 0) + entries("sendfile", base_sf_r, base_sf_c, 1)}
write("sfb_read_send_improved.json", imp)
# The base written in nanoseconds: the same numbers after conversion.
ns = {"context": ctx(), "benchmarks": entries("read_send", base_rs_r, base_rs_c, 0, unit="ns", scale=1000.0) + entries("sendfile", base_sf_r, base_sf_c, 1, unit="ns", scale=1000.0)}
write("sfb_base_in_ns.json", ns)
# The base under qemu's instruction clock (sfb kernels --clock instructions): vm_clock, and in
# every entry guest_instructions_per_pass (real_time in ns) and guest_instructions_per_kib
# (that per KiB of the 1 MiB file; a cv aggregate keeps real_time's ratio), for the export's
# labels.
clocked = json.loads(json.dumps(base))
clocked["context"].update({"vm_clock": "instructions", "vm_qemu_clock_options": "-icount shift=0,sleep=off", "fixture": "SYNTHETIC: sfb_base.json under qemu's instruction clock (vm_clock instructions, guest_instructions_per_pass = real_time in ns), for the export and plots label tests"})
for e in clocked["benchmarks"]:
    per_pass = e["real_time"] if e.get("aggregate_name") == "cv" else e["real_time"] * 1000.0
    e["guest_instructions_per_pass"] = per_pass
    e["guest_instructions_per_kib"] = per_pass if e.get("aggregate_name") == "cv" else per_pass / 1024
write("sfb_instruction_clock.json", clocked)
# One more benchmark on the new side, one less (sendfile missing).
onesided = {"context": ctx(commit="fedcba987654"), "benchmarks": entries("read_send", base_rs_r, base_rs_c, 0) + entries("splice", base_sf_r, base_sf_c, 2)}
write("sfb_one_sided.json", onesided)
# sendfile failed in every repetition.
failed = {"context": ctx(), "benchmarks": entries("read_send", base_rs_r, base_rs_c, 0) + [
    {"name": NAME.format(p="sendfile"), "family_index": 1, "per_family_instance_index": 0, "run_name": NAME.format(p="sendfile"),
     "run_type": "iteration", "repetitions": 1, "repetition_index": 0, "threads": 1, "iterations": 0, "real_time": 0, "cpu_time": 0, "time_unit": "us",
     "error_occurred": True, "error_message": "sendfile: connection reset by peer"}]}
write("sfb_failed.json", failed)
# Too few repetitions: one each.
write("sfb_single_repetition.json", {"context": ctx(), "benchmarks": entries("read_send", base_rs_r[:1], base_rs_c[:1], 0) + entries("sendfile", base_sf_r[:1], base_sf_c[:1], 1)})
write("sfb_three_repetitions.json", {"context": ctx(), "benchmarks": entries("read_send", base_rs_r[:3], base_rs_c[:3], 0) + entries("sendfile", base_sf_r[:3], base_sf_c[:3], 1)})
# A second machine for the report.
other = {"context": ctx(fp="linux-6-8-0-other-cpu-8cpu"), "benchmarks": entries("read_send", [x*0.5 for x in base_rs_r], [x*0.5 for x in base_rs_c], 0) + entries("sendfile", [x*0.4 for x in base_sf_r], [x*0.4 for x in base_sf_c], 1)}
other["context"]["kernel_release"] = "6.8.0-other"
write("sfb_other_machine.json", other)
# Bad input.
write("bad_malformed.json", None, raw='{"context": {}, "benchmarks": [ {"name": "x", "real_time": 1,\n')
write("bad_not_benchmark_output.json", {"name": "some other JSON", "items": [1, 2, 3]})
write("bad_top_level_array.json", [{"name": "x"}])
write("bad_empty_benchmarks.json", {"context": ctx(), "benchmarks": []})
def one(missing=None, **over):
    e = entries("sendfile", base_sf_r[:5], base_sf_c[:5], 0, aggregates=False)
    for x in e:
        if missing: del x[missing]
        x.update(over)
    return {"context": ctx(), "benchmarks": e}
write("bad_missing_real_time.json", one("real_time"))
write("bad_missing_time_unit.json", one("time_unit"))
write("bad_missing_name.json", one("name"))
write("bad_cpu_time_not_a_number.json", one(cpu_time="fast"))
write("bad_unknown_time_unit.json", one(time_unit="fortnights"))
write("bad_aggregates_only.json", {"context": ctx(), "benchmarks": [e for e in entries("sendfile", base_sf_r, base_sf_c, 0) if e["run_type"] == "aggregate"]})
write("bad_empty_file.json", None, raw="")
os.makedirs(os.path.join(D, "empty_folder"), exist_ok=True)
with open(os.path.join(D, "empty_folder", "README.txt"), "w") as f:
    f.write("A folder with no .json file in it, for the empty-folder test.\n")
# Non-finite counters written the way Google Benchmark writes them: bare NaN / Infinity.
d = json.loads(json.dumps(base))
for e in d["benchmarks"]:
    if e["run_type"] == "iteration":
        e["zerocopy_copied"] = float("nan")
        e["ratio"] = float("inf")
d["context"]["note"] = "NaN and Infinity inside strings stay as they are"
write("sfb_non_finite_counters.json", d)
