#!/usr/bin/env python3
"""Checks that every #include of the project's C and C++ points down its layers.

    check_includes.py [REPO_ROOT]

The parts, lowest first (README.md, "Layout"); each file belongs to the part of the longest
folder below that holds it:

    common < core < format < host < sink/protocol < benchmarks, sink < sink/tests < harness
    < format/tests

benchmarks and sink stand side by side: neither may include the other. sink/tests drives both
ends of the protocol (sfb-sink's server against bench_sendfile's remote_receiver) and
format/tests checks what bench_sendfile and sfb both write, so each sits above what it tests.

An include is followed to the file it names: "x.h" next to the including file, else the one
file of the repository whose path ends in /x.h; <sfb/x.h> the one under an include/ folder
(<sfb/format_contract.h>, generated into the build tree, is format's). A file may include its
own part and the parts below it, never a part above it or beside it. Other <...> includes are
the system's and are not followed.

Exit status 0 when every include points down, 1 with one line per include that does not (or
that names no file, or more than one), 2 when REPO_ROOT holds no sources.
"""

import re
import sys
from pathlib import Path

# (folder, level): a part is a folder; the longest folder that holds a file is its part.
PARTS = {
    "common": 0,
    "core": 1,
    "format": 2,
    "host": 3,
    "sink/protocol": 4,
    "benchmarks": 5,
    "sink": 5,
    "sink/tests": 6,
    "harness": 7,
    "format/tests": 8,
}
GENERATED = {"sfb/format_contract.h": "format"}
SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".h", ".hpp"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def part_of(relative):
    """The part (a folder of PARTS) that holds `relative` (a POSIX path), or None."""
    best = None
    for folder in PARTS:
        if (relative == folder or relative.startswith(folder + "/")) and (
            best is None or len(folder) > len(best)
        ):
            best = folder
    return best


def sources(root):
    """Every C and C++ file of the parts, as POSIX paths relative to `root`."""
    found = []
    for folder in PARTS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.suffix in SOURCE_SUFFIXES and path.is_file():
                relative = path.relative_to(root).as_posix()
                if part_of(relative) is not None:
                    found.append(relative)
    return sorted(set(found))


def resolve(root, files, includer, kind, name):
    """The parts `name` (included by `includer` with `kind` '"' or '<') can mean."""
    if kind == '"':
        beside = (root / includer).parent / name
        if beside.is_file():
            return {part_of(beside.resolve().relative_to(root.resolve()).as_posix())}
        matches = [f for f in files if f.endswith("/" + name)]
    else:
        if not name.startswith("sfb/"):
            return None  # the system's
        if name in GENERATED:
            return {GENERATED[name]}
        matches = [f for f in files if f.endswith("include/" + name)]
    return {part_of(f) for f in matches}


def check(root):
    files = sources(root)
    if not files:
        print(f"check_includes: no C or C++ sources under {root}", file=sys.stderr)
        return 2
    problems = []
    for includer in files:
        own = part_of(includer)
        text = (root / includer).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            kind, name = match.groups()
            parts = resolve(root, files, includer, kind, name)
            where = f"{includer}:{number}: {line.strip()}"
            if parts is None:
                continue
            if not parts:
                problems.append(f"{where}: names no file of the repository")
            elif len(parts) > 1:
                problems.append(f"{where}: names files of {', '.join(sorted(parts))}")
            else:
                target = parts.pop()
                if target != own and PARTS[target] >= PARTS[own]:
                    side = "beside" if PARTS[target] == PARTS[own] else "above"
                    problems.append(f"{where}: {own} includes {target}, a part {side} it")
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_includes: {len(problems)} include(s) do not point down the layers "
              "(README.md, Layout)")
        return 1
    print(f"check_includes: every include of {len(files)} files points down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1])))
