"""Reading sfb's tidy export (format/README.md, "The tidy export"): by running
`sfb export --format tidy-jsonl` on result files and folders, or from a tidy file someone
exported (.jsonl or .csv). The rows become runs in sfb_results.runs_from_rows."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Optional

import sfb_results as sr

TIDY_COLUMNS = (("source", "machine_fingerprint", "record", "benchmark")
                + tuple(segment for segment, _, _ in sr.CONTRACT["segments"])
                + ("repetition", "metric", "value", "unit", "ci_low", "ci_high", "n", "text"))
_TIDY_INTEGERS = {"repetition", "n"} | {segment for segment, _, kind in sr.CONTRACT["segments"]
                                         if kind in sr._NUMBER_KINDS}
_TIDY_NUMBERS = {"value", "ci_low", "ci_high"}
TIDY_SUFFIXES = (".jsonl", ".csv")
REPOSITORY = Path(__file__).resolve().parents[1]
# Where a build of this checkout puts sfb (CMakePresets.json's release and ci presets).
BUILT_SFB = ("build/release/harness/sfb", "build/ci/harness/sfb")


class SfbRefused(sr.InputError):
    """sfb's own message about an input: already escaped by sfb, to be shown as it is."""


def message_text(error: Exception) -> str:
    """An error for the user: sfb's message as sfb wrote it, anything else made printable."""
    return str(error) if isinstance(error, SfbRefused) else sr.printable(str(error))


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_sfb(option: Optional[str] = None) -> str:
    """The sfb that reads the results: --sfb PATH, else $SFB, else sfb on PATH, else this
    checkout's build (BUILT_SFB); sr.InputError when there is none."""
    for origin, value in (("--sfb", option), ("SFB", os.environ.get("SFB"))):
        if value:
            if not _executable(value):
                raise sr.InputError(f"{origin} {value}: not an executable file (the sfb program "
                                 "that reads the results)")
            return value
    found = shutil.which("sfb")
    if found:
        return found
    for relative in BUILT_SFB:
        candidate = REPOSITORY / relative
        if _executable(str(candidate)):
            return str(candidate)
    raise sr.InputError("cannot find sfb, which reads the result files for the figures: pass "
                     "--sfb PATH, set SFB=PATH, put sfb on PATH or build it (cmake --preset "
                     "release && cmake --build --preset release); or give a tidy export "
                     "(sfb export --format tidy-jsonl) as the input")


def _checked_row(row: object, where: str) -> dict:
    if not isinstance(row, dict) or any(column not in row for column in TIDY_COLUMNS):
        raise sr.InputError(f"{where}: not a row of sfb's tidy export (expected the columns "
                         f"{', '.join(TIDY_COLUMNS)})")
    if row["record"] not in ("context", "repetition", "median", "error", "ratio"):
        raise sr.InputError(f"{where}: unknown record {sr.clip(str(row['record']))!r}")
    for column in _TIDY_INTEGERS | _TIDY_NUMBERS:
        value = row[column]
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise sr.InputError(f"{where}: column {column} is not a number: {sr.clip(repr(value))}")
    if row["record"] == "ratio" and row["value"] is None:
        raise sr.InputError(f"{where}: a ratio row without a value")
    return row


def _csv_rows(path: Path, text: str) -> list:
    rows = []
    reader = csv.DictReader(text.splitlines(keepends=True))
    for line, record in enumerate(reader, start=2):
        row = {}
        for column in TIDY_COLUMNS:
            cell = record.get(column)
            if cell is None:
                raise sr.InputError(f"{path}: line {line}: not a row of sfb's tidy export (no "
                                 f"column {column})")
            if cell == "":
                row[column] = None
            elif column in _TIDY_INTEGERS or column in _TIDY_NUMBERS:
                whole = column in _TIDY_INTEGERS
                try:
                    row[column] = int(cell) if whole else float(cell)
                except ValueError:
                    kind = "a whole number" if whole else "a number"
                    raise sr.InputError(f"{path}: line {line}: column {column} is not {kind}: "
                                        f"{sr.clip(cell)!r}") from None
            else:
                row[column] = cell
        rows.append(_checked_row(row, f"{path}: line {line}"))
    return rows


def _jsonl_rows(origin: str, text: str) -> list:
    rows = []
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            row = json.loads(content)
        except ValueError as error:
            raise sr.InputError(f"{origin}: line {line}: not JSON: {error}") from None
        rows.append(_checked_row(row, f"{origin}: line {line}"))
    return rows


def read_tidy_file(path: Path) -> list:
    """The rows of a tidy export saved to a file (.jsonl or .csv)."""
    try:
        if not path.is_file():
            raise sr.InputError(f"{path}: no such file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise sr.InputError(f"{path}: cannot read: {error}") from None
    return _csv_rows(path, text) if path.suffix == ".csv" else _jsonl_rows(str(path), text)


def tidy_rows(inputs: Iterable[str], sfb: Optional[str] = None) -> list:
    """Every tidy row of the inputs: tidy files read as they are, everything else (result files
    and folders) through `sfb export --format tidy-jsonl`. sfb's refusal of an input is an
    sr.InputError with sfb's message."""
    rows = []
    results = []
    for text in inputs:
        if text.endswith(TIDY_SUFFIXES):
            rows.extend(read_tidy_file(Path(text)))
        else:
            results.append(text)
    if results:
        program = find_sfb(sfb)
        try:
            done = subprocess.run([program, "export", "--format", "tidy-jsonl", *results],
                                  capture_output=True, check=False)
        except OSError as error:
            raise sr.InputError(f"cannot run {program}: {error}") from None
        message = done.stderr.decode("utf-8", "replace").strip()
        # 4: sfb read everything it could and names what it left out (a FIFO in a folder...).
        if done.returncode not in (0, 4):
            raise SfbRefused(message or f"{program} export failed with status {done.returncode}")
        # sfb's warnings (already escaped by sfb) pass through, except the notes about files
        # without the .json suffix in a folder: a results tree holds its figures and READMEs.
        lines = [line for line in message.splitlines()
                 if not line.endswith("results are read from *.json files only")]
        if not any(": not read: " in line for line in lines):
            lines = [line for line in lines if "the answer is incomplete" not in line]
        for line in lines:
            print(line, file=sys.stderr)
        rows.extend(_jsonl_rows(f"{program} export", done.stdout.decode("utf-8", "replace")))
    return rows


