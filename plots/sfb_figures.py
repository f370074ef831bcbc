"""The figures: each function takes loaded data and returns matplotlib Figures to save.

Style decisions, made once here so every figure looks the same:
- White, opaque background in PNG and SVG. A transparent figure with black text disappears
  on a dark page (GitHub's dark theme) and a white-text one on a light page; an opaque white
  card reads the same on both.
- Colour-blind-safe colours (Okabe-Ito, plus two of Paul Tol's), and every path also has its
  own marker and line style, so the lines stay apart in greyscale and for readers who cannot
  tell the colours apart. A path has the same look in every figure.
- 8 inches wide at 120 dpi: about 960 px, shown at a README's ~800-900 px width with 10 pt
  text still at about 14 px.
- The Agg backend (no display needed), and SVGs without dates and with a fixed hash salt, so
  the same input renders the same bytes.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.patheffects as patheffects  # noqa: E402  (the backend must be chosen first)
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)

import sfb_results as sr  # noqa: E402

WIDTH_IN = 8.0
DPI = 120
HEADER_IN = 0.85  # room above the axes for the title and two subtitle lines

STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "axes.edgecolor": "#333333",
    "axes.labelcolor": "#222222",
    "text.color": "#222222",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "axes.grid": True,
    "grid.color": "#cccccc",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "svg.hashsalt": "sendfile-bench",
    "svg.fonttype": "path",
}

# Colour, marker, line style for each path, given out in the contract's path order, so the
# original three paths get the most distinct looks; a path past the last look gets one of
# OTHER_LOOKS. sendfile is drawn thicker since it is the subject.
PATH_LOOKS = [
    ("#56B4E9", "o", "--"),
    ("#0072B2", "s", "-"),
    ("#D55E00", "^", "-"),
    ("#E69F00", "v", "--"),
    ("#009E73", "D", "-"),
    ("#CC79A7", "P", "-"),
    ("#000000", "X", ":"),
    ("#117733", "o", "-."),
    ("#882255", "X", "-."),
    ("#999933", "P", "-."),
    ("#44AA99", "s", ":"),
    ("#AA4499", "^", ":"),
]
PATH_LOOK = dict(zip(sr.KNOWN_PATHS, PATH_LOOKS))
OTHER_LOOKS = [("#444444", m, ":") for m in ("h", "8", "p", "*", "d")]
MACHINE_LOOKS = [
    ("#0072B2", "o", "-"),
    ("#D55E00", "s", "--"),
    ("#009E73", "^", "-."),
    ("#CC79A7", "D", ":"),
    ("#E69F00", "v", "-"),
    ("#56B4E9", "P", "--"),
    ("#000000", "X", "-."),
]


def path_look(path: str) -> tuple:
    if path in PATH_LOOK:
        return PATH_LOOK[path]
    return OTHER_LOOKS[sum(path.encode()) % len(OTHER_LOOKS)]


def line_kwargs(look: tuple, emphasise: bool = False) -> dict:
    colour, marker, style = look
    return {
        "color": colour,
        "marker": marker,
        "linestyle": style,
        "linewidth": 2.4 if emphasise else 1.6,
        "markersize": 6,
    }


@dataclass
class Header:
    title: str
    lines: tuple  # one or two subtitle lines


def new_figure(nrows: int, ncols: int, panel_height_in: float, sharex=True, sharey=False,
               panel_titles=False):
    plt.rcParams.update(STYLE)
    header_in = HEADER_IN + (0.3 if panel_titles else 0.0)
    height = header_in + nrows * panel_height_in + 0.55
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(WIDTH_IN, height),
        squeeze=False,
        sharex=sharex,
        sharey=sharey,
    )
    fig.subplots_adjust(
        top=1 - header_in / height,
        bottom=0.55 / height,
        left=0.1,
        right=0.97,
        hspace=0.35,
        wspace=0.2,
    )
    return fig, axes


def draw_header(fig, header: Header) -> None:
    extra = 0.2 * max(0, len(header.lines) - 2)
    if extra:
        # Room for the lines past two: the figure grows at the top, the axes stay as they are.
        old_height = fig.get_figheight()
        params = fig.subplotpars
        top_in, bottom_in = (1 - params.top) * old_height, params.bottom * old_height
        fig.set_figheight(old_height + extra)
        fig.subplots_adjust(top=1 - (top_in + extra) / (old_height + extra),
                            bottom=bottom_in / (old_height + extra))
    height = fig.get_figheight()
    fig.text(0.01, 1 - 0.12 / height, header.title, ha="left", va="top", fontsize=12.5,
             fontweight="bold")
    for i, line in enumerate(header.lines):
        fig.text(0.01, 1 - (0.42 + 0.2 * i) / height, line, ha="left", va="top", fontsize=8.5,
                 color="#444444")


def block_axis(ax, blocks) -> None:
    """Log-2 x axis with a tick at every block size measured, labelled in KiB/MiB."""
    ax.set_xscale("log", base=2)
    ticks = sorted(set(blocks))
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: sr.format_bytes(v)))
    if len(ticks) == 1:
        ax.set_xlim(ticks[0] / 2, ticks[0] * 2)
    else:
        ax.set_xlim(ticks[0] / 1.4, ticks[-1] * 1.4)


def spread_note(measurements, shape: str = "line") -> str:
    counts = sorted({m.repetitions() for m in measurements})
    if counts and counts[-1] > 1:
        reps = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        spread = "band" if shape == "line" else "whiskers"
        interval = "" if counts[0] >= 6 else " (none below 6 repetitions)"
        return f"{shape}: median of {reps} repetitions, {spread}: its 95% interval{interval}"
    return "one repetition (no spread to show)" if counts else ""


def run_subtitle(run: sr.Run) -> str:
    return f"{run.machine_label()}  |  {run.run_label()}"


def draw_spread(ax, colour, x, mid, lo, hi, alpha) -> None:
    """The median's 95% interval: a band along a line, or a whisker at a lone point (a path measured
    at one block size inside a group that has more)."""
    if not any(h > low for h, low in zip(hi, lo)):
        return
    if len(x) == 1:
        ax.errorbar(x, mid, yerr=[[mid[0] - lo[0]], [hi[0] - mid[0]]], fmt="none",
                    ecolor=colour, elinewidth=1.2, capsize=4)
    else:
        ax.fill_between(x, lo, hi, color=colour, alpha=alpha, linewidth=0)


def plot_metric(ax, series, metric: str, looks, emphasise=()) -> bool:
    """Draws one line per label: median with its 95% interval as a band. series: label -> measurements."""
    drawn = False
    for label, measurements in series.items():
        points = sorted((m for m in measurements if m.has(metric)), key=lambda m: m.key.block_bytes)
        if not points:
            continue
        x = [m.key.block_bytes for m in points]
        mid = [m.median(metric) for m in points]
        lo = [m.low(metric) for m in points]
        hi = [m.high(metric) for m in points]
        look = looks(label)
        draw_spread(ax, look[0], x, mid, lo, hi, 0.18)
        ax.plot(x, mid, label=display_label(label, measurements),
                **line_kwargs(look, label in emphasise))
        drawn = True
    return drawn


def display_label(label: str, measurements) -> str:
    """A path's legend label; zero-copy paths say how often the kernel copied anyway."""
    copied = [m.median(sr.ZEROCOPY_COPIED) for m in measurements if m.has(sr.ZEROCOPY_COPIED)]
    if copied:
        return f"{label} (copied {max(copied):.0%})"
    return label


def by_path(measurements) -> dict:
    grouped = {}
    for m in measurements:
        grouped.setdefault(m.key.path, []).append(m)
    return {p: grouped[p] for p in sr.path_order(grouped)}


def finish_axes(ax, ylabel: str, blocks, log_y: bool) -> None:
    """Block-size x axis; y from 0, or logarithmic when the values span decades (small
    blocks are often 10-100x slower than large ones, and a linear axis flattens them)."""
    block_axis(ax, blocks)
    ax.set_ylabel(ylabel)
    if log_y:
        log_y_axis(ax)
    else:
        ax.set_ylim(bottom=0)


def log_y_axis(ax) -> None:
    """Log y axis labelled 1, 2, 5, 10, 20, ... in plain numbers: decades alone leave most
    figures with one or two labels."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def legend_below(fig, ncol: int) -> None:
    """One legend for the whole figure, under the axes, in ncol columns: the plot keeps the
    full width, which matters more at a README's width than a legend beside it."""
    handles, names = [], []
    for ax in fig.axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            if name not in names:
                handles.append(handle)
                names.append(name)
    if not names:
        return
    rows = math.ceil(len(names) / ncol)
    old_height = fig.get_figheight()
    params = fig.subplotpars
    top_in = (1 - params.top) * old_height
    bottom_in = params.bottom * old_height
    extra = 0.24 * rows + 0.1
    height = old_height + extra
    fig.set_figheight(height)
    fig.subplots_adjust(top=1 - top_in / height, bottom=(bottom_in + extra) / height)
    fig.legend(handles, names, loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=ncol,
               columnspacing=1.6)


# ---- per-run figures ------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    colour: str
    mid: float
    low: float
    high: float
    emphasise: bool = False


def single_block(measurements):
    """The block size when the group was measured at one only (a line needs two)."""
    blocks = {m.key.block_bytes for m in measurements}
    return blocks.pop() if len(blocks) == 1 else None


def bar_panel_height(count: int) -> float:
    return max(1.6, 0.34 * count + 0.5)


def draw_bars(ax, bars, xlabel: str, value_format: str, log_x=False) -> None:
    """Horizontal bars, first at the top, with the value's 95% interval as an error bar
    (none where there is no interval: low and high equal to mid) and the value written after
    it. For groups measured at one block size."""
    y = list(range(len(bars)))
    ax.barh(y, [b.mid for b in bars], color=[b.colour for b in bars], height=0.66, zorder=2)
    spread = [(yi, b) for yi, b in zip(y, bars) if b.high > b.low]
    if spread:
        whiskers = ax.errorbar([b.mid for _, b in spread], [yi for yi, _ in spread],
                               xerr=[[b.mid - b.low for _, b in spread],
                                     [b.high - b.mid for _, b in spread]],
                               fmt="none", ecolor="#222222", elinewidth=1, capsize=3, zorder=3)
        # A white outline keeps the whiskers visible on the dark bars (msg_zerocopy is black).
        outline = [patheffects.withStroke(linewidth=3, foreground="white")]
        for artist in whiskers.lines[1] + whiskers.lines[2]:
            artist.set_path_effects(outline)
    for yi, b in zip(y, bars):
        ax.annotate(value_format.format(b.mid), (b.high, yi), textcoords="offset points",
                    xytext=(5, 0), va="center", fontsize=8.5,
                    fontweight="bold" if b.emphasise else "normal")
    ax.set_yticks(y)
    ax.set_yticklabels([b.label for b in bars])
    for tick, b in zip(ax.get_yticklabels(), bars):
        if b.emphasise:
            tick.set_fontweight("bold")
    ax.set_ylim(len(bars) - 0.5, -0.6)
    ax.grid(axis="y", visible=False)
    if log_x:
        ax.set_xscale("log")
    else:
        ax.set_xlim(0, max(b.high for b in bars) * 1.18 if bars else 1)
    ax.set_xlabel(xlabel)


def metric_bars(series, metric: str) -> list:
    return [Bar(display_label(path, ms), path_look(path)[0], ms[0].median(metric),
                ms[0].low(metric), ms[0].high(metric), path == sr.FEATURED_PATH)
            for path, ms in series.items() if ms[0].has(metric)]


def group_header(fig, run: sr.Run, group: sr.Group, title: str, note: str) -> None:
    """The header of a figure of one group: the title, what the group is with a note on what
    the marks show, and the run."""
    draw_header(fig, Header(title, (f"{group.describe()}; {note}", run_subtitle(run))))


def finish_line_figure(fig, ax, run: sr.Run, group: sr.Group, title: str, note: str):
    """Block sizes on the bottom axis ax, the legend below, and the header."""
    ax.set_xlabel("Bytes per call (block size, log scale)")
    legend_below(fig, 3)
    group_header(fig, run, group, title, note)
    return fig


@dataclass(frozen=True)
class Units:
    """A run's axis labels. Under qemu's instruction clock (sfb kernels --clock instructions)
    every guest time counts guest instructions: sfb's tidy export gives the times in
    instructions and no MB/s, so the throughput figure draws guest instructions per KiB (the
    inverse of a throughput) and no axis says usec or MB/s."""

    throughput_metric: str
    throughput_title: str
    throughput_axis: str
    throughput_format: str
    cpu_axis: str  # the sender's CPU per pass
    demand_axis: str  # the service demand, per KiB
    ratio_axis: str  # what a speed-up over read_send is a ratio of


WALL_UNITS = Units("mb_per_s", "Throughput", "Throughput (MB/s, $10^6$ bytes/s)", "{:,.0f}",
                   "usec per pass", "usec CPU per KiB", "ratio of MB/s")
INSTRUCTION_UNITS = Units(
    sr.GUEST_INSTRUCTIONS_PER_KIB, "Guest instructions per KiB (instruction clock, lower is "
    "better)", "guest instructions per KiB", "{:,.0f}", "guest instructions per pass",
    "guest instructions per KiB", "read_send's guest instructions per pass / the path's")


def units(run: sr.Run) -> Units:
    return INSTRUCTION_UNITS if run.clock() == sr.INSTRUCTIONS else WALL_UNITS


def throughput_figure(run: sr.Run, group: sr.Group, measurements, log_y=False):
    u = units(run)
    block = single_block(measurements)
    if block is not None:
        bars = metric_bars(by_path(measurements), u.throughput_metric)
        fig, axes = new_figure(1, 1, bar_panel_height(len(bars)))
        fig.subplots_adjust(left=0.24)
        draw_bars(axes[0][0], bars, u.throughput_axis, u.throughput_format, log_y)
        group_header(fig, run, group, f"{u.throughput_title} at {sr.format_bytes(block)} per call",
                     spread_note(measurements, "bar"))
        return fig
    fig, axes = new_figure(1, 1, 3.9)
    ax = axes[0][0]
    series = by_path(measurements)
    plot_metric(ax, series, u.throughput_metric, path_look, emphasise=(sr.FEATURED_PATH,))
    finish_axes(ax, u.throughput_axis, [m.key.block_bytes for m in measurements], log_y)
    return finish_line_figure(fig, ax, run, group, f"{u.throughput_title} by block size",
                              spread_note(measurements))


def cpu_figure(run: sr.Run, group: sr.Group, measurements, log_y=False):
    u = units(run)
    block = single_block(measurements)
    if block is not None:
        series = by_path(measurements)
        bars = metric_bars(series, "cpu_us")
        fig, axes = new_figure(1, 2, bar_panel_height(len(bars)), sharex=False, sharey=True,
                               panel_titles=True)
        fig.subplots_adjust(left=0.24, wspace=0.35)
        left, right = axes[0]
        draw_bars(left, bars, u.cpu_axis, "{:,.0f}", log_y)
        left.set_title("Sender CPU per pass", loc="left")
        demand = metric_bars(series, sr.SERVICE_DEMAND)
        if demand and len(demand) == len(bars):
            draw_bars(right, demand, u.demand_axis, "{:.3g}", log_y)
        else:
            right.text(0.5, 0.5, "no service demand\nin this run", transform=right.transAxes,
                       ha="center", va="center", color="#666666")
        right.set_title("Service demand (system-wide)", loc="left")
        group_header(fig, run, group,
                     f"CPU cost at {sr.format_bytes(block)} per call (lower is better)",
                     spread_note(measurements, "bar"))
        return fig
    fig, axes = new_figure(2, 1, 2.7, panel_titles=True)
    series = by_path(measurements)
    top, bottom = axes[0][0], axes[1][0]
    blocks = [m.key.block_bytes for m in measurements]
    plot_metric(top, series, "cpu_us", path_look, emphasise=(sr.FEATURED_PATH,))
    finish_axes(top, f"Sender CPU\n({u.cpu_axis})", blocks, log_y)
    top.set_title("Sending thread's CPU time per pass (whole file sent once)", loc="left")
    if plot_metric(bottom, series, sr.SERVICE_DEMAND, path_look,
                   emphasise=(sr.FEATURED_PATH,)):
        finish_axes(bottom, f"Service demand\n({u.demand_axis})", blocks, log_y)
    else:
        block_axis(bottom, blocks)
        bottom.text(0.5, 0.5, "no service_demand_us_per_kib counter in this run",
                    transform=bottom.transAxes, ha="center", va="center", color="#666666")
    bottom.set_title("System-wide CPU (incl. softirq) per KiB moved, netperf's service demand",
                     loc="left")
    return finish_line_figure(fig, bottom, run, group, "CPU cost by block size (lower is better)",
                              spread_note(measurements))


def ratio_series(measurements, metric: str = "mb_per_s"):
    """x, ratio, low and high of each measurement's ratio over read_send by block size: sfb's
    (the tidy export's `ratio` rows), the Hodges-Lehmann ratio over rounds with its 95%
    interval, the numbers of sfb's table of paths against read_send. Low and high are the
    ratio itself where sfb gives no interval (too few rounds)."""
    points = sorted((m for m in measurements if metric in m.ratios),
                    key=lambda m: m.key.block_bytes)
    ratios = [m.ratios[metric] for m in points]
    return (
        [m.key.block_bytes for m in points],
        [r.value for r in ratios],
        [r.value if r.low is None else r.low for r in ratios],
        [r.value if r.high is None else r.high for r in ratios],
    )


def ratio_note(measurements, shape: str = "line") -> str:
    """What a speed-up's marks are, for a subtitle: the estimator of sfb's table."""
    ratios = [m.ratios["mb_per_s"] for m in measurements if "mb_per_s" in m.ratios]
    rounds = sorted({r.rounds for r in ratios}) or [0]
    count = str(rounds[0]) if len(rounds) == 1 else f"{rounds[0]}-{rounds[-1]}"
    text = f"{shape}: Hodges-Lehmann ratio over {count} rounds"
    spread = "whiskers" if shape == "bar" else "band"
    if all(r.low is None for r in ratios):
        return f"{text}; too few rounds for its 95% interval (4 a side needed)"
    missing = " (none below 4 rounds a side)" if any(r.low is None for r in ratios) else ""
    return f"{text}, {spread}: its 95% interval{missing}, as sfb's table"


def speedup_figure(run: sr.Run, group: sr.Group, measurements, log_y=False):
    """Each path's MB/s over read_send's of the same configuration: sfb's ratios (the
    Hodges-Lehmann ratio over rounds with its 95% interval). None when no path of the group
    has one (no read_send, or only read_send)."""
    baseline = sr.BASELINE_PATH
    others = {p: ms for p, ms in by_path(measurements).items()
              if p != baseline and any("mb_per_s" in m.ratios for m in ms)}
    if not others:
        return None
    ratio_measurements = [m for ms in others.values() for m in ms]
    block = single_block(measurements)
    if block is not None:
        bars = []
        for path, ms in others.items():
            x, mid, lo, hi = ratio_series(ms)
            bars.append(Bar(display_label(path, ms), path_look(path)[0], mid[0], lo[0], hi[0],
                            path == sr.FEATURED_PATH))
        fig, axes = new_figure(1, 1, bar_panel_height(len(bars)))
        fig.subplots_adjust(left=0.24)
        ax = axes[0][0]
        draw_bars(ax, bars, f"Speed-up over {baseline} ({units(run).ratio_axis}; right of the "
                  "dashed 1x line is faster)", "{:.2f}x", log_y)
        ax.axvline(1.0, color="#222222", linewidth=1.2, linestyle="--", zorder=4)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        draw_header(fig, Header(
            f"Speed-up over {baseline} at {sr.format_bytes(block)} per call",
            (group.describe(), ratio_note(ratio_measurements, "bar"), run_subtitle(run))))
        return fig
    fig, axes = new_figure(1, 1, 3.9)
    ax = axes[0][0]
    ax.axhline(1.0, color="#222222", linewidth=1.2, linestyle="--",
               label=f"{baseline} (1x)")
    for path, ms in others.items():
        x, mid, lo, hi = ratio_series(ms)
        look = path_look(path)
        draw_spread(ax, look[0], x, mid, lo, hi, 0.15)
        ax.plot(x, mid, label=display_label(path, ms),
                **line_kwargs(look, path == sr.FEATURED_PATH))
        if path == sr.FEATURED_PATH:
            for xi, yi in zip(x, mid):
                ax.annotate(f"{yi:.2f}x", (xi, yi), textcoords="offset points", xytext=(0, 7),
                            ha="center", fontsize=8.5, color=look[0], fontweight="bold")
    finish_axes(ax, f"Speed-up over {baseline}\n({units(run).ratio_axis})",
                [m.key.block_bytes for m in ratio_measurements], log_y)
    if log_y:
        ax.set_yscale("log", base=2)  # 0.5x, 1x, 2x, 4x: halving and doubling look alike
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xlabel("Bytes per call (block size, log scale)")
    legend_below(fig, 3)
    draw_header(fig, Header(f"Speed-up of each path over {baseline} (above 1x is faster)",
                            (group.describe(), ratio_note(ratio_measurements), run_subtitle(run))))
    return fig


# ---- writing --------------------------------------------------------------------------------


class Outputs:
    """Renders every figure to temporary files, and renames them into place only when all
    were written: a failure leaves neither partial images nor half a set behind."""

    def __init__(self, out_dir: Path, formats):
        self.out_dir = out_dir
        self.formats = formats
        self.pending = []  # (temporary path, final path)
        self.created_dirs = []
        self.names = set()
        # mkstemp makes its files private (0600); the images get the mode any new file
        # would get, so they are readable like the rest of the checkout.
        umask = os.umask(0)
        os.umask(umask)
        self.file_mode = 0o666 & ~umask

    def _mkdir(self, folder: Path) -> None:
        missing = []
        probe = folder
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for d in reversed(missing):
            d.mkdir()
            self.created_dirs.append(d)

    def add(self, fig, name: str) -> None:
        """Saves fig as OUT/name.<format> for each format (name may contain a subfolder)."""
        base = name
        suffix = 2
        while name in self.names:
            name = f"{base}-{suffix}"
            suffix += 1
        self.names.add(name)
        try:
            for fmt in self.formats:
                final = self.out_dir / f"{name}.{fmt}"
                self._mkdir(final.parent)
                fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp",
                                           dir=final.parent)
                os.close(fd)
                self.pending.append((Path(tmp), final))
                metadata = {"Date": None} if fmt == "svg" else {}
                fig.savefig(tmp, format=fmt, dpi=DPI, bbox_inches="tight", pad_inches=0.12,
                            metadata=metadata)
                os.chmod(tmp, self.file_mode)
        finally:
            plt.close(fig)

    def commit(self):
        written = []
        for tmp, final in self.pending:
            os.replace(tmp, final)
            written.append(final)
        self.pending = []
        return written

    def abort(self) -> None:
        for tmp, _ in self.pending:
            try:
                tmp.unlink()
            except FileNotFoundError:
                pass
        self.pending = []
        for d in reversed(self.created_dirs):
            try:
                d.rmdir()
            except OSError:
                pass


# The figures of the other kinds, in their own modules (they use the helpers above).
from sfb_figures_machines import *  # noqa: E402,F401,F403
from sfb_figures_compare import *  # noqa: E402,F401,F403
