#!/usr/bin/env python3
"""Checks that results/README.md documents exactly what format/contract.json holds.

    check_docs.py CONTRACT_JSON RESULTS_README

Each table of the README that lists names (name segments and their values, context keys by
who writes them, benchmark fields, counters) must name every entry of the contract and
nothing else. Exit status 0 when they agree, 1 with one line per difference when not, 2 when
a file cannot be read or a table is missing.
"""

import json
import re
import sys

CODE = re.compile(r"`([^`]*)`")


def sections(text):
    """{heading text: [table rows as lists of cells]} for every '#'-heading and its tables."""
    out = {}
    heading = None
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            continue
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
            out[heading] = []
        elif heading is not None and line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            out[heading].append(cells)
    return out


def first_column_names(rows):
    """The backticked names of each row's first cell, the header row left out."""
    names = []
    for row in rows[1:]:
        names.extend(CODE.findall(row[0]))
    return names


def compare(what, documented, expected, problems):
    documented, expected = list(documented), list(expected)
    for name in expected:
        if name not in documented:
            problems.append(f"{what}: {name} is in the contract but not in the README")
    for name in documented:
        if name not in expected:
            problems.append(f"{what}: {name} is in the README but not in the contract")
    for name in {n for n in documented if documented.count(n) > 1}:
        problems.append(f"{what}: {name} is documented more than once")


def table(tables, heading):
    if heading not in tables or not tables[heading]:
        raise KeyError(f"no table under the heading '{heading}'")
    return tables[heading]


def check(contract, readme_text):
    tables = sections(readme_text)
    problems = []

    # Benchmark names: one row per segment (plain name, or its `prefix`), listing the values
    # of the segments whose values come from a table.
    rows = table(tables, "Benchmark names")
    by_segment = {}
    for row in rows[1:]:
        names = CODE.findall(row[0])
        by_segment[names[0] if names else row[0]] = row
    documented_segments = list(by_segment)
    expected_segments = [s["prefix"] or s["name"] for s in contract["name"]["segments"]]
    compare("name segments", documented_segments, expected_segments, problems)
    for segment in contract["name"]["segments"]:
        row = by_segment.get(segment["prefix"] or segment["name"])
        if row is None or segment["values"] not in contract:
            continue
        compare(f"values of the {segment['name']} segment", CODE.findall(row[1]),
                [entry["name"] for entry in contract[segment["values"]]], problems)

    keys = contract["context_keys"]
    compare("Google Benchmark's context keys",
            first_column_names(table(tables, "`context`: Google Benchmark's keys")),
            [k["key"] for k in keys if k["source"] == "gbench"], problems)
    compare("the suite's and the harness's context keys",
            first_column_names(table(tables, "`context`: the suite's keys (all strings)")),
            [k["key"] for k in keys if k["source"] in ("suite", "harness")], problems)

    # The benchmark objects: Google Benchmark's fields (with the measures), then the counters.
    objects = table(tables, "`benchmarks`: one object per repetition, then the aggregates")
    header_rows = [i for i, row in enumerate(objects) if row[0] in ("field", "counter")]
    if len(header_rows) != 2:
        raise KeyError("expected a 'field' table and a 'counter' table under `benchmarks`")
    fields, counters = objects[header_rows[0]:header_rows[1]], objects[header_rows[1]:]
    compare("benchmark fields", first_column_names(fields),
            [f["name"] for f in contract["benchmark_fields"] + contract["measures"]], problems)
    compare("counters", first_column_names(counters),
            [c["name"] for c in contract["counters"]], problems)
    return problems


def main(argv):
    if len(argv) != 3:
        print("usage: check_docs.py CONTRACT_JSON RESULTS_README", file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            contract = json.load(f)
        with open(argv[2], encoding="utf-8") as f:
            readme = f.read()
        problems = check(contract, readme)
    except (OSError, ValueError, KeyError) as e:
        print(f"check_docs: {e}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"check_docs: {argv[2]}: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_docs: {argv[2]} documents exactly the names of {argv[1]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
