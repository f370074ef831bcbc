#!/usr/bin/python3
"""Figures from sendfile-bench results: PNG and SVG, from result files or folders of them.

Needs Python 3.9+ with matplotlib. On Debian/Ubuntu that is /usr/bin/python3 with the
python3-matplotlib package (apt-get install python3-matplotlib); the shebang names that
interpreter on purpose, since a python3 found first on PATH (pyenv, a virtualenv) may lack it.

Exit status: 0 when every figure was written, 2 on bad input or usage (the message names the
file), 1 when the figures could not be made (matplotlib missing, output not writable). On any
failure no image is left behind.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sfb_results as sr  # noqa: E402

EXIT_OK, EXIT_CANNOT_DRAW, EXIT_BAD_INPUT = 0, 1, 2
FIGURES = ("throughput", "cpu", "speedup", "machines")


DESCRIPTION = """\
Renders figures from sendfile-bench results (bench_sendfile's JSON, as `sfb run` stores it
under results/<machine>/<date>-<commit>.json). RESULTS are files or folders; folders are
searched recursively for *.json. sfb reads them (`sfb export --format tidy-jsonl`; --sfb
PATH, $SFB, sfb on PATH, or this checkout's build/release or build/ci); a tidy export saved
as .jsonl or .csv is read as it is.

figures:
  throughput  MB/s against block size, one line per path (median, 95% interval band)
  cpu         sender CPU usec/pass and service demand against block size, per path
  speedup     each path's MB/s over read_send's (sfb's ratio, 95% interval), a line at 1x
  machines    the same paths across machines/kernels/OSes, newest run of each machine
  transports  loopback and veth (per MTU) side by side: MB/s and sender CPU at one block size
  placement   sendfile/read_send per CPU placement (same, split, free) with its interval
  compare     base vs new per benchmark with verdicts, from `sfb compare --format json`
  all         throughput, cpu, speedup and machines together

Each figure is written once per benchmark group (transport, receiver, cache, file size,
connections) as OUT/<figure>-<group>.png and .svg; with several runs, the per-run figures go
to OUT/<machine fingerprint>/<result file name>/. Narrow the groups with the filters.

examples:
  /usr/bin/python3 plots/sfb_plots.py all results --output figures
  /usr/bin/python3 plots/sfb_plots.py speedup results/<machine> --output figures --receiver discard
  /usr/bin/python3 plots/sfb_plots.py compare compare.json --output figures --metric cpu_time
  /usr/bin/python3 plots/sfb_plots.py transports LOOPBACK.json VETH1500.json VETH65535.json \
      --output figures
  /usr/bin/python3 plots/sfb_plots.py placement PLACEMENTS.json --output figures

exit status: 0 figures written, 1 figures could not be made (no matplotlib, output not
writable), 2 bad input or usage.
"""


def split_list(text: str) -> list:
    return [part.strip() for part in text.split(",") if part.strip()]


def add_filters(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (comma-separated lists; repeatable)")
    group.add_argument("--path", action="append", default=[], metavar="P[,P]",
                       help="paths to draw (e.g. read_send,sendfile); default: all")
    for option, metavar, kind in (("--transport", "T", "transports"),
                                  ("--receiver", "R", "receivers"), ("--cache", "C", "caches")):
        group.add_argument(option, action="append", default=[], metavar=metavar,
                           help=", ".join(sr.CONTRACT[kind]))
    group.add_argument("--file-size", action="append", default=[], metavar="SIZE",
                       help="file size in bytes or with a binary unit (64MiB)")
    group.add_argument("--conns", action="append", default=[], metavar="N",
                       help="number of connections")


def add_common(parser: argparse.ArgumentParser, inputs_help: str) -> None:
    parser.add_argument("inputs", nargs="+", metavar="RESULTS", help=inputs_help)
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="DIR",
                        help="folder to write the figures to (created if missing)")
    parser.add_argument("--formats", default="png,svg", metavar="png,svg",
                        help="image formats to write (default: png,svg)")
    parser.add_argument("--sfb", metavar="PATH",
                        help="the sfb program that reads the result files (default: $SFB, "
                             "sfb on PATH, then build/release/harness/sfb or "
                             "build/ci/harness/sfb of this checkout)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sfb_plots.py",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="figure", required=True, metavar="FIGURE")
    results_help = "result files or folders of them, or tidy exports (.jsonl, .csv)"
    for name, text in (
        ("throughput", "MB/s against block size, one line per path"),
        ("cpu", "sender CPU usec/pass and service demand against block size"),
        ("speedup", "speed-up of each path over read_send"),
        ("machines", "the same paths across machines, kernels and OSes"),
        ("transports", "loopback and veth (per MTU) side by side: MB/s and sender CPU"),
        ("placement", "sendfile's speed-up over read_send per CPU placement"),
        ("all", "throughput, cpu, speedup and machines"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        add_common(p, results_help)
        add_filters(p)
        if name not in ("transports", "placement"):
            p.add_argument("--log-y", action="store_true",
                           help="logarithmic y axis, for values that span decades")
        if name == "transports":
            p.add_argument("--block-size", default="64KiB", metavar="SIZE",
                           help="the block size drawn (default: 64KiB)")
        if name in ("machines", "all"):
            p.add_argument("--all-runs", action="store_true",
                           help="machines: one line per result file instead of the newest "
                                "run of each machine")
    p = sub.add_parser(
        "compare",
        help="base vs new per benchmark with the verdicts, from `sfb compare --format json`",
        description="Base vs new per benchmark with the regression verdicts marked. Input: "
                    "the JSON that `sfb compare BASE NEW --format json` writes.",
    )
    add_common(p, "`sfb compare --format json` output (one file)")
    p.add_argument("--metric", default="real_time", metavar="M",
                   help="which metric to draw (default: real_time; also cpu_time, "
                        "bytes_per_second or any counter the comparison carries, e.g. "
                        "service_demand_us_per_kib)")
    return parser


def build_filter(args) -> sr.Filter:
    def many(values):
        return tuple(v for text in values for v in split_list(text))

    try:
        sizes = tuple(sr.parse_size(v) for v in many(args.file_size))
        conns = tuple(sr.parse_count(v, 1, 256) for v in many(args.conns))
    except ValueError as error:
        raise sr.InputError(f"bad filter: {error}") from None
    return sr.Filter(
        paths=many(args.path),
        transports=many(args.transport),
        receivers=many(args.receiver),
        caches=many(args.cache),
        file_sizes=sizes,
        conns=conns,
    )


def warn(message: str) -> None:
    print(f"sfb_plots.py: note: {sr.printable(message)}", file=sys.stderr)


def per_run_prefix(run: sr.Run, several: bool) -> str:
    if not several:
        return ""
    return f"{sr.slugify(run.fingerprint())}/{run.source.stem}/"


def plan_per_run(figure: str, runs, keep: sr.Filter, args, outputs, figs) -> int:
    """Adds the per-run figures of one kind; returns how many."""
    count = 0
    for run in runs:
        selected = sr.select(run, keep)
        prefix = per_run_prefix(run, len(runs) > 1)
        for group in sorted({k.group for k in selected}):
            ms = [m for k, m in selected.items() if k.group == group]
            if figure == "throughput":
                fig = figs.throughput_figure(run, group, ms, args.log_y)
            elif figure == "cpu":
                fig = figs.cpu_figure(run, group, ms, args.log_y)
            else:
                fig = figs.speedup_figure(run, group, ms, args.log_y)
                if fig is None:
                    warn(f"{run.source}: no speed-up figure for {group.describe()}: needs "
                         f"{sr.BASELINE_PATH} and at least one other path of the same "
                         "configuration (sfb's ratio rows)")
                    continue
            outputs.add(fig, f"{prefix}{figure}-{group.slug()}")
            count += 1
    return count


def newest_per_machine(runs):
    newest = {}
    for run in runs:
        fp = run.fingerprint()
        # Harness file names start with the UTC date, so the name breaks ties in the date.
        order = (run.date() is not None, str(run.date() or ""), run.source.name)
        if fp not in newest or order > newest[fp][0]:
            newest[fp] = (order, run)
    return [run for _, run in sorted(newest.values(), key=lambda v: v[1].fingerprint())]


def plan_machines(runs, keep: sr.Filter, args, outputs, figs) -> int:
    groups = sorted({k.group for run in runs for k in sr.select(run, keep)})
    count = 0
    for group in groups:
        # The newest run of each machine among those that measured this group: a machine's
        # newest run may have measured something else (another transport or file size).
        measured = [run for run in runs if any(k.group == group for k in sr.select(run, keep))]
        chosen = measured if args.all_runs else newest_per_machine(measured)
        labels = {}
        for run in chosen:
            label = run.machine_label()
            if args.all_runs or label in labels.values():
                label = f"{label} ({run.run_label()})"
            labels[id(run)] = label
        entries = []
        for run in chosen:
            ms = [m for k, m in sr.select(run, keep).items() if k.group == group]
            if ms:
                entries.append((labels[id(run)], run, ms))
        present = {m.key.path for _, _, ms in entries for m in ms}
        if keep.paths:
            paths = [p for p in keep.paths if p in present]
        else:
            paths = [p for p in (sr.BASELINE_PATH, sr.FEATURED_PATH) if p in present] or sr.path_order(
                present)[:2]
        which = ("one line per result file" if args.all_runs
                 else "newest run of each machine that measured this group")
        outputs.add(figs.machines_figure(entries, group, paths, which, args.log_y),
                    f"machines-{group.slug()}")
        count += 1
    return count


def transport_order(label: str) -> tuple:
    """loopback first, then veth by MTU, then the rest by name."""
    mtu = label.rpartition(" MTU ")[2]
    return (not label.startswith("loopback"), label.split(" MTU ")[0],
            int(mtu) if mtu.isdigit() else 1 << 30, label)


def plan_transports(runs, keep: sr.Filter, args, outputs, figs) -> int:
    """One figure per cache, file size and connection count: every (receiver, path) of the
    chosen block size, one bar per transport configuration. The same configuration in two
    files is drawn from the newer."""
    try:
        block = sr.parse_size(args.block_size)
    except ValueError as error:
        raise sr.InputError(f"bad --block-size: {error}") from None
    paths = keep.paths or (sr.BASELINE_PATH, sr.FEATURED_PATH)
    figures = {}  # figure group -> {(row, config): {metric: (median, low, high)}}
    sources = {}  # (figure group, row, config) -> run
    machines = {}
    repetitions = set()
    used = {}
    for run in sorted(runs, key=lambda r: (str(r.date() or ""), r.source.name)):
        for key, m in sr.select(run, keep).items():
            if key.block_bytes != block or key.path not in paths or not m.has("mb_per_s"):
                continue
            group = dataclasses.replace(key.group, transport="", receiver="")
            config = run.transport_label(key.group.transport)
            row = (key.group.receiver, key.path)
            earlier = sources.get((group, row, config))
            if earlier is not None and earlier is not run:
                warn(f"{config} {key.path}/{key.group.receiver} is in {earlier.source} and "
                     f"{run.source}: drawing the newer, {run.source}")
            sources[(group, row, config)] = run
            figures.setdefault(group, {})[(row, config)] = {
                metric: (m.median(metric), m.low(metric), m.high(metric))
                for metric in ("mb_per_s", "cpu_us") if m.has(metric)}
            machines.setdefault(run.machine_label(), None)
            repetitions.add(m.repetitions())
            used[id(run)] = run
    count = 0
    for group in sorted(figures):
        values = figures[group]
        configs = sorted({config for _, config in values}, key=transport_order)
        rows = sorted({row for row, _ in values},
                      key=lambda r: (r[0], sr.path_order(paths).index(r[1])
                                     if r[1] in paths else len(paths)))
        conns = "connection" if group.conns == 1 else "connections"
        extra = "".join(f", {name} {value}" for name, value in group.extra)
        text = (f"{group.cache} cache, {sr.format_bytes(group.file_bytes)} file, "
                f"{group.conns} {conns}{extra}")
        note = "; ".join(sr.clip(label, 70) for label in machines)
        dates = sorted(r.date().strftime("%Y-%m-%d %H:%M") for r in used.values() if r.date())
        commits = sorted({r.ctx("sfb_git_commit")[:12] for r in used.values()} - {""})
        if dates:
            note += f"  |  runs {dates[0]}" + (f" to {dates[-1][-5:]}" if len(dates) > 1 else "")
        if commits:
            note += f", commit {', '.join(commits)}"
        reps = sorted(repetitions)
        reps_text = str(reps[0]) if len(reps) == 1 else f"{reps[0]}-{reps[-1]}"
        fig = figs.transports_figure(configs, text, block, rows, values, note, reps_text)
        slug = sr.clip(f"{group.cache}-{sr.format_bytes(group.file_bytes).replace(' ', '')}-"
                       f"{group.conns}conn"
                       + "".join(f"-{name}{value}" for name, value in group.extra), 150)
        outputs.add(fig, f"transports-{slug}-block{sr.format_bytes(block).replace(' ', '')}")
        count += 1
    return count


def plan_placement(runs, keep: sr.Filter, args, outputs, figs) -> int:
    """Per run and group (all but the placement): sfb's ratio of sendfile's MB/s over
    read_send's (the Hodges-Lehmann ratio over rounds), per placement and block size, with its
    95% interval."""
    placements = sr.CONTRACT["segment_values"].get("placement", [])
    count = 0
    for run in runs:
        by_group = {}
        for key, m in sr.select(run, keep).items():
            rest = tuple(e for e in key.group.extra if e[0] != "placement")
            placement = dict(key.group.extra).get("placement")
            if placement is None or len(rest) == len(key.group.extra):
                continue
            group = dataclasses.replace(key.group, extra=rest)
            by_group.setdefault(group, {})[(placement, key.path, key.block_bytes)] = m
        if not by_group:
            warn(f"{run.source}: no placement: segment in its benchmark names (a result from "
                 "before --sfb_placement); left out")
        for group in sorted(by_group):
            ms = by_group[group]
            series = {}
            for placement in sorted({p for p, _, _ in ms},
                                    key=lambda p: (placements + [p]).index(p)):
                points = []
                for block in sorted({b for p, _, b in ms if p == placement}):
                    featured = ms.get((placement, sr.FEATURED_PATH, block))
                    ratio = None if featured is None else featured.ratios.get("mb_per_s")
                    if ratio is not None:
                        points.append((block, ratio.value, ratio.low, ratio.high,
                                       ratio.rounds))
                if points:
                    series[placement] = points
            if not series:
                warn(f"{run.source}: no placement figure for {group.describe()}: needs "
                     f"{sr.FEATURED_PATH} and {sr.BASELINE_PATH} of the same configuration "
                     "(sfb's ratio rows)")
                continue
            prefix = per_run_prefix(run, len(runs) > 1)
            outputs.add(figs.placement_figure(run, group.describe(), series),
                        f"{prefix}placement-{group.slug()}")
            count += 1
    return count


PLANS = {"machines": plan_machines, "transports": plan_transports, "placement": plan_placement}
# The figures with no form for results of qemu's instruction clock: MB/s across transports.
# (machines has one: guest instructions per KiB across kernels.)
WALL_CLOCK_ONLY = ("transports",)


# The spellings of options before they were sfb's (--output, --block-size): still accepted, so
# that stored commands keep working, but not shown by --help.
OLD_SPELLINGS = {"--out": "--output", "--block": "--block-size"}


def respell(argv: list) -> list:
    """argv with the old spellings of options replaced by the current ones (up to a --)."""
    out = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return out + argv[i:]
        name, equals, value = arg.partition("=")
        out.append(OLD_SPELLINGS[name] + equals + value if name in OLD_SPELLINGS else arg)
    return out


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(respell(sys.argv[1:] if argv is None else list(argv)))
    formats = split_list(args.formats)
    if not formats or any(f not in ("png", "svg") for f in formats):
        parser.error(f"--formats: expected png and/or svg, got {args.formats!r}")

    try:
        import sfb_figures as figs
    except ImportError as error:
        print(f"sfb_plots.py: error: matplotlib is missing for {sys.executable} ({error}); "
              "on Debian/Ubuntu: apt-get install python3-matplotlib, then run "
              "/usr/bin/python3 plots/sfb_plots.py", file=sys.stderr)
        return EXIT_CANNOT_DRAW

    outputs = figs.Outputs(args.output, formats)
    try:
        if args.figure == "compare":
            if len(args.inputs) != 1:
                raise sr.InputError("compare takes exactly one `sfb compare --format json` file")
            comparison = sr.load_compare(Path(args.inputs[0]), args.metric)
            for number, parts, fig in figs.compare_figures(comparison):
                if parts == 1:
                    outputs.add(fig, f"compare-{args.metric}")
                    continue
                if number == 1:
                    warn(f"{len(comparison.rows)} benchmarks are drawn as {parts} figures of at "
                         f"most {figs.COMPARE_ROWS_PER_FIGURE} each")
                outputs.add(fig, f"compare-{args.metric}-part{number}of{parts}")
        else:
            keep = build_filter(args)
            runs = sr.load_runs(args.inputs, args.sfb)
            for run in runs:
                for name, message in run.failed:
                    warn(f"{run.source}: {name} failed and is left out: {message}")
            matching = []
            for run in runs:
                if sr.select(run, keep):
                    matching.append(run)
                else:
                    warn(f"{run.source}: no benchmarks match {keep.describe()}; left out")
            if not matching:
                sources = ", ".join(str(r.source) for r in runs)
                raise sr.InputError(f"no benchmarks match {keep.describe()} in {sources}")
            kinds = FIGURES if args.figure == "all" else (args.figure,)
            # Instruction counts and wall-clock times never share a figure (exit 2); the
            # transports figure, drawn in MB/s, has no instruction-clock form.
            if sr.one_clock(matching) == sr.INSTRUCTIONS:
                wall_only = [kind for kind in kinds if kind in WALL_CLOCK_ONLY]
                if args.figure != "all" and wall_only:
                    raise sr.InputError(
                        f"the {args.figure} figure draws MB/s, which results of qemu's "
                        "instruction clock (vm_clock instructions) do not have; draw "
                        "throughput (guest instructions per KiB), cpu, speedup, machines or "
                        "placement")
                for kind in wall_only:
                    warn(f"no {kind} figure: it draws MB/s, which results of qemu's "
                         "instruction clock do not have")
                kinds = tuple(kind for kind in kinds if kind not in WALL_CLOCK_ONLY)
            total = 0
            for kind in kinds:
                if kind in PLANS:
                    made = PLANS[kind](matching, keep, args, outputs, figs)
                else:
                    made = plan_per_run(kind, matching, keep, args, outputs, figs)
                if made == 0 and args.figure == "all":
                    warn(f"no {kind} figure could be drawn from this input")
                total += made
            if total == 0:
                raise sr.InputError(f"nothing to draw: no {args.figure} figure can be made from "
                                    f"{', '.join(str(r.source) for r in matching)}")
        written = outputs.commit()
    except sr.InputError as error:
        outputs.abort()
        print(f"sfb_plots.py: error: {sr.sfb_tidy.message_text(error)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        outputs.abort()
        print(f"sfb_plots.py: error: cannot write figures to "
              f"{sr.printable(f'{args.output}: {error}')}", file=sys.stderr)
        return EXIT_CANNOT_DRAW
    except BaseException:
        outputs.abort()
        raise
    for path in written:
        print(path)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
