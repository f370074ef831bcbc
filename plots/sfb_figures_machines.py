"""Figures across runs: machines, transports and placement (sfb_figures.py has the
shared helpers)."""

from __future__ import annotations

from sfb_figures import *  # noqa: F401,F403  (the shared helpers, matplotlib and sr)

# ---- across machines ------------------------------------------------------------------------


def machines_figure(entries, group: sr.Group, paths, which_runs: str, log_y=False):
    """entries: list of (legend label, Run, measurements of this group). One panel per path
    (MB/s, shared y axis) and, when sendfile is drawn and sfb gives its ratio over read_send,
    one more with that speed-up on each machine (the Hodges-Lehmann ratio over rounds with its
    95% interval, as sfb's table): the number a kernel change moves.

    Runs of qemu's instruction clock (all of them: the caller never mixes the clocks) are
    drawn in guest instructions per KiB (lower is better), and the ratio panel, drawn when
    read_send and sendfile both are, is read_send's guest instructions per pass over
    sendfile's: sfb's ratio row, which under that clock divides instruction counts."""
    baseline = sr.BASELINE_PATH
    counted = any(run.clock() == sr.INSTRUCTIONS for _, run, _ in entries)
    metric = sr.GUEST_INSTRUCTIONS_PER_KIB if counted else "mb_per_s"
    featured = [m for _, _, ms in entries for m in ms
                if m.key.path == sr.FEATURED_PATH and "mb_per_s" in m.ratios]
    with_ratio = sr.FEATURED_PATH in paths and bool(featured)
    if counted:
        with_ratio = with_ratio and baseline in paths
    # An emulated (TCG) guest is tens of times slower than the host beside it: on a linear
    # axis its lines lie flat on zero, so such a figure gets the log axis by itself.
    speeds = [m.median(metric) for _, _, ms in entries for m in ms
              if m.key.path in paths and m.has(metric) and m.median(metric) > 0]
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
        if not plot_metric(ax, series, metric, looks.__getitem__):
            ax.text(0.5, 0.5, f"no {path} results", transform=ax.transAxes, ha="center",
                    va="center", color="#666666")
        ax.set_title(path, loc="left", fontweight="bold", color=path_look(path)[0])
        if index % ncols == 0:
            ax.set_ylabel("guest instructions per KiB\n(lower is better)" if counted
                          else "Throughput (MB/s)")
        else:
            ax.tick_params(labelleft=False)
    if with_ratio:
        ax = flat[len(paths)]
        ax.axhline(1.0, color="#222222", linewidth=1.2, linestyle="--")
        for label, _, ms in entries:
            x, mid, lo, hi = ratio_series([m for m in ms if m.key.path == sr.FEATURED_PATH])
            if not x:
                continue
            look = looks[label]
            draw_spread(ax, look[0], x, mid, lo, hi, 0.18)
            ax.plot(x, mid, **line_kwargs(look))
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
        ax.set_title(f"instructions: {baseline} / sendfile" if counted
                     else f"speed-up: sendfile / {baseline}", loc="left", fontweight="bold",
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
    if counted:
        return instruction_clock_header(fig, group, which_runs, all_ms, featured, with_ratio,
                                        auto_log)
    lines = [group.describe() + ("; log MB/s axis" if auto_log else ""),
             f"{which_runs}; {spread_note(all_ms)}"]
    if with_ratio:
        lines.append(ratio_note(featured, "speed-up"))
    if any(run.vm_accel() == "TCG" for _, run, _ in entries):
        lines.append("TCG guests run on qemu's emulated CPU: their MB/s measure the emulator, "
                     "not the kernel; compare their speed-ups with each other only")
    draw_header(fig, Header("The same paths across machines and kernels", tuple(lines)))
    return fig


def instruction_clock_header(fig, group: sr.Group, which_runs: str, all_ms, featured,
                             with_ratio: bool, auto_log: bool):
    """The machines figure's header for runs of qemu's instruction clock: what is counted,
    and that it is not a timing."""
    lines = [group.describe() + ("; log axis" if auto_log else ""),
             f"{which_runs}; {spread_note(all_ms)}"]
    if with_ratio:
        lines.append(ratio_note(featured, "times fewer instructions for sendfile"))
    lines.append("qemu's instruction clock, not a timing: no cache misses, memory bandwidth or "
                 "device time in it")
    draw_header(fig, Header("Guest instructions per KiB across kernels (instruction clock)",
                            tuple(lines)))
    return fig


# ---- transports ---------------------------------------------------------------------------


def grouped_bars(ax, rows, configs, values, value_format: str) -> None:
    """Horizontal bars: per row (top first) one bar per configuration, with the median's
    95% interval as whiskers and the median written after it. values: (row, config) ->
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
        (f"{group_text}; bar: median of {repetitions} repetitions, whiskers: its 95% interval", note),
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


def interval_note(points, of: str = "MB/s") -> tuple:
    """What the points and whiskers are, as two subtitle lines; points carry (..., rounds)."""
    rounds = sorted({p[4] for p in points})
    count = str(rounds[0]) if len(rounds) == 1 else f"{rounds[0]}-{rounds[-1]}"
    text = f"point: Hodges-Lehmann ratio of {of} over {count} rounds (sfb's, as its table)"
    if all(p[2] is None for p in points):
        return text, "too few rounds for its 95% interval (4 a side needed)"
    missing = " (none below 4 rounds a side)" if any(p[2] is None for p in points) else ""
    return text, f"whiskers: its 95% interval{missing}"


def placement_figure(run: sr.Run, group_text: str, series):
    """series: placement -> list of (block, ratio, low, high, rounds): sfb's ratio of sendfile's
    MB/s over read_send's (low and high None without an interval). One line per placement
    against block size, the interval as whiskers, the ratio written at each point."""
    baseline = sr.BASELINE_PATH
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
        for xi, (_, m, low, high, _) in zip(x, points):
            if low is not None:
                ax.errorbar([xi], [m], yerr=[[m - low], [high - m]], fmt="none",
                            ecolor=look[0], elinewidth=1.3, capsize=3.5)
            ax.annotate(f"{m:.2f}x", (xi, m), textcoords="offset points", xytext=side[1],
                        ha=side[0], va="center" if side[1][1] == 0 else "bottom",
                        fontsize=7.5, color=look[0], fontweight="bold", path_effects=outline,
                        zorder=5)
    ratio_of = units(run).ratio_axis
    finish_axes(ax, f"sendfile / {baseline}\n({ratio_of})", blocks, False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xlabel("Bytes per call (block size, log scale)")
    legend_below(fig, 2)
    draw_header(fig, Header(
        f"sendfile's speed-up over {baseline} per CPU placement",
        (group_text, *interval_note([p for points in series.values() for p in points],
                                    "MB/s" if units(run) is WALL_UNITS else "instructions"),
         run_subtitle(run)),
    ))
    return fig
