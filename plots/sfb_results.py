"""Reading sendfile-bench results for the figures: through sfb's tidy export.

Only the standard library is used here, so the loader can be imported by any Python 3.9+
interpreter; the figures (sfb_figures.py) need matplotlib.

The result JSON is read by one program, sfb: the plots run
`sfb export --format tidy-jsonl INPUTS...` and draw from its rows (format/README.md, "The tidy
export"), or read a tidy file someone exported (.jsonl or .csv). The name segments, times in
microseconds, medians and their 95% intervals all come from those rows; a bad result file is
sfb's message, passed on. The speed-ups over read_send are sfb's too (the `ratio` rows: the
Hodges-Lehmann ratio over rounds with its 95% interval, the numbers of sfb's table of paths
against read_send). The only JSON read here is sfb's own: `sfb compare --format json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional


class InputError(Exception):
    """Input the figures cannot be drawn from; the message names the file and the problem."""

# ---- the format contract --------------------------------------------------------------------
#
# Paths, name segments and counters (with unit and better direction)
# come from format/contract.json, the one description that bench_sendfile writes with and sfb
# reads with; nothing here keeps its own list of them.

CONTRACT_PATH = Path(__file__).resolve().parents[1] / "format" / "contract.json"
# The kinds of values a name segment holds that are numbers; any other names a list of words.
_NUMBER_KINDS = ("bytes", "count")


def _load_contract(path: Path) -> dict:
    """The contract's members this module uses; a checkout without a readable contract stops
    here, with status 1 like any other reason the figures cannot be made."""
    try:
        contract = json.loads(path.read_text(encoding="utf-8"))
        name = contract["name"]
        loaded = {
            "separator": str(name["separator"]),
            "segments": [(str(s["name"]), str(s["prefix"]), str(s["values"]))
                         for s in name["segments"]],
            "paths": [str(p["name"]) for p in contract["paths"]],
            "metrics": {str(m["name"]): (str(m["unit"]), str(m["meaning"]), str(m["better"]))
                        for m in contract["measures"] + contract["counters"]},
            "counters": [str(c["name"]) for c in contract["counters"]],
        }
        for kind in ("transports", "receivers", "caches"):
            loaded[kind] = [str(v["name"]) for v in contract[kind]]
        # Each word segment's values, from the list the segment names ("paths", ...).
        loaded["segment_values"] = {
            segment: [str(v["name"]) for v in contract[values]]
            for segment, _, values in loaded["segments"] if values not in _NUMBER_KINDS}
        # And what each value means, for legends ("placement same: sender and receiver ...").
        loaded["segment_summaries"] = {
            segment: {str(v["name"]): str(v.get("summary", "")) for v in contract[values]}
            for segment, _, values in loaded["segments"] if values not in _NUMBER_KINDS}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise SystemExit(f"sfb_plots: error: cannot read the format contract {path}: "
                         f"{type(error).__name__}: {error} (the plots read it from the same "
                         "checkout: format/contract.json)") from None
    return loaded


CONTRACT = _load_contract(CONTRACT_PATH)

# The suite's per-pass counters.
COUNTERS = tuple(CONTRACT["counters"])

# Every metric a Measurement may carry: MB/s (1e6 bytes per second, from wall time), wall and
# sender-thread CPU microseconds per pass, and the counters above.
METRICS = ("mb_per_s", "real_us", "cpu_us") + COUNTERS

# Paths in the order the figures list them: the contract's order, the original three first.
KNOWN_PATHS = tuple(CONTRACT["paths"])


def _in_contract(kind: str, name: str) -> str:
    """`name`, after checking that the contract lists it among its `kind`."""
    if name not in CONTRACT[kind]:
        raise RuntimeError(f"{CONTRACT_PATH}: no {kind} entry named {name!r}")
    return name


# The names the figures single out, each checked against the contract once, here.
BASELINE_PATH = _in_contract("paths", "read_send")  # the speed-ups' reference
FEATURED_PATH = _in_contract("paths", "sendfile")  # the path the figures emphasise
SERVICE_DEMAND = _in_contract("counters", "service_demand_us_per_kib")
ZEROCOPY_COPIED = _in_contract("counters", "zerocopy_copied")
PASS_BYTES = _in_contract("counters", "pass_bytes")
PASS_BIMODAL = _in_contract("counters", "pass_bimodal")
GUEST_INSTRUCTIONS_PER_PASS = _in_contract("counters", "guest_instructions_per_pass")
GUEST_INSTRUCTIONS_PER_KIB = _in_contract("counters", "guest_instructions_per_kib")
# vm_clock's value for qemu's instruction clock (sfb kernels --clock instructions).
INSTRUCTIONS = "instructions"


def metric_unit(metric: str) -> str:
    """The contract's unit of a measure (real_time, ...) or counter; "" when not in it."""
    return CONTRACT["metrics"].get(metric, ("", "", ""))[0]


def metric_meaning(metric: str) -> str:
    return CONTRACT["metrics"].get(metric, ("", "", ""))[1]


def metric_better(metric: str) -> str:
    """"higher", "lower" or "none" per the contract. A metric the contract does not name
    (another program's counter) follows sfb's rule for those: a rate ("..._per_second") is
    better higher, anything else lower."""
    if metric in CONTRACT["metrics"]:
        return CONTRACT["metrics"][metric][2]
    return "higher" if metric.endswith("_per_second") else "lower"

# The name segments the figures know by name; the contract's segments map onto these (file ->
# file_bytes), and any segment the contract adds later is kept in Group.extra so that runs
# that differ in it are never drawn as one.
_KEY_SEGMENTS = ("path", "block")
_GROUP_FIELDS = {"transport": "transport", "receiver": "receiver", "cache": "cache",
                 "file": "file_bytes", "conns": "conns"}


_missing = [s for s in _KEY_SEGMENTS + tuple(_GROUP_FIELDS)
            if s not in {segment for segment, _, _ in CONTRACT["segments"]}]
if _missing:
    raise SystemExit(f"sfb_plots: error: {CONTRACT_PATH} has no name segment "
                     f"{', '.join(_missing)}, which the figures are drawn by")


@dataclass(frozen=True, order=True)
class Group:
    """Everything in a benchmark name except the path and the block size."""

    transport: str
    receiver: str
    cache: str
    file_bytes: int
    conns: int
    extra: tuple = ()  # (segment, value) of contract segments not listed above

    def describe(self) -> str:
        conn_word = "connection" if self.conns == 1 else "connections"
        extra = "".join(f", {name} {value}" for name, value in self.extra)
        return (
            f"{self.transport}, {self.receiver} receiver, {self.cache} cache, "
            f"{format_bytes(self.file_bytes)} file, {self.conns} {conn_word}{extra}"
        )

    def slug(self) -> str:
        """Part of a file name: clipped to 150 characters so that a figure's name with its
        prefix stays below NAME_MAX (Outputs numbers any names this makes equal)."""
        size = format_bytes(self.file_bytes).replace(" ", "")
        extra = "".join(f"-{name}{value}" for name, value in self.extra)
        return clip(f"{self.transport}-{self.receiver}-{self.cache}-{size}-{self.conns}conn"
                    f"{extra}", 150)


@dataclass(frozen=True, order=True)
class BenchKey:
    """A parsed benchmark name."""

    group: Group
    path: str
    block_bytes: int

def clip(text: str, limit: int = 80) -> str:
    """text, or its start and end around an ellipsis when longer than limit characters."""
    if len(text) <= limit:
        return text
    keep = limit - 3
    return f"{text[: keep - keep // 3]}...{text[len(text) - keep // 3:]}"


_HIDDEN_CODE_POINTS = {0x2028, 0x2029, 0xFEFF, *range(0x80, 0xA0), *range(0x202A, 0x202F),
                       *range(0x2066, 0x206A)}


def printable(text: str, limit: int = 512) -> str:
    """text safe to print, by the rule of format/include/sfb/printable.h: controls,
    backslashes, undecodable bytes (read as surrogate escapes) and code points that hide or
    reorder text escaped, and the whole cut after about limit characters."""
    out = []
    size = 0
    for at, char in enumerate(text):
        if size >= limit:
            out.append(f"...({len(text) - at} more characters)")
            break
        code = ord(char)
        if char == "\\":
            piece = "\\\\"
        elif char == "\n":
            piece = "\\n"
        elif char == "\t":
            piece = "\\t"
        elif 0xDC80 <= code <= 0xDCFF:
            piece = f"\\x{code - 0xDC00:02x}"
        elif code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            piece = f"\\x{code:02x}" if code < 0x100 else f"\\u{{{code:04x}}}"
        elif code in _HIDDEN_CODE_POINTS:
            piece = f"\\u{{{code:04x}}}"
        else:
            piece = char
        out.append(piece)
        size += len(piece)
    return "".join(out)

# The tidy export's metrics under the names the figures use, and the factor from the export's
# unit: MB/s (1e6 bytes per second) from bytes_per_second, wall and sender-thread CPU
# microseconds per pass; counters keep their names and units.
_PLOT_METRICS = {"real_time": ("real_us", 1.0), "cpu_time": ("cpu_us", 1.0),
                 "bytes_per_second": ("mb_per_s", 1e-6)}


@dataclass(frozen=True)
class Ratio:
    """A path over read_send of its configuration, as sfb computed it (a tidy `ratio` row):
    the Hodges-Lehmann ratio over rounds with its 95% interval (low and high None when either
    side had too few rounds for one), the path's rounds and read_send's benchmark name."""

    value: float
    low: Optional[float]
    high: Optional[float]
    rounds: int
    baseline: str


@dataclass
class Measurement:
    """One benchmark of one run: every metric's value per repetition, and its median with the
    95% interval, as sfb computed them (the tidy export's `median` rows), and its ratios over
    read_send (the `ratio` rows)."""

    key: BenchKey
    samples: dict = field(default_factory=dict)  # metric -> list of float, per repetition
    medians: dict = field(default_factory=dict)  # metric -> (median, ci_low, ci_high, n)
    source: str = "iterations"
    ratios: dict = field(default_factory=dict)  # metric (mb_per_s, cpu_us) -> Ratio

    def values(self, metric: str) -> list:
        return self.samples.get(metric, [])

    def has(self, metric: str) -> bool:
        return metric in self.medians

    def median(self, metric: str) -> float:
        return self.medians[metric][0]

    def low(self, metric: str) -> float:
        """The 95% interval's low end; the median itself when there are too few repetitions
        for an interval."""
        value, low, _, _ = self.medians[metric]
        return value if low is None else low

    def high(self, metric: str) -> float:
        value, _, high, _ = self.medians[metric]
        return value if high is None else high

    def repetitions(self) -> int:
        return self.medians["real_us"][3] if "real_us" in self.medians else 0


@dataclass
class Run:
    """One result file."""

    source: Path
    context: dict  # key -> the value as text
    measurements: dict  # BenchKey -> Measurement
    failed: list  # (name, error message) of benchmarks that reported an error
    machine_fingerprint: str = ""

    def ctx(self, key: str, default: str = "") -> str:
        value = self.context.get(key)
        return default if value is None else str(value)

    def fingerprint(self) -> str:
        """The machine fingerprint sfb gives the file (the file's own, or the contract's recipe
        for this machine)."""
        return self.machine_fingerprint

    def date(self) -> Optional[datetime]:
        try:
            return datetime.fromisoformat(self.ctx("date"))
        except ValueError:
            return None

    def clock(self) -> str:
        """"instructions" for a run of `sfb kernels --clock instructions` (context key
        vm_clock), whose times count guest instructions: sfb's tidy export then gives them in
        instructions (real_us and cpu_us hold instructions per pass) and leaves MB/s out;
        "wall" otherwise."""
        return INSTRUCTIONS if self.ctx("vm_clock") == INSTRUCTIONS else "wall"

    def vm_accel(self) -> str:
        """"TCG" or "KVM" for a run inside a guest that `sfb kernels` booted (context key
        vm_accel), "" for one on the machine itself."""
        return clip(self.ctx("vm_accel").strip().upper(), 10)

    def machine_label(self) -> str:
        """Short human description of the machine: OS and kernel, CPU, core count. A guest
        says so, with its accelerator and host kernel: under TCG the CPU is emulated, and
        the "CPU model" is qemu's, not a processor's."""
        os_name = clip(self.ctx("os"), 30)
        kernel = clip(self.ctx("kernel_release"), 40)
        system = " ".join(p for p in (os_name, kernel) if p) or clip(self.ctx("host_name", "?"))
        count = clip(self.ctx("cpu_count") or self.ctx("num_cpus"), 10)
        accel = self.vm_accel()
        if accel:
            host = clip(self.ctx("vm_host_kernel"), 40)
            guest = f"qemu {accel} guest" + (f" on {host}" if host else "")
            if accel == "TCG":
                guest += " (emulated CPU)"
            return ", ".join([system, guest] + ([f"{count} vCPUs"] if count else []))
        cpu = clip(short_cpu_model(self.ctx("cpu_model")), 60)
        parts = [system]
        if cpu:
            parts.append(cpu)
        if count:
            parts.append(f"{count} CPUs")
        return ", ".join(parts)

    def mtu(self, transport: str) -> str:
        """The MTU the run's transport went over, as a string ("" when the file does not
        say): from transport_route ("veth4 = veth...: mtu 1500, ..."), else from the
        --sfb_mtu in sfb_flags."""
        for part in self.ctx("transport_route").split(";"):
            name, sep, route = part.strip().partition(" = ")
            match = re.search(r": mtu (\d+)", route)
            if sep and name == transport and match:
                return match.group(1)
        match = re.search(r"--sfb_mtu[= ](\d+)", self.ctx("sfb_flags"))
        return match.group(1) if match else ""

    def transport_label(self, transport: str) -> str:
        """What a transport was, for a legend: "loopback", "veth MTU 1500", ..."""
        mtu = self.mtu(transport) or "?"
        if transport == "tcp4":
            return "loopback"
        if transport == "tcp6":
            return "loopback IPv6"
        if transport == "unix":
            return "unix socket"
        if transport.startswith("veth"):
            family = "" if transport == "veth4" else " IPv6"
            return f"veth{family} MTU {mtu}"
        return f"{transport} MTU {mtu}"

    def run_label(self) -> str:
        """When and from which commit the run was taken."""
        date = self.date()
        parts = []
        if date is not None:
            parts.append(date.strftime("%Y-%m-%d %H:%M"))
        commit = self.ctx("sfb_git_commit")
        if commit:
            parts.append(f"commit {commit[:12]}")
        return ", ".join(parts) or self.source.name

    def groups(self) -> list:
        return sorted({k.group for k in self.measurements})



def one_clock(runs) -> str:
    """The clock of every run, "instructions" or "wall"; InputError (exit 2) when they
    differ: instruction counts and wall-clock times are never drawn in one figure."""
    by_clock = {}
    for run in runs:
        by_clock.setdefault(run.clock(), []).append(str(run.source))
    if len(by_clock) > 1:
        raise InputError(
            "results of qemu's instruction clock (sfb kernels --clock instructions; their times "
            "count guest instructions, not microseconds) and of the wall clock are never drawn "
            f"together: instructions: {', '.join(by_clock[INSTRUCTIONS][:5])}; wall: "
            f"{', '.join(by_clock['wall'][:5])}; draw them in separate commands")
    return next(iter(by_clock), "wall")


def slugify(text: str) -> str:
    """A file or folder name from text (sfb's machine fingerprint, a group's label): ASCII
    letters and digits, every other run of characters one '-'; at most 120 characters, well
    below NAME_MAX."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return slug[:120].strip("-") or "unnamed"


def short_cpu_model(model: str) -> str:
    """Drops the trademark and frequency noise from /proc/cpuinfo's model name."""
    text = re.sub(r"\((R|TM|tm|r)\)", "", model)
    text = re.sub(r"@.*$", "", text)
    text = re.sub(r"\b(CPU|Processor|processor)\b", "", text)
    text = re.sub(r"\b\d+-Core\b", "", text)
    return re.sub(r"\s+", " ", text).strip()


def format_bytes(n: float) -> str:
    """4096 -> '4 KiB', 67108864 -> '64 MiB', 1000 -> '1000 B'."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{int(n // size)} {unit}"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def parse_size(text: str) -> int:
    """Parses '65536', '64K', '64KiB', '1M', '1 MiB', '1G' (binary units) into bytes."""
    match = re.fullmatch(r"\s*(\d{1,16})\s*([kKmMgG]?)(?:i?[bB])?\s*", text)
    if not match:
        raise ValueError(f"not a size: {clip(text)!r} (examples: 65536, 64KiB, 1MiB)")
    shift = {"": 0, "k": 10, "m": 20, "g": 30}[match.group(2).lower()]
    size = int(match.group(1)) << shift
    # The sizes bench_sendfile accepts (benchmarks/src/suite/options.cpp): 1 byte to 1024 GiB.
    if not 1 <= size <= 1 << 40:
        raise ValueError(f"size {clip(text)!r} is outside 1 byte to 1024GiB")
    return size


def parse_count(text: str, lowest: int, highest: int) -> int:
    """A whole number from lowest to highest, written in plain decimal digits."""
    if not re.fullmatch(r"\s*\d{1,9}\s*", text) or not lowest <= int(text) <= highest:
        raise ValueError(f"{clip(text)!r} is not a whole number from {lowest} to {highest}")
    return int(text)

def _key(row: dict) -> Optional[BenchKey]:
    """The row's benchmark as the figures group it; None for a name that is not the suite's."""
    if row["path"] is None or row["block"] is None or row["file"] is None:
        return None
    known = {field_name: row[segment] for segment, field_name in _GROUP_FIELDS.items()}
    extra = tuple((segment, row[segment]) for segment, _, _ in CONTRACT["segments"]
                  if segment not in _GROUP_FIELDS and segment not in _KEY_SEGMENTS
                  and row[segment] is not None)
    return BenchKey(Group(**known, extra=extra), row["path"], row["block"])


def runs_from_rows(rows: Iterable[dict]) -> list:
    """One Run per source of the rows, in order; InputError for a source without a benchmark
    of the suite."""
    runs = {}
    for row in rows:
        source = str(row["source"])
        run = runs.get(source)
        if run is None:
            run = runs[source] = Run(Path(source), {}, {}, [], str(row["machine_fingerprint"]))
        record = row["record"]
        if record == "context":
            run.context[str(row["metric"])] = row["text"]
            continue
        if record == "error":
            run.failed.append((str(row["benchmark"]), str(row["text"] or "")))
            continue
        key = _key(row)
        if key is None:
            continue
        name, scale = _PLOT_METRICS.get(row["metric"], (row["metric"], 1.0))
        measurement = run.measurements.setdefault(key, Measurement(key))
        if record == "repetition":
            measurement.samples.setdefault(name, []).append(row["value"] * scale)
        elif record == "ratio":
            # A ratio has no unit: the same whatever the metric's scale.
            measurement.ratios[name] = Ratio(row["value"], row["ci_low"], row["ci_high"],
                                             row["n"] or 0, str(row["text"] or ""))
        else:
            low, high = row["ci_low"], row["ci_high"]
            measurement.medians[name] = (row["value"] * scale,
                                         None if low is None else low * scale,
                                         None if high is None else high * scale, row["n"] or 0)
    for run in runs.values():
        if not run.measurements:
            detail = ""
            if run.failed:
                detail = (f"; all {len(run.failed)} of its benchmarks failed, first: "
                          f"{run.failed[0][1]!r}")
            raise InputError(
                f"{run.source}: no sendfile-bench results (expected benchmark names like "
                f"sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/real_time)"
                f"{detail}")
    return list(runs.values())


def load_runs(inputs: Iterable[str], sfb: Optional[str] = None) -> list:
    """The runs of result files, folders or tidy exports."""
    return runs_from_rows(sfb_tidy.tidy_rows(inputs, sfb))


def load_file(path: Path, sfb: Optional[str] = None) -> Run:
    return load_runs([str(path)], sfb)[0]


@dataclass
class Filter:
    """Restricts which benchmarks a figure uses; an empty field matches everything."""

    paths: tuple = ()
    transports: tuple = ()
    receivers: tuple = ()
    caches: tuple = ()
    file_sizes: tuple = ()
    conns: tuple = ()

    def matches(self, key: BenchKey) -> bool:
        g = key.group
        return (
            (not self.paths or key.path in self.paths)
            and (not self.transports or g.transport in self.transports)
            and (not self.receivers or g.receiver in self.receivers)
            and (not self.caches or g.cache in self.caches)
            and (not self.file_sizes or g.file_bytes in self.file_sizes)
            and (not self.conns or g.conns in self.conns)
        )

    def describe(self) -> str:
        parts = []
        for name, values in (
            ("--path", self.paths),
            ("--transport", self.transports),
            ("--receiver", self.receivers),
            ("--cache", self.caches),
            ("--file-size", self.file_sizes),
            ("--conns", self.conns),
        ):
            if values:
                parts.append(f"{name}={','.join(str(v) for v in values)}")
        return " ".join(parts) or "(no filter)"


def select(run: Run, keep: Filter) -> dict:
    """The run's measurements that pass the filter, by key."""
    return {k: m for k, m in run.measurements.items() if keep.matches(k)}


def path_order(paths: Iterable[str]) -> list:
    """Known paths in the suite's order, then any others alphabetically."""
    paths = set(paths)
    known = [p for p in KNOWN_PATHS if p in paths]
    return known + sorted(paths - set(KNOWN_PATHS))


# Last: these modules use this one's contract tables and helpers.
import sfb_tidy  # noqa: E402
from sfb_compare_json import Comparison, CompareRow, load_compare, parse_compare  # noqa: E402,F401
