#!/usr/bin/python3
"""A port of how Bencher reads benchmark output, so that a test can run its parsing on what
sendfile-bench writes without the bencher CLI (a Rust program not packaged for Debian).

Follows bencherdev/bencher at commit 8d75325c3bc59403a2186a056b472c4f49d42838 (2026-08-22):
- the `cpp_google` adapter, lib/bencher_adapter/src/adapters/cpp/google.rs: with
  `--average median` it declines (None); otherwise serde_json into
  Google {context: {caches: [any]}, benchmarks: [{name, real_time, time_unit}]} (other
  fields ignored), real_time through rust_decimal's float serde, time_unit by the unit parser
  of adapters/util.rs (ps, ns, μs, µs, us, ms, s, nothing after it); one Latency metric per
  entry, value = real_time in nanoseconds (latency_as_nanos), no bounds; every entry counts,
  whatever its run_type, and results/adapter_results.rs (AdapterResults::new) keeps them in a
  HashMap by name, so of entries with the same name the last one wins; no entries: None;
- the `json` adapter, the Bencher Metric Format, adapters/json.rs: serde_json straight into
  AdapterResults, a map of BenchmarkNameId to a map of MeasureNameId to JsonNewMetric
  {value, lower_value?, upper_value?} (lib/bencher_json/src/project/metric/mod.rs);
- the keys, lib/bencher_valid/src/name_id.rs: a UUID, else a slug, else a name; a benchmark
  name is 1 to 1024 bytes (benchmark_name.rs), a measure name 1 to 64 bytes with no blank at
  either end (resource_name.rs, lib.rs is_valid_len), a slug is also its own slugify.
serde_json's own rules are kept: no NaN or Infinity, a number past the range of a double is an
error, nesting is limited to 127 levels (its recursion limit of 128), half a surrogate pair
in a \\u escape is an error, no byte order mark, and a struct's field twice is an error while
a map's key twice keeps the last value.

Bencher itself reports only that the adapter could not parse the input (the adapters discard
serde's error with .ok()); this port says why, for the test's messages.

usage: bencher_adapter.py cpp_google|json FILE [--average mean|median]
Prints {"benchmark": {"measure": {"value", "lower_value", "upper_value"}}} and exits 0, or
prints why the adapter declines and exits 1.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import uuid

SERDE_RECURSION_LIMIT = 128
MAX_BENCHMARK_NAME_BYTES = 1024
MAX_RESOURCE_NAME_BYTES = 64
# rust_decimal::Decimal::MAX; Decimal::from_f64 has no value at or beyond it.
DECIMAL_MAX = 79228162514264337593543950335.0
# Nanoseconds per unit, adapters/util.rs Units::as_nanos; the order is the parser's.
UNITS = (("ps", 1.0 / 1_000.0), ("ns", 1.0), ("\u03bcs", 1_000.0), ("\u00b5s", 1_000.0),
         ("us", 1_000.0), ("ms", 1_000_000.0), ("s", 1_000_000_000.0))
LATENCY = "latency"  # the built-in Latency measure's slug (measure/built_in.rs)

_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[{]|[\]}]')
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class Declined(Exception):
    """The adapter returns None: Bencher cannot use this input."""


class _Object(list):
    """A JSON object's (key, value) pairs in order, so that duplicates can be judged by the
    type the object is read into, as serde does."""


def _serde_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise Declined(f"number out of range: {text[:40]}")
    return value


def _serde_int(text: str):
    # serde_json keeps what fits u64 or i64 as an integer and parses the rest as a double.
    value = int(text) if len(text.lstrip("-")) <= 20 else None
    if value is not None and -(1 << 63) <= value < (1 << 64):
        return value
    return _serde_float(text)


def _reject_constant(token: str):
    raise Declined(f"expected value: {token} is not JSON")


def _check_strings(value) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise Declined("lone surrogate in a \\u escape") from None
        elif isinstance(item, _Object):
            for key, inner in item:
                stack.extend((key, inner))
        elif isinstance(item, list):
            stack.extend(item)


def serde_json_loads(text: str):
    """serde_json::from_str's acceptance; objects come back as _Object pair lists."""
    depth = 0
    for match in _TOKEN.finditer(text):
        first = match.group()[0]
        if first in "[{":
            depth += 1
            if depth >= SERDE_RECURSION_LIMIT:
                raise Declined("recursion limit exceeded")
        elif first in "]}":
            depth -= 1
    try:
        document = json.loads(text, object_pairs_hook=_Object, parse_float=_serde_float,
                              parse_int=_serde_int, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise Declined(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    _check_strings(document)
    return document


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "map" if isinstance(value, _Object) else "sequence"


def _struct(value, fields, where: str) -> dict:
    """A serde-derived struct: unknown fields ignored, a known one twice is an error, a
    missing one that is not optional is an error. fields: name -> required. serde also
    reads a struct from an array of exactly its fields in order."""
    if isinstance(value, list) and not isinstance(value, _Object):
        if len(value) != len(fields):
            raise Declined(f"{where}: invalid length {len(value)}, expected struct with "
                           f"{len(fields)} elements")
        return dict(zip(fields, value))
    if not isinstance(value, _Object):
        raise Declined(f"{where}: invalid type: {_kind(value)}, expected struct")
    found = {}
    for key, inner in value:
        if key in fields:
            if key in found:
                raise Declined(f"{where}: duplicate field `{key}`")
            found[key] = inner
    for name, required in fields.items():
        if required and name not in found:
            raise Declined(f"{where}: missing field `{name}`")
    return found


def _f64(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Declined(f"{where}: invalid type: {_kind(value)}, expected f64")
    return float(value)


def _string(value, where: str) -> str:
    if not isinstance(value, str):
        raise Declined(f"{where}: invalid type: {_kind(value)}, expected a string")
    return value


def benchmark_name_ok(name: str) -> bool:
    return 0 < len(name.encode("utf-8")) <= MAX_BENCHMARK_NAME_BYTES


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def name_id(text: str, name_ok) -> str:
    """Which of UUID, slug or name a key is (name_id.rs); Declined when none."""
    if _is_uuid(text):
        return "uuid"
    if text == text.strip() and 0 < len(text.encode("utf-8")) <= MAX_RESOURCE_NAME_BYTES \
            and _SLUG.fullmatch(text):
        return "slug"
    if name_ok(text):
        return "name"
    raise Declined(f"invalid value: {text[:60]!r}, expected a valid UUID, slug, or name.")


def measure_name_ok(name: str) -> bool:
    return name == name.strip() and 0 < len(name.encode("utf-8")) <= MAX_RESOURCE_NAME_BYTES


def nanoseconds_per(unit: str) -> float:
    for text, factor in UNITS:
        if unit == text:
            return factor
    raise Declined(f"invalid benchmark units: {unit!r}")


def cpp_google(text: str, average: str = "mean") -> dict:
    """AdapterCppGoogle::parse: benchmark name -> {"latency": metric}."""
    if average == "median":
        raise Declined("cpp_google declines --average median")
    top = _struct(serde_json_loads(text), {"context": True, "benchmarks": True}, "Google")
    context = _struct(top["context"], {"caches": True}, "context")
    if not isinstance(context["caches"], list) or isinstance(context["caches"], _Object):
        raise Declined(f"context.caches: invalid type: {_kind(context['caches'])}, "
                       "expected a sequence")
    entries = top["benchmarks"]
    if not isinstance(entries, list) or isinstance(entries, _Object):
        raise Declined(f"benchmarks: invalid type: {_kind(entries)}, expected a sequence")
    results = {}
    for index, entry in enumerate(entries):
        where = f"benchmarks[{index}]"
        fields = _struct(entry, {"name": True, "real_time": True, "time_unit": True}, where)
        name = _string(fields["name"], f"{where}.name")
        if not benchmark_name_ok(name):
            raise Declined(f"{where}.name: invalid benchmark name")
        real_time = _f64(fields["real_time"], f"{where}.real_time")
        if abs(real_time) >= DECIMAL_MAX:
            raise Declined(f"{where}.real_time: {real_time} does not fit a Decimal")
        factor = nanoseconds_per(_string(fields["time_unit"], f"{where}.time_unit"))
        # HashMap::insert: a later entry of the same name replaces the earlier one.
        results[name] = {LATENCY: {"value": real_time * factor, "lower_value": None,
                                   "upper_value": None}}
    if not results:
        raise Declined("no benchmarks")
    return results


def _optional_f64(found: dict, key: str, where: str):
    value = found.get(key)
    return None if value is None else _f64(value, f"{where}.{key}")


def bmf(text: str) -> dict:
    """AdapterJson::parse: the Bencher Metric Format."""
    document = serde_json_loads(text)
    if not isinstance(document, _Object):
        raise Declined(f"invalid type: {_kind(document)}, expected a map")
    results = {}
    for benchmark, measures in document:
        name_id(benchmark, benchmark_name_ok)
        if not isinstance(measures, _Object):
            raise Declined(f"{benchmark}: invalid type: {_kind(measures)}, expected a map")
        metrics = {}
        for measure, metric in measures:
            name_id(measure, measure_name_ok)
            where = f"{benchmark}.{measure}"
            found = _struct(metric, {"value": True, "lower_value": False, "upper_value": False},
                            where)
            metrics[measure] = {"value": _f64(found["value"], f"{where}.value"),
                                "lower_value": _optional_f64(found, "lower_value", where),
                                "upper_value": _optional_f64(found, "upper_value", where)}
        results[benchmark] = metrics
    return results


ADAPTERS = {"cpp_google": cpp_google, "json": lambda text, average: bmf(text)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("adapter", choices=sorted(ADAPTERS))
    parser.add_argument("file")
    parser.add_argument("--average", choices=("mean", "median"), default="mean")
    args = parser.parse_args(argv)
    try:
        # Read as Rust reads a file into a String: UTF-8, nothing stripped.
        with open(args.file, encoding="utf-8", newline="") as handle:
            text = handle.read()
        results = ADAPTERS[args.adapter](text, args.average)
    except UnicodeDecodeError:
        print(f"bencher {args.adapter}: {args.file}: stream did not contain valid UTF-8",
              file=sys.stderr)
        return 1
    except Declined as reason:
        print(f"bencher {args.adapter}: {args.file}: the adapter cannot parse it: {reason}",
              file=sys.stderr)
        return 1
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
