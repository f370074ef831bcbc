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
from sfb_distribution import median_interval  # noqa: E402

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
    counts = sorted({m.repetitions() for m in measurements if m.source == "iterations"})
    fallback = sorted({m.source for m in measurements if m.source != "iterations"})
    parts = []
    if counts and counts[-1] > 1:
        reps = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        spread = "band" if shape == "line" else "whiskers"
        parts.append(f"{shape}: median of {reps} repetitions, {spread}: min-max")
    elif counts:
        parts.append("one repetition (no spread to show)")
    if fallback:
        which = "some points" if counts else "points"
        parts.append(f"{which} from the {'/'.join(fallback)} aggregate only (no spread)")
    return "; ".join(parts)


def run_subtitle(run: sr.Run) -> str:
    return f"{run.machine_label()}  |  {run.run_label()}"


def draw_spread(ax, colour, x, mid, lo, hi, alpha) -> None:
    """The min-max range: a band along a line, or a whisker at a lone point (a path measured
    at one block size inside a group that has more)."""
    if not any(h > low for h, low in zip(hi, lo)):
        return
    if len(x) == 1:
        ax.errorbar(x, mid, yerr=[[mid[0] - lo[0]], [hi[0] - mid[0]]], fmt="none",
                    ecolor=colour, elinewidth=1.2, capsize=4)
    else:
        ax.fill_between(x, lo, hi, color=colour, alpha=alpha, linewidth=0)


def plot_metric(ax, series, metric: str, looks, emphasise=()) -> bool:
    """Draws one line per label: median with a min-max band. series: label -> measurements."""
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
    """Horizontal bars, first at the top, with the min-max range of the repetitions as an
    error bar and the median written after it. For groups measured at one block size."""
    y = list(range(len(bars)))
    ax.barh(y, [b.mid for b in bars], color=[b.colour for b in bars], height=0.66, zorder=2)
    whiskers = ax.errorbar([b.mid for b in bars], y,
                           xerr=[[b.mid - b.low for b in bars], [b.high - b.mid for b in bars]],
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


def throughput_figure(run: sr.Run, group: sr.Group, measurements, log_y=False):
    block = single_block(measurements)
    if block is not None:
        bars = metric_bars(by_path(measurements), "mb_per_s")
        fig, axes = new_figure(1, 1, bar_panel_height(len(bars)))
        fig.subplots_adjust(left=0.24)
        draw_bars(axes[0][0], bars, "Throughput (MB/s, $10^6$ bytes/s)", "{:,.0f}", log_y)
        group_header(fig, run, group, f"Throughput at {sr.format_bytes(block)} per call",
                     spread_note(measurements, "bar"))
        return fig
    fig, axes = new_figure(1, 1, 3.9)
    ax = axes[0][0]
    series = by_path(measurements)
    plot_metric(ax, series, "mb_per_s", path_look, emphasise=(sr.FEATURED_PATH,))
    finish_axes(ax, "Throughput (MB/s, $10^6$ bytes/s)", [m.key.block_bytes for m in measurements],
                log_y)
    return finish_line_figure(fig, ax, run, group, "Throughput by block size",
                              spread_note(measurements))


def cpu_figure(run: sr.Run, group: sr.Group, measurements, log_y=False):
    block = single_block(measurements)
    if block is not None:
        series = by_path(measurements)
        bars = metric_bars(series, "cpu_us")
        fig, axes = new_figure(1, 2, bar_panel_height(len(bars)), sharex=False, sharey=True,
                               panel_titles=True)
        fig.subplots_adjust(left=0.24, wspace=0.35)
        left, right = axes[0]
        draw_bars(left, bars, "usec per pass", "{:,.0f}", log_y)
        left.set_title("Sender CPU per pass", loc="left")
        demand = metric_bars(series, sr.SERVICE_DEMAND)
        if demand and len(demand) == len(bars):
            draw_bars(right, demand, "usec CPU per KiB", "{:.3g}", log_y)
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
    finish_axes(top, "Sender CPU\n(usec per pass)", blocks, log_y)
    top.set_title("Sending thread's CPU time per pass (whole file sent once)", loc="left")
    if plot_metric(bottom, series, sr.SERVICE_DEMAND, path_look,
                   emphasise=(sr.FEATURED_PATH,)):
        finish_axes(bottom, "Service demand\n(usec CPU per KiB)", blocks, log_y)
    else:
        block_axis(bottom, blocks)
        bottom.text(0.5, 0.5, "no service_demand_us_per_kib counter in this run",
                    transform=bottom.transAxes, ha="center", va="center", color="#666666")
    bottom.set_title("System-wide CPU (incl. softirq) per KiB moved, netperf's service demand",
                     loc="left")
    return finish_line_figure(fig, bottom, run, group, "CPU cost by block size (lower is better)",
                              spread_note(measurements))


def speedup_series(measurements, base: dict):
    """x, median ratio, low and high ratio of MB/s over base (block size -> Measurement).
    The band is the widest ratio the repetitions allow: slowest over fastest and the reverse."""
    points = sorted((m for m in measurements if m.key.block_bytes in base and m.has("mb_per_s")),
                    key=lambda m: m.key.block_bytes)
    b = [base[m.key.block_bytes] for m in points]
    return (
        [m.key.block_bytes for m in points],
        [m.median("mb_per_s") / bm.median("mb_per_s") for m, bm in zip(points, b)],
        [m.low("mb_per_s") / bm.high("mb_per_s") for m, bm in zip(points, b)],
        [m.high("mb_per_s") / bm.low("mb_per_s") for m, bm in zip(points, b)],
    )


def speedup_figure(run: sr.Run, group: sr.Group, measurements, baseline: str, log_y=False):
    """None when the group has no baseline measurements or no other path."""
    base = {m.key.block_bytes: m for m in measurements
            if m.key.path == baseline and m.has("mb_per_s")}
    others = {p: ms for p, ms in by_path(measurements).items() if p != baseline}
    if not base or not others:
        return None
    block = single_block(measurements)
    if block is not None:
        bars = []
        for path, ms in others.items():
            x, mid, lo, hi = speedup_series(ms, base)
            if x:
                bars.append(Bar(display_label(path, ms), path_look(path)[0], mid[0], lo[0],
                                hi[0], path == sr.FEATURED_PATH))
        if not bars:
            return None
        fig, axes = new_figure(1, 1, bar_panel_height(len(bars)))
        fig.subplots_adjust(left=0.24)
        ax = axes[0][0]
        draw_bars(ax, bars, f"Speed-up over {baseline} (ratio of MB/s; right of the dashed "
                  "1x line is faster)", "{:.2f}x", log_y)
        ax.axvline(1.0, color="#222222", linewidth=1.2, linestyle="--", zorder=4)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        group_header(fig, run, group,
                     f"Speed-up over {baseline} at {sr.format_bytes(block)} per call",
                     "bar: ratio of medians, whiskers: extremes of the repetitions")
        return fig
    fig, axes = new_figure(1, 1, 3.9)
    ax = axes[0][0]
    ax.axhline(1.0, color="#222222", linewidth=1.2, linestyle="--",
               label=f"{baseline} (1x)")
    blocks = sorted(base)
    drawn = False
    for path, ms in others.items():
        x, mid, lo, hi = speedup_series(ms, base)
        if not x:
            continue
        look = path_look(path)
        draw_spread(ax, look[0], x, mid, lo, hi, 0.15)
        ax.plot(x, mid, label=display_label(path, ms),
                **line_kwargs(look, path == sr.FEATURED_PATH))
        if path == sr.FEATURED_PATH:
            for xi, yi in zip(x, mid):
                ax.annotate(f"{yi:.2f}x", (xi, yi), textcoords="offset points", xytext=(0, 7),
                            ha="center", fontsize=8.5, color=look[0], fontweight="bold")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    finish_axes(ax, f"Speed-up over {baseline}\n(ratio of MB/s)", blocks, log_y)
    if log_y:
        ax.set_yscale("log", base=2)  # 0.5x, 1x, 2x, 4x: halving and doubling look alike
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    return finish_line_figure(fig, ax, run, group,
                              f"Speed-up of each path over {baseline} (above 1x is faster)",
                              "line: ratio of medians, band: extremes of the repetitions")


# ---- across machines ------------------------------------------------------------------------


def machines_figure(entries, group: sr.Group, paths, which_runs: str, baseline: str,
                    log_y=False):
    """entries: list of (legend label, Run, measurements of this group). One panel per path
    (MB/s, shared y axis) and, when sendfile and the baseline are both drawn, one more with
    sendfile's speed-up over the baseline on each machine: the number a kernel change moves."""
    with_ratio = (sr.FEATURED_PATH in paths and baseline in paths
                  and baseline != sr.FEATURED_PATH)
    # An emulated (TCG) guest is tens of times slower than the host beside it: on a linear
    # axis its lines lie flat on zero, so such a figure gets the log axis by itself.
    speeds = [m.median("mb_per_s") for _, _, ms in entries for m in ms
              if m.key.path in paths and m.has("mb_per_s") and m.median("mb_per_s") > 0]
    auto_log = not log_y and bool(speeds) and max(speeds) / min(speeds) > 20
    log_y = log_y or auto_log
    panels = len(paths) + (1 if with_ratio else 0)
    # Up to three panels side by side (the default: read_send, sendfile and the ratio), more
    # in rows of two.
    ncols = panels if panels <= 3 else 2
    nrows = math.ceil(panels / ncols)
    fig, axes = new_figure(nrows, ncols, 3.6 if ncols == 1 else 3.0, sharex=True,
                           panel_titles=True)
    flat = [ax for row in axes for ax in row]
    labels = [label for label, _, _ in entries]
    looks = {label: MACHINE_LOOKS[i % len(MACHINE_LOOKS)] for i, label in enumerate(labels)}
    blocks = [m.key.block_bytes for _, _, ms in entries for m in ms]
    for index, path in enumerate(paths):
        ax = flat[index]
        if index > 0:
            ax.sharey(flat[0])
        series = {label: [m for m in ms if m.key.path == path] for label, _, ms in entries}
        if not plot_metric(ax, series, "mb_per_s", looks.__getitem__):
            ax.text(0.5, 0.5, f"no {path} results", transform=ax.transAxes, ha="center",
                    va="center", color="#666666")
        ax.set_title(path, loc="left", fontweight="bold", color=path_look(path)[0])
        if index % ncols == 0:
            ax.set_ylabel("Throughput (MB/s)")
        else:
            ax.tick_params(labelleft=False)
    if with_ratio:
        ax = flat[len(paths)]
        ax.axhline(1.0, color="#222222", linewidth=1.2, linestyle="--")
        for label, _, ms in entries:
            base = {m.key.block_bytes: m for m in ms
                    if m.key.path == baseline and m.has("mb_per_s")}
            x, mid, lo, hi = speedup_series([m for m in ms if m.key.path == sr.FEATURED_PATH], base)
            if not x:
                continue
            look = looks[label]
            draw_spread(ax, look[0], x, mid, lo, hi, 0.18)
            ax.plot(x, mid, **line_kwargs(look))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.set_title(f"speed-up: sendfile / {baseline}", loc="left", fontweight="bold",
                     color="#222222")
    for index in range(panels):
        block_axis(flat[index], blocks)
        if index + ncols >= panels:
            # The bottom panel of its column, also above an empty slot: it needs the x labels
            # that sharing the x axis took away.
            flat[index].xaxis.set_tick_params(labelbottom=True)
            flat[index].set_xlabel("Bytes per call (log scale)")
    for index in range(panels, nrows * ncols):
        flat[index].set_visible(False)
    # Once, after every panel is drawn: fixing the shared limits earlier would cut off the
    # panels drawn later.
    if log_y:
        log_y_axis(flat[0])
    else:
        flat[0].set_ylim(bottom=0)
    legend_below(fig, 1)
    all_ms = [m for _, _, ms in entries for m in ms]
    lines = [group.describe() + ("; log MB/s axis" if auto_log else ""),
             f"{which_runs}; {spread_note(all_ms)}"]
    if any(run.vm_accel() == "TCG" for _, run, _ in entries):
        lines.append("TCG guests run on qemu's emulated CPU: their MB/s measure the emulator, "
                     "not the kernel; compare their speed-ups with each other only")
    draw_header(fig, Header("The same paths across machines and kernels", tuple(lines)))
    return fig


# ---- transports ---------------------------------------------------------------------------


def grouped_bars(ax, rows, configs, values, value_format: str) -> None:
    """Horizontal bars: per row (top first) one bar per configuration, with the repetitions'
    min-max as whiskers and the median written after it. values: (row, config) ->
    Measurement-like (median, low, high) or None."""
    n = len(configs)
    height = 0.8 / n
    top = 0.0
    for ci, config in enumerate(configs):
        colour = MACHINE_LOOKS[ci % len(MACHINE_LOOKS)][0]
        for ri, row in enumerate(rows):
            value = values.get((row, config))
            if value is None:
                continue
            mid, low, high = value
            y = ri - 0.4 + height * (ci + 0.5)
            ax.barh(y, mid, height=height * 0.92, color=colour, zorder=2,
                    label=config if ri == 0 or (rows[0], config) not in values else None)
            if high > low:
                ax.errorbar([mid], [y], xerr=[[mid - low], [high - mid]], fmt="none",
                            ecolor="#222222", elinewidth=1, capsize=2.5, zorder=3)
            ax.annotate(value_format.format(mid), (high, y), textcoords="offset points",
                        xytext=(4, 0), va="center", fontsize=7.5)
            top = max(top, high)
    ax.set_yticks(range(len(rows)))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(0, top * 1.25 if top > 0 else 1)


def transports_figure(configs, group_text: str, block: int, rows, values, note: str,
                      repetitions: str):
    """MB/s and the sender's CPU per pass, side by side, per (receiver, path) row and one bar
    per transport configuration (loopback, veth MTU 1500, ...). values: (row, config) ->
    {"mb_per_s": (median, low, high), "cpu_us": (...)}; rows: (receiver, path)."""
    fig, axes = new_figure(1, 2, max(2.2, 0.42 * len(rows) * max(1, len(configs) / 2) + 0.6),
                           sharex=False, sharey=True, panel_titles=True)
    fig.subplots_adjust(left=0.22, wspace=0.3)
    left, right = axes[0]
    for ax, metric, title, xlabel, fmt in (
            (left, "mb_per_s", "Throughput (higher is better)", "MB/s ($10^6$ bytes/s)",
             "{:,.0f}"),
            (right, "cpu_us", "Sender CPU per pass (lower is better)", "usec per pass",
             "{:,.0f}")):
        grouped_bars(ax, rows, configs,
                     {k: v[metric] for k, v in values.items() if metric in v}, fmt)
        ax.set_title(title, loc="left")
        ax.set_xlabel(xlabel)
    left.set_yticklabels([f"{path}\n{receiver} receiver" for receiver, path in rows])
    for tick, (_, path) in zip(left.get_yticklabels(), rows):
        if path == sr.FEATURED_PATH:
            tick.set_fontweight("bold")
    legend_below(fig, len(configs))
    draw_header(fig, Header(
        f"Loopback and veth side by side, {sr.format_bytes(block)} per call",
        (f"{group_text}; bar: median of {repetitions} repetitions, whiskers: min-max", note),
    ))
    return fig


# ---- placement ----------------------------------------------------------------------------


# Looks given out in the contract's placement order (same, split, free).
PLACEMENT_LOOKS = [("#D55E00", "s", "--"), ("#0072B2", "o", "-"), ("#009E73", "^", "-.")]


def placement_look(placement: str) -> tuple:
    known = sr.CONTRACT["segment_values"].get("placement", [])
    looks = PLACEMENT_LOOKS + OTHER_LOOKS
    return looks[known.index(placement) if placement in known else len(PLACEMENT_LOOKS)]


def placement_legend(placement: str) -> str:
    """"same (sender and receiver pinned to one CPU)": the contract's summary up to its first
    comma or colon."""
    summary = sr.CONTRACT["segment_summaries"].get("placement", {}).get(placement, "")
    words = summary.split(",")[0].split(":")[0].strip()
    return f"{placement} ({sr.clip(words, 50)})" if words else placement


def paired_ratios(featured, baseline) -> list:
    """Per round: featured MB/s over baseline MB/s, the i-th repetition of each paired (a
    round of `sfb run` measures every benchmark once, in order)."""
    return [f / b for f, b in zip(featured.values("mb_per_s"), baseline.values("mb_per_s"))
            if b > 0]


def ratio_interval(ratios: list) -> tuple:
    """(median, low, high, coverage) of per-round ratios: the 95% order-statistic interval of
    the median from 6 rounds on; with 2-5 rounds, where none reaches 95%, the widest there is,
    min to max, whose coverage is 1 - 2/2^n (93.75% for 5); one round has none (None)."""
    mid, low, high = median_interval(ratios)
    if low is not None:
        return mid, low, high, 0.95
    if len(ratios) < 2:
        return mid, None, None, None
    return mid, min(ratios), max(ratios), 1 - 2 / 2 ** len(ratios)


def interval_note(points) -> tuple:
    """What the points and whiskers are, as two subtitle lines; points carry (..., rounds,
    coverage)."""
    rounds = sorted({p[4] for p in points})
    coverages = sorted({p[5] for p in points if p[5] is not None})
    count = str(rounds[0]) if len(rounds) == 1 else f"{rounds[0]}-{rounds[-1]}"
    text = (f"point: median of {count} per-round ratios (round i of sendfile over round i of "
            "the baseline)")
    if not coverages:
        return text, "one round: no interval"
    if coverages == [0.95]:
        return text, "whiskers: the median's 95% order-statistic interval"
    share = ", ".join(f"{100 * c:g}%" for c in coverages)
    return text, (f"whiskers: min-max of the rounds, the median's order-statistic interval at "
                  f"{share} coverage (95% needs 6 rounds)")


def placement_figure(run: sr.Run, group_text: str, series, baseline: str):
    """series: placement -> list of (block, median ratio, low, high or None, rounds,
    coverage or None), as ratio_interval gives them. One
    line per placement against block size, the interval as whiskers, the ratio written at
    each point."""
    fig, axes = new_figure(1, 1, 3.9)
    ax = axes[0][0]
    ax.axhline(1.0, color="#222222", linewidth=1.2, linestyle="--", label=f"{baseline} (1x)")
    blocks = sorted({point[0] for points in series.values() for point in points})
    spread = len(blocks) > 1
    outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    last = len(series) - 1
    for index, (placement, points) in enumerate(series.items()):
        look = placement_look(placement)
        # Side by side at each block size, so that the whiskers do not hide each other.
        shift = 2 ** ((index - last / 2) * (0.16 if spread else 0.25))
        x = [p[0] * shift for p in points]
        mid = [p[1] for p in points]
        ax.plot(x, mid, label=placement_legend(placement), **line_kwargs(look))
        # The ratio beside its point: the first placement's on the left, the last's on the
        # right, any between above; outlined in white where it crosses a whisker.
        side = ("right", (-6, 0)) if index == 0 and last else \
            ("left", (6, 0)) if index == last and last else ("center", (0, 7))
        for xi, (_, m, low, high, _, _) in zip(x, points):
            if low is not None:
                ax.errorbar([xi], [m], yerr=[[m - low], [high - m]], fmt="none",
                            ecolor=look[0], elinewidth=1.3, capsize=3.5)
            ax.annotate(f"{m:.2f}x", (xi, m), textcoords="offset points", xytext=side[1],
                        ha=side[0], va="center" if side[1][1] == 0 else "bottom",
                        fontsize=7.5, color=look[0], fontweight="bold", path_effects=outline,
                        zorder=5)
    finish_axes(ax, f"sendfile / {baseline}\n(ratio of MB/s)", blocks, False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xlabel("Bytes per call (block size, log scale)")
    legend_below(fig, 2)
    draw_header(fig, Header(
        f"sendfile's speed-up over {baseline} per CPU placement",
        (group_text, *interval_note([p for points in series.values() for p in points]),
         run_subtitle(run)),
    ))
    return fig


# ---- compare ------------------------------------------------------------------------------


# Title and axis unit per compared metric; values are scaled by the factor for display.
COMPARE_METRICS = {
    "real_time": ("wall time per pass", "usec per pass", 1.0),
    "cpu_time": ("sender CPU time per pass", "usec per pass", 1.0),
    "bytes_per_second": ("throughput", "MB/s", 1e-6),
}
OUTCOME_COLOURS = {"worse": "#D55E00", "better": "#0072B2"}


# Rows per compare figure. Each row is 0.3 inch, and an image may not be 2^16 pixels tall
# (about 1800 rows at 120 dpi); well before that a figure stops being readable, so a longer
# comparison is drawn as several figures.
COMPARE_ROWS_PER_FIGURE = 200
# Row labels and names in the footer are clipped to this many characters.
LABEL_CHARS = 70


def compare_figures(c: sr.Comparison):
    """The comparison as figures of at most COMPARE_ROWS_PER_FIGURE benchmarks each, in the
    order the harness wrote them: yields (part number, number of parts, figure)."""
    labels = [sr.clip(label, LABEL_CHARS) for label in short_names([r.name for r in c.rows])]
    size = COMPARE_ROWS_PER_FIGURE
    parts = max(1, math.ceil(len(c.rows) / size))
    for part in range(parts):
        window = slice(part * size, (part + 1) * size)
        yield part + 1, parts, compare_figure(c, c.rows[window], labels[window],
                                              (part + 1, parts, part * size))


def compare_figure(c: sr.Comparison, rows, labels, part):
    """Left: base and new medians per benchmark; right: the relative change, coloured by
    this metric's outcome, with the benchmark's verdict written beside it. part is (number,
    of how many, index of the first row)."""
    plt.rcParams.update(STYLE)
    metric = sr.clip(c.metric, LABEL_CHARS)
    # Any other metric is titled and labelled with the contract's meaning and unit.
    fallback = (sr.clip(sr.metric_meaning(c.metric), LABEL_CHARS) or metric,
                sr.metric_unit(c.metric) or metric, 1.0)
    title, unit, scale = COMPARE_METRICS.get(c.metric, fallback)
    n = len(rows)
    footer = compare_footer(c)
    footer_in = 0.25 * len(footer)
    header_in = HEADER_IN + 0.3  # the base/new legend sits above the left panel
    height = header_in + 1.1 + 0.3 * n + footer_in
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH_IN, height), sharey=True,
                                      gridspec_kw={"width_ratios": [1, 1.1]})
    fig.subplots_adjust(top=1 - header_in / height, bottom=(0.75 + footer_in) / height,
                        left=0.27, right=0.72, wspace=0.16)
    # The bars share one scale; a few huge changes would flatten the rest and the threshold
    # lines, so the axis stops at 4x the threshold (at least 20%) and longer bars are cut
    # there, marked with an arrowhead. The text beside each bar keeps the exact change.
    threshold = 0.0 if math.isnan(c.threshold) else c.threshold
    finite = [abs(r.change) * 100 for r in rows if not math.isnan(r.change)]
    limit = min(max(finite + [threshold * 100 * 1.5, 1.0]), max(threshold * 100 * 4, 20.0))
    clipped = draw_changes(left, right, rows, scale, limit)
    draw_medians(left, rows, labels, scale, unit)
    right.set_xlim(-limit * 1.15, limit * 1.15)
    right.axvline(0, color="#222222", linewidth=1)
    if threshold > 0:
        for sign in (-1, 1):
            right.axvline(sign * threshold * 100, color="#666666", linestyle="--", linewidth=1)
        right.text(threshold * 100, -0.5, f" threshold {threshold:.0%}", va="bottom",
                   fontsize=7.5, color="#444444")
    direction = {"higher": "left is worse", "lower": "right is worse"}.get(
        c.better(), "neither side is better")
    right.set_xlabel(f"new vs base (%)\n{direction}"
                     + (f"; cut at \u00b1{limit:.0f}%" if clipped else ""))
    right.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}%"))
    right.grid(axis="y", visible=False)
    left.grid(axis="y", visible=False)
    summary, test = compare_summary(c, threshold)
    if footer:
        fig.text(0.01, 0.12 / height, "\n".join(footer), fontsize=8, color="#444444",
                 va="bottom")
    number, parts, first = part
    if parts > 1:
        title += (f" (part {number} of {parts}: benchmarks {first + 1}-{first + n} "
                  f"of {len(c.rows)})")
    draw_header(fig, Header(f"Base vs new: {sr.clip(title, LABEL_CHARS + 20)}",
                            (f"{short_label(c.base_label)} -> {short_label(c.new_label)}",
                             f"{summary}; {test}")))
    return fig


def compare_footer(c: sr.Comparison):
    """The lines under a comparison: benchmarks only in one side, and the failed ones."""
    footer = []
    for what, names in (("only in base", c.only_base), ("only in new", c.only_new)):
        if names:
            shown = ", ".join(sr.clip(name, LABEL_CHARS) for name in short_names(names)[:3])
            shown += ", ..." if len(names) > 3 else ""
            footer.append(f"{what}: {len(names)} ({shown})")
    if c.failed:
        more = ", ..." if len(c.failed) > 1 else ""
        footer.append(f"failed: {len(c.failed)} ({sr.clip(c.failed[0], LABEL_CHARS)}{more})")
    return footer


def draw_changes(left, right, rows, scale: float, limit: float) -> bool:
    """Per row: a line from base to new on the left, the change (cut at +-limit, marked
    with an arrowhead) on the right with its text beside it. Whether a bar was cut."""
    clipped = False
    for i, row in enumerate(rows):
        colour = OUTCOME_COLOURS.get(row.outcome, "#9a9a9a")
        left.plot([row.base * scale, row.new * scale], [i, i], color="#bbbbbb", linewidth=2,
                  zorder=1)
        if math.isnan(row.change):
            text = "n/a"
        else:
            width = max(-limit, min(limit, row.change * 100))
            right.barh(i, width, color=colour, height=0.62, zorder=2)
            if width != row.change * 100:
                clipped = True
                right.plot(width, i, marker=">" if width > 0 else "<", color=colour,
                           markersize=9, zorder=3, clip_on=False)
            text = f"{row.change * 100:+.1f}%"
        if not math.isnan(row.p_value):
            text += f" p={row.p_value:.2g}"
        text += f" {row.outcome}"
        marked = row.verdict in ("regression", "improvement")
        if marked:
            text += f" \u2192 {row.verdict.upper()}"
        # In a column right of the panel, so long labels never run into the bars.
        right.text(1.02, i, text, transform=right.get_yaxis_transform(), ha="left",
                   va="center", fontsize=8, color=colour if marked else "#444444",
                   fontweight="bold" if marked else "normal")
    return clipped


def draw_medians(left, rows, labels, scale: float, unit: str):
    """The left panel: base and new medians per benchmark, regressions' labels in bold."""
    y = list(range(len(rows)))
    left.scatter([r.base * scale for r in rows], y, facecolors="white", edgecolors="#0072B2",
                 s=36, label="base", zorder=3, linewidths=1.5)
    left.scatter([r.new * scale for r in rows], y, color="#D55E00", s=36, marker="D",
                 label="new", zorder=3)
    left.set_yticks(y)
    left.set_yticklabels(labels, fontsize=8)
    for tick, row in zip(left.get_yticklabels(), rows):
        if row.verdict == "regression":
            tick.set_color(OUTCOME_COLOURS["worse"])
            tick.set_fontweight("bold")
    left.set_ylim(len(rows) - 0.5, -0.5)
    positive = [v * scale for r in rows for v in (r.base, r.new) if v > 0]
    if positive and max(positive) / min(positive) > 20:
        left.set_xscale("log")
    else:
        left.xaxis.set_major_locator(MaxNLocator(4))
    left.set_xlabel(f"median, {unit}")
    left.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2)


def compare_summary(c: sr.Comparison, threshold: float):
    """The verdict counts and the test's description, for the header."""
    counts = {}
    for row in c.rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    test = "two-sided Mann-Whitney U"
    if c.correction and c.correction != "none":
        test += f" ({c.correction.capitalize()}-adjusted p)"
    if not math.isnan(c.alpha):
        test += f", alpha {c.alpha:g}"
    if threshold > 0:
        test += f", threshold {threshold:.0%}"
    if c.gate:
        test += f"; gate: {sr.clip(', '.join(c.gate), LABEL_CHARS)}"
    summary = "verdicts: " + ", ".join(f"{v} {counts[v]}" for v in sorted(counts))
    return summary, test


def short_label(label: str) -> str:
    """The last two parts of a file or folder path (results/<machine>/<run>.json keeps the
    run's date and commit), at most 60 characters."""
    parts = [p for p in label.split("/") if p]
    text = "/".join(parts[-2:]) if len(parts) > 2 else label
    return text if len(text) <= 60 else "..." + text[-57:]


def short_names(names):
    """Drops the name fields every benchmark shares, so the rows say what differs."""
    split = [n.split("/") for n in names]
    if len(split) < 2 or len({len(s) for s in split}) != 1:
        return [n.removesuffix("/real_time") for n in names]
    keep = [i for i in range(len(split[0])) if len({s[i] for s in split}) > 1]
    if not keep:
        return [n.removesuffix("/real_time") for n in names]
    out = []
    for s in split:
        fields = []
        for i in keep:
            key, sep, value = s[i].partition(":")
            if sep and value.isdigit():
                fields.append(f"{key} {sr.format_bytes(int(value))}" if key in ("file", "block")
                              else f"{key} {value}")
            else:
                fields.append(s[i])
        out.append(" ".join(fields))
    return out


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
