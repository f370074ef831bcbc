"""Reading sendfile-bench result files (Google Benchmark JSON written by bench_sendfile).

Only the standard library is used here, so the loader can be imported by any Python 3.9+
interpreter; the figures (sfb_figures.py) need matplotlib.

A result file holds one run: Google Benchmark's "context" object (plus the suite's own
context keys) and a "benchmarks" array. Benchmark names follow the grammar in
format/contract.json:

    <path>/<transport>/<receiver>/<cache>/file:<bytes>/block:<bytes>/conns:<n>/real_time

With --benchmark_repetitions, every repetition is an entry with "run_type": "iteration"
and the aggregates (mean, median, stddev, cv) follow with "run_type": "aggregate". The
loader keeps every repetition so the figures can show the spread, and falls back to the
median (or mean) aggregate when a file holds aggregates only
(--benchmark_report_aggregates_only).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import statistics
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Optional


class InputError(Exception):
    """Input the figures cannot be drawn from; the message names the file and the problem."""


# Microseconds per unit of Google Benchmark's "time_unit".
_US_PER_UNIT = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}

# ---- the format contract --------------------------------------------------------------------
#
# Paths, name segments, counters (with unit and better direction) and the fingerprint recipe
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
        recipe = contract["fingerprint"]
        loaded = {
            "separator": str(name["separator"]),
            "segments": [(str(s["name"]), str(s["prefix"]), str(s["values"]))
                         for s in name["segments"]],
            "paths": [str(p["name"]) for p in contract["paths"]],
            "metrics": {str(m["name"]): (str(m["unit"]), str(m["meaning"]), str(m["better"]))
                        for m in contract["measures"] + contract["counters"]},
            "counters": [str(c["name"]) for c in contract["counters"]],
            "fingerprint_template": str(recipe["template"]),
            "fingerprint_unknown": str(recipe["cpu_model_fallback"]),
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

# The suite's per-pass counters; copied from each entry when present.
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


_WORD = re.compile(r"^[a-z][a-z0-9_]*$")


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


# Bounds on a name's parts: a word longer than this, or a number past 64 bits, is not
# something bench_sendfile writes, and would make file names and figure titles unusable.
MAX_WORD_CHARS = 64
_MAX_NUMBER_DIGITS = 19


class BadName(ValueError):
    """A name shaped like the suite's whose parts are out of bounds."""


def parse_name(name: str) -> Optional[BenchKey]:
    """Parses a benchmark name per the contract's grammar; None when it is not one of ours;
    raises BadName when it is shaped like ours but a part is out of bounds.

    Segments without a prefix are words at fixed positions, first; prefixed ones
    ("file:<bytes>") may follow in any order, and a prefixed word segment ("placement:free")
    may be missing from a result older than it. Google's own suffixes (/real_time, /threads:N,
    /repeats:N, aggregate suffixes such as _mean after real_time) and any extra key:value
    fields are ignored.
    """
    segments = CONTRACT["segments"]
    parts = name.split(CONTRACT["separator"])
    if len(parts) < sum(1 for _, prefix, kind in segments
                        if not prefix or kind in _NUMBER_KINDS):
        return None
    words = [s for s in segments if not s[1]]
    values = {}
    for (segment, _, _), part in zip(words, parts):
        if not _WORD.match(part):
            return None
        if len(part) > MAX_WORD_CHARS:
            raise BadName(f"the {segment} part of the name has {len(part)} characters "
                          f"(at most {MAX_WORD_CHARS})")
        values[segment] = part
    fields = {}
    for part in parts[len(words):]:
        key, sep, value = part.partition(":")
        if sep and key + sep not in fields:
            fields[key + sep] = value
    for segment, prefix, kind in segments:
        if not prefix:
            continue
        number = fields.get(prefix, "")
        if kind not in _NUMBER_KINDS:
            if not number:
                # A prefixed word segment newer than the result (placement: before it
                # existed): the result simply predates it.
                continue
            if not _WORD.match(number):
                return None
            values[segment] = number
            continue
        if not (number.isascii() and number.isdigit()):
            return None
        if len(number) > _MAX_NUMBER_DIGITS:
            raise BadName(f"{segment}: has {len(number)} digits (at most {_MAX_NUMBER_DIGITS})")
        values[segment] = int(number)
    if values.get("block", 1) <= 0 or values.get("conns", 1) <= 0:
        return None
    known = {field: values.pop(segment) for segment, field in _GROUP_FIELDS.items()}
    path, block = (values.pop(segment) for segment in _KEY_SEGMENTS)
    extra = tuple((segment, values[segment]) for segment, _, _ in segments if segment in values)
    return BenchKey(Group(**known, extra=extra), path, block)


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


@dataclass
class Measurement:
    """One benchmark of one run: every metric's value per repetition."""

    key: BenchKey
    samples: dict = field(default_factory=dict)  # metric -> list of float
    # "iterations" (one sample per repetition), or "median"/"mean" when only that aggregate
    # was in the file (one sample, no spread).
    source: str = "iterations"

    def values(self, metric: str) -> list:
        return self.samples.get(metric, [])

    def has(self, metric: str) -> bool:
        return bool(self.samples.get(metric))

    def median(self, metric: str) -> float:
        return statistics.median(self.samples[metric])

    def low(self, metric: str) -> float:
        return min(self.samples[metric])

    def high(self, metric: str) -> float:
        return max(self.samples[metric])

    def repetitions(self) -> int:
        return len(self.samples.get("real_us", []))


@dataclass
class Run:
    """One result file."""

    source: Path
    context: dict
    measurements: dict  # BenchKey -> Measurement
    failed: list  # (name, error message) of benchmarks that reported an error

    def ctx(self, key: str, default: str = "") -> str:
        value = self.context.get(key)
        return default if value is None else str(value)

    def fingerprint(self) -> str:
        """The machine fingerprint the harness files results under; for a file without one,
        the contract's recipe over the context, the contract's fallback ("unknown") for any
        value the file lacks."""
        fp = self.ctx("machine_fingerprint")
        if fp:
            return fp
        unknown = CONTRACT["fingerprint_unknown"]
        raw = re.sub(r"<([a-z_]+)>", lambda m: self.ctx(m.group(1)).strip() or unknown,
                     CONTRACT["fingerprint_template"])
        return fingerprint_slug(raw)

    def date(self) -> Optional[datetime]:
        try:
            return datetime.fromisoformat(self.ctx("date"))
        except ValueError:
            return None

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


def fingerprint_slug(text: str) -> str:
    """The contract's slug: lower case, every run of characters other than ASCII [a-z0-9]
    one '-', none at either end."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def slugify(text: str) -> str:
    """A file or folder name from text; at most 120 characters, well below NAME_MAX."""
    return fingerprint_slug(text)[:120].strip("-") or "unnamed"


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
    # The sizes bench_sendfile accepts (benchmarks/src/options.cpp): 1 byte to 1024 GiB.
    if not 1 <= size <= 1 << 40:
        raise ValueError(f"size {clip(text)!r} is outside 1 byte to 1024GiB")
    return size


def parse_count(text: str, lowest: int, highest: int) -> int:
    """A whole number from lowest to highest, written in plain decimal digits."""
    if not re.fullmatch(r"\s*\d{1,9}\s*", text) or not lowest <= int(text) <= highest:
        raise ValueError(f"{clip(text)!r} is not a whole number from {lowest} to {highest}")
    return int(text)


def _number(entry: dict, key: str, where: str) -> Optional[float]:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{where}: field {key!r} is not a finite number: {value!r}")
    return float(value)


def _entry_metrics(entry: dict, where: str) -> dict:
    unit = entry.get("time_unit")
    if unit not in _US_PER_UNIT:
        raise InputError(
            f"{where}: unknown or missing time_unit {unit!r} (expected ns, us, ms or s)")
    scale = _US_PER_UNIT[unit]
    real = _number(entry, "real_time", where)
    cpu = _number(entry, "cpu_time", where)
    if real is None or cpu is None:
        raise InputError(f"{where}: missing real_time or cpu_time")
    metrics = {"real_us": real * scale, "cpu_us": cpu * scale}
    for key, value in (("real_time", real), ("cpu_time", cpu)):
        # 1.7e308 s is a finite number but no finite number of microseconds.
        if value < 0 or not math.isfinite(value * scale):
            raise InputError(f"{where}: {key} {value:g} {unit} is not a time (negative, or "
                             "too large to express in microseconds)")
    bps = _number(entry, "bytes_per_second", where)
    pass_bytes = _number(entry, PASS_BYTES, where)
    if bps is not None:
        metrics["mb_per_s"] = bps / 1e6
    elif pass_bytes is not None and metrics["real_us"] > 0:
        # bytes per microsecond is MB/s.
        metrics["mb_per_s"] = pass_bytes / metrics["real_us"]
    for counter in COUNTERS:
        value = _number(entry, counter, where)
        if value is not None:
            metrics[counter] = value
    return metrics


# ---- reading JSON the way the harness (sfb) does --------------------------------------------
#
# The same documents are read by sfb (nlohmann::json, harness/src/benchmark_json.cpp) and by
# these scripts, so both accept and refuse the same input:
# - a UTF-8 byte order mark at the start is skipped, as nlohmann::json does;
# - the bare NaN, -NaN, Infinity and -Infinity Google Benchmark 1.7.1 writes for non-finite
#   counters (the cv of a counter that is 0 in every repetition) read as null;
# - a number that does not fit a double (1e400, a 400-digit integer) is an error, where
#   Python alone would make it infinity or, past 4300 digits, raise ValueError;
# - a \u escape that leaves half a surrogate pair is an error (Python alone keeps it, and
#   printing the name later would fail);
# - nesting deeper than MAX_JSON_DEPTH is an error before the parser sees it (Python's own
#   parser recurses and fails with RecursionError near sys.getrecursionlimit(), 1000);
# - only a regular file of at most MAX_JSON_BYTES is read: a FIFO would block forever and
#   /dev/zero would never end;
# - an object that names one key twice, at any depth, is an error (ambiguous input).

MAX_JSON_DEPTH = 256
MAX_JSON_BYTES = 256 << 20
_UTF8_BOM = b"\xef\xbb\xbf"
# One token at a time: a whole string (so brackets and words inside strings are skipped), an
# opening or closing bracket, or a non-finite number.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]|-?(?:NaN|Infinity)')


class _NumberOverflow(ValueError):
    def __init__(self, text: str):
        shown = text if len(text) <= 24 else f"{text[:12]}...{text[-6:]} ({len(text)} characters)"
        super().__init__(f"number {shown} does not fit a double")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberOverflow(text)
    return value


def _parse_int(text: str):
    # nlohmann::json keeps integers that fit 64 bits and reads longer ones as a double.
    if len(text.lstrip("-")) <= 19:
        return int(text)
    return _parse_float(text)


def _prepare_json_text(text: str, path: Path) -> str:
    """Checks the nesting depth and turns bare non-finite numbers into null."""
    depth = 0
    pieces = []
    copied = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(
                    f"{path}: JSON nested deeper than {MAX_JSON_DEPTH} levels (at line {line})")
        elif first in "]}":
            depth -= 1
        elif first != '"':
            pieces.append(text[copied:match.start()])
            pieces.append("null")
            copied = match.end()
    if not pieces:
        return text
    pieces.append(text[copied:])
    return "".join(pieces)


def _lone_surrogate(value) -> Optional[str]:
    """A string of the decoded document that holds half a surrogate pair, if any."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings = (item,)
        elif isinstance(item, dict):
            strings = item.keys()
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in strings:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return text.encode("utf-8", "backslashreplace").decode("ascii")[:60]
    return None


class _RepeatedKey(ValueError):
    pass


def _object_without_repeats(pairs: list) -> dict:
    """A JSON object, refused when it names one key twice: Python alone would keep the last
    value and sfb would have to guess the same way; a result that says one thing twice is
    ambiguous, and both readers refuse it."""
    document = {}
    for key, value in pairs:
        if key in document:
            raise _RepeatedKey(key)
        document[key] = value
    return document


def read_json(path: Path, expected: str) -> object:
    """Reads and decodes one JSON file; every problem is an InputError naming the file."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise InputError(f"{path}: not a regular file (expected {expected})")
            if info.st_size > MAX_JSON_BYTES:
                raise InputError(f"{path}: {info.st_size} bytes, more than the "
                                 f"{MAX_JSON_BYTES >> 20} MiB a result file may have")
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_JSON_BYTES:
        raise InputError(f"{path}: more than the {MAX_JSON_BYTES >> 20} MiB a result file may have")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    if not data.strip():
        raise InputError(f"{path}: empty file (expected {expected})")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected {expected})") from None
    text = _prepare_json_text(text, path)
    try:
        document = json.loads(text, parse_float=_parse_float, parse_int=_parse_int,
                              object_pairs_hook=_object_without_repeats)
    except _RepeatedKey as error:
        raise InputError(f"{path}: ambiguous JSON: an object repeats the key "
                         f"{clip(str(error.args[0]))!r}") from None
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except _NumberOverflow as error:
        raise InputError(f"{path}: malformed JSON: {error}") from None
    surrogate = _lone_surrogate(document)
    if surrogate is not None:
        raise InputError(f"{path}: malformed JSON: a string holds half a UTF-16 surrogate "
                         f"pair: {surrogate!r}")
    return document


def parse_run(document: object, source: Path) -> Run:
    """Turns one decoded Google Benchmark JSON document into a Run; raises InputError."""
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        raise InputError(
            f"{source}: not Google Benchmark JSON (expected an object with a \"benchmarks\" "
            "array; write it with --benchmark_format=json or --benchmark_out_format=json)"
        )
    context = document.get("context", {})
    if not isinstance(context, dict):
        raise InputError(f"{source}: \"context\" is not an object")

    iterations = {}  # BenchKey -> {metric: [values]}
    aggregates = {}  # BenchKey -> {aggregate name: metrics}
    failed = []
    for index, entry in enumerate(document["benchmarks"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise InputError(f"{source}: benchmarks[{index}] is not a benchmark object with a name")
        run_name = entry.get("run_name", entry["name"])
        where = f"{source}: benchmark {clip(entry['name'])!r}"
        try:
            key = parse_name(run_name if isinstance(run_name, str) else entry["name"])
        except BadName as error:
            raise InputError(f"{where}: {error}") from None
        if key is None:
            continue
        if entry.get("error_occurred"):
            failure = (entry["name"], str(entry.get("error_message", "")))
            if failure not in failed:
                failed.append(failure)
            continue
        run_type = entry.get("run_type", "iteration")
        if run_type == "aggregate":
            name = entry.get("aggregate_name")
            if name in ("median", "mean"):
                aggregates.setdefault(key, {})[name] = _entry_metrics(entry, where)
            continue
        for metric, value in _entry_metrics(entry, where).items():
            iterations.setdefault(key, {}).setdefault(metric, []).append(value)

    measurements = {}
    for key, samples in iterations.items():
        measurements[key] = Measurement(key, samples, "iterations")
    for key, by_name in aggregates.items():
        if key in measurements:
            continue
        name = "median" if "median" in by_name else "mean"
        samples = {metric: [value] for metric, value in by_name[name].items()}
        measurements[key] = Measurement(key, samples, name)
    if not measurements:
        detail = ""
        if failed:
            detail = f"; all {len(failed)} of its benchmarks failed, first: {failed[0][1]!r}"
        raise InputError(
            f"{source}: no sendfile-bench results (expected benchmark names like "
            f"sendfile/tcp4/discard/warm/file:67108864/block:65536/conns:1/real_time){detail}"
        )
    return Run(source, context, measurements, failed)


def load_file(path: Path) -> Run:
    return parse_run(read_json(path, "Google Benchmark JSON"), path)


def _json_files_under(folder: Path) -> list:
    """Every *.json under folder, sorted; symbolic links to folders are not followed. A
    subfolder that cannot be listed is an error, not a silently smaller set of results."""

    def fail(error: OSError) -> None:
        raise InputError(f"{error.filename}: cannot read folder: {error.strerror or error}")

    found = []
    for root, folders, names in os.walk(folder, onerror=fail):
        found.extend(Path(root) / name for name in names if name.endswith(".json"))
        for name in folders:
            if os.path.islink(os.path.join(root, name)):
                # Following links could loop or leave the tree; not reading them is said.
                print(f"note: {printable(os.path.join(root, name))}: a symbolic link to a "
                      "folder, not followed (give its target as an input to read it)",
                      file=sys.stderr)
    return sorted(found)


def expand_inputs(inputs: Iterable[str]) -> list:
    """Files as given, folders searched recursively for *.json (in sorted order)."""
    files = []
    for text in inputs:
        path = Path(text)
        if path.is_dir():
            found = _json_files_under(path)
            if not found:
                raise InputError(f"{path}: folder holds no *.json result files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    seen = set()
    unique = []
    for path in files:
        resolved = os.path.realpath(path)
        if resolved not in seen:
            seen.add(resolved)
            unique.append(path)
    return unique


def load_runs(inputs: Iterable[str]) -> list:
    return [load_file(path) for path in expand_inputs(inputs)]


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


# ---- `sfb compare --format json` ------------------------------------------------------------


@dataclass
class CompareRow:
    """One benchmark's comparison on one metric."""

    name: str
    base: float  # median over the base repetitions
    new: float
    change: float  # new / base - 1; NaN when the harness could not compute it
    p_value: float  # what the verdict used (Holm-adjusted "p_gate" when given); NaN: no test
    outcome: str  # this metric: "worse", "better" or "unchanged"
    verdict: str  # the benchmark's: "regression", "improvement", "unchanged" or "untested"


@dataclass
class Comparison:
    source: Path
    metric: str
    base_label: str
    new_label: str
    alpha: float
    threshold: float
    correction: str  # multiple-testing correction of the p-values ("holm", "none" or "")
    gate: list
    rows: list
    only_base: list
    only_new: list
    failed: list

    def better(self) -> str:
        """Which way the metric is better: "higher", "lower" or "none" (the contract's)."""
        return metric_better(self.metric)

    def higher_is_better(self) -> bool:
        return self.better() == "higher"


def _finite_or_nan(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def parse_compare(document: object, source: Path, metric: str) -> Comparison:
    """Reads the JSON of `sfb compare BASE NEW --format json` for one metric."""
    if (not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list)
            or "base" not in document or "new" not in document):
        raise InputError(
            f"{source}: not `sfb compare --format json` output (expected an object with "
            "\"base\", \"new\" and a \"benchmarks\" array)")
    rows = []
    for index, item in enumerate(document["benchmarks"]):
        where = f"{source}: benchmarks[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InputError(f"{where}: not an object with a name")
        metrics = item.get("metrics")
        if not isinstance(metrics, dict):
            raise InputError(f"{where}: no \"metrics\" object")
        m = metrics.get(metric)
        if m is None:
            continue
        if not isinstance(m, dict):
            raise InputError(f"{where}: metrics.{metric} is not an object")
        base = _finite_or_nan(m.get("base_median"))
        new = _finite_or_nan(m.get("new_median"))
        if math.isnan(base) or math.isnan(new):
            raise InputError(f"{where}: metrics.{metric} lacks numeric base_median/new_median")
        rows.append(CompareRow(
            name=item["name"],
            base=base,
            new=new,
            change=_finite_or_nan(m.get("change")),
            p_value=_finite_or_nan(m.get("p_gate", m.get("p_value"))),
            outcome=str(m.get("outcome", "unchanged")),
            verdict=str(item.get("verdict", "unchanged")),
        ))
    if not rows:
        raise InputError(f"{source}: no compared benchmark has the metric {metric!r}")

    def strings(key):
        value = document.get(key, [])
        return [str(v) for v in value] if isinstance(value, list) else []

    return Comparison(
        source=source,
        metric=metric,
        base_label=str(document["base"]),
        new_label=str(document["new"]),
        alpha=_finite_or_nan(document.get("alpha")),
        threshold=_finite_or_nan(document.get("threshold")),
        correction=str(document.get("correction", "")),
        gate=strings("gate"),
        rows=rows,
        only_base=strings("only_in_base"),
        only_new=strings("only_in_new"),
        failed=strings("failed"),
    )


def load_compare(path: Path, metric: str) -> Comparison:
    return parse_compare(read_json(path, "`sfb compare --format json` output"), path, metric)
