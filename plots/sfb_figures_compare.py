"""The compare figure, from `sfb compare --format json` (sfb_figures.py has the shared
helpers)."""

from __future__ import annotations

from sfb_figures import *  # noqa: F401,F403  (the shared helpers, matplotlib and sr)

# ---- compare ------------------------------------------------------------------------------


# Title and axis unit per compared metric; values are scaled by the factor for display.
COMPARE_METRICS = {
    "real_time": ("wall time per pass", "usec per pass", 1.0),
    "cpu_time": ("sender CPU time per pass", "usec per pass", 1.0),
    "bytes_per_second": ("throughput", "MB/s", 1e-6),
}
# The same under qemu's instruction clock, where sfb compare's microsecond is 1000 guest
# instructions; a throughput has no such unit (compare_figure refuses it).
INSTRUCTION_CLOCK_METRICS = {
    "real_time": ("guest instructions per pass", "guest instructions per pass", 1000.0),
    "cpu_time": ("sender CPU per pass, instruction clock", "guest instructions per pass", 1000.0),
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


def instruction_clock_labels(metric: str, wall: tuple) -> tuple:
    """(title, unit, scale) of a metric compared under qemu's instruction clock: times in
    guest instructions, counts as instructions; InputError for a throughput or another time
    unit, which the instruction clock does not have."""
    if metric in INSTRUCTION_CLOCK_METRICS:
        return INSTRUCTION_CLOCK_METRICS[metric]
    unit = sr.metric_unit(metric)
    if metric == sr.GUEST_INSTRUCTIONS_PER_PASS or unit == "count/KiB":
        return wall[0], "instructions" + ("/KiB" if unit == "count/KiB" else ""), 1.0
    if unit == "us":
        return wall[0], "guest instructions", 1000.0
    if unit == "us/KiB":
        return wall[0], "guest instructions per KiB", 1000.0
    if metric == "bytes_per_second" or unit == "B/s":
        raise sr.InputError(f"--metric {metric}: the comparison is of results of qemu's "
                            "instruction clock (vm_clock instructions), which count guest "
                            "instructions and have no throughput; draw real_time or "
                            "guest_instructions_per_kib")
    return wall


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
    if c.clock == sr.INSTRUCTIONS:
        title, unit, scale = instruction_clock_labels(c.metric, (title, unit, scale))
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
