"""Reading `sfb compare --format json` (sfb's own output) for the compare figure."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import sfb_results as sr


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
    # "instructions" when the compared results ran under qemu's instruction clock (their
    # benchmarks carry guest_instructions_per_pass, written exactly then), "wall" otherwise.
    clock: str = "wall"

    def better(self) -> str:
        """Which way the metric is better: "higher", "lower" or "none" (the contract's)."""
        return sr.metric_better(self.metric)

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
        raise sr.InputError(
            f"{source}: not `sfb compare --format json` output (expected an object with "
            "\"base\", \"new\" and a \"benchmarks\" array)")
    rows = []
    clock = "wall"
    for index, item in enumerate(document["benchmarks"]):
        where = f"{source}: benchmarks[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise sr.InputError(f"{where}: not an object with a name")
        metrics = item.get("metrics")
        if not isinstance(metrics, dict):
            raise sr.InputError(f"{where}: no \"metrics\" object")
        # sfb kernels writes this counter into every benchmark exactly under the instruction
        # clock, and sfb compare never pairs the two clocks: its presence says the clock.
        if sr.GUEST_INSTRUCTIONS_PER_PASS in metrics:
            clock = sr.INSTRUCTIONS
        m = metrics.get(metric)
        if m is None:
            continue
        if not isinstance(m, dict):
            raise sr.InputError(f"{where}: metrics.{metric} is not an object")
        base = _finite_or_nan(m.get("base_median"))
        new = _finite_or_nan(m.get("new_median"))
        if math.isnan(base) or math.isnan(new):
            raise sr.InputError(f"{where}: metrics.{metric} lacks numeric base_median/new_median")
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
        raise sr.InputError(f"{source}: no compared benchmark has the metric {metric!r}")

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
        clock=clock,
    )


def load_compare(path: Path, metric: str) -> Comparison:
    """`sfb compare --format json` output (sfb's own, strict JSON) from a file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise sr.InputError(f"{path}: cannot read `sfb compare --format json` output: "
                         f"{error}") from None
    return parse_compare(document, path, metric)
