#!/usr/bin/env python3
"""Checks the READMEs against format/contract.json.

    check_docs.py CONTRACT_JSON RESULTS_README [REPO_ROOT]

results/README.md, the reference: each table that lists names (name segments and their values,
context keys by who writes them, benchmark fields, counters) must name every entry of the
contract and nothing else.

Resolutions: every measure and counter whose unit is a time (`us`, `us/KiB`) says where it comes
from ("source") and how fine that source counts ("resolution"), and benchmarks/README.md's table
under RESOLUTION_HEADING names exactly those entries.

Every README.md of the repository (under REPO_ROOT, by default the folder above the contract's):
a name it gives as a context key or a counter must be one the contract has. A name is taken as
one when it is in the first column of a table headed `key`, `counter` or `metric`, or when it
has the form of the contract's families wherever it is: `receiver_...` and `transport_...`
(context keys), `..._us`, `..._us_per_kib`, `..._per_pass` (counters). Names ending in `_` (a
prefix) or `_id` (the generated header's types) are not keys.

Exit status 0 when they agree, 1 with one line per difference when not, 2 when a file cannot be
read or a table is missing.
"""

import json
import os
import re
import sys
from pathlib import Path

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


RESOLUTION_HEADING = "CPU counters: sources and resolution"
TIME_UNITS = ("us", "us/KiB")


def timed_entries(contract):
    """The measures and counters whose unit is a time, in contract order."""
    return [e for e in contract["measures"] + contract["counters"] if e["unit"] in TIME_UNITS]


def check_resolutions(contract, bench_readme_text):
    """Problems with the time entries' source and resolution, in the contract and in the table
    of benchmarks/README.md."""
    problems = []
    for entry in timed_entries(contract):
        for field in ("source", "resolution"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                problems.append(f"{entry['name']} has no {field} in the contract")
    compare("sources and resolutions", first_column_names(
        table(sections(bench_readme_text), RESOLUTION_HEADING)),
        [e["name"] for e in timed_entries(contract)], problems)
    return problems


KEY_PREFIXES = ("receiver_", "transport_")
COUNTER_SUFFIXES = ("_us", "_us_per_kib", "_per_pass")
NAME_TABLE_HEADERS = ("key", "counter", "metric")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def known_names(contract):
    """Every name the contract gives a result: context keys, counters, fields and measures."""
    return ({k["key"] for k in contract["context_keys"]} |
            {c["name"] for c in contract["counters"]} |
            {f["name"] for f in contract["benchmark_fields"] + contract["measures"]})


def looks_like_key(name):
    if not IDENTIFIER.match(name) or name.endswith("_") or name.endswith("_id"):
        return False
    return name.startswith(KEY_PREFIXES) or name.endswith(COUNTER_SUFFIXES)


def claimed_names(text):
    """The names `text` gives as context keys or counters, each once, in order."""
    claimed = []
    in_code = False
    header = None
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = line.strip().strip("|").split("|")[0].strip().lower()
            continue
        elif not re.match(r"^\|[-| ]+\|$", line) and header in NAME_TABLE_HEADERS:
            first = line.strip().strip("|").split("|")[0]
            claimed.extend(n for n in CODE.findall(first) if IDENTIFIER.match(n))
        claimed.extend(n for n in CODE.findall(line) if looks_like_key(n))
    return list(dict.fromkeys(claimed))


def check_names(contract, readme_text):
    """Problems with the context keys and counters any README names."""
    known = known_names(contract)
    return [f"{name} is named as a context key or counter but is not in the contract"
            for name in claimed_names(readme_text) if name not in known]


def every_readme(root):
    """Each README.md under `root`, build folders and hidden folders left out, sorted."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if not d.startswith((".", "build"))]
        if "README.md" in files:
            found.append(Path(folder) / "README.md")
    return sorted(found)


def main(argv):
    if len(argv) not in (3, 4):
        print("usage: check_docs.py CONTRACT_JSON RESULTS_README [REPO_ROOT]", file=sys.stderr)
        return 2
    root = Path(argv[3]) if len(argv) == 4 else Path(argv[1]).resolve().parents[1]
    problems = []
    try:
        with open(argv[1], encoding="utf-8") as f:
            contract = json.load(f)
        with open(argv[2], encoding="utf-8") as f:
            readme = f.read()
        problems = [f"{argv[2]}: {p}" for p in check(contract, readme)]
        bench_readme = root / "benchmarks" / "README.md"
        problems += [f"{bench_readme}: {p}" for p in
                     check_resolutions(contract, bench_readme.read_text(encoding="utf-8"))]
        readmes = every_readme(root)
        for path in readmes:
            problems += [f"{path}: {p}" for p in
                         check_names(contract, path.read_text(encoding="utf-8"))]
    except (OSError, ValueError, KeyError) as e:
        print(f"check_docs: {e}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"check_docs: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_docs: {argv[2]} documents exactly the names of {argv[1]}, and the "
              f"{len(readmes)} README.md files under {root} name no other key or counter")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
