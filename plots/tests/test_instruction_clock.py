#!/usr/bin/python3
"""Figures of results taken under qemu's instruction clock (`sfb kernels --clock
instructions`, context key vm_clock = instructions), whose times count guest instructions:
every axis says instructions, never usec or MB/s, and such a result is never drawn beside a
wall-clock one (exit 2).

    /usr/bin/python3 plots/tests/test_instruction_clock.py -v

The instruction-clock results are the synthetic fixtures with the context key and the two
counters added (to_instruction_clock below), as sfb kernels adds them; the machines figure's
are both synthetic fixtures so converted, as guests of two kernel releases (as_cloud_guest).
"""

import json
import re
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "data"))

import make_figure_fixtures  # noqa: E402
import sfb_results as sr  # noqa: E402
from test_sfb_plots import PYTHON, images_under, run_plots  # noqa: E402

SYNTHETIC = HERE / "data" / "synthetic"
WALL = sorted(SYNTHETIC.rglob("*.json"))[0]
NS_PER = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
# A wall-clock unit on an axis or in a title: what no instruction-clock figure may say.
WALL_UNITS = re.compile(r"MB/s|usec|\bus\b|\bns\b|bytes/s")


def to_instruction_clock(source: Path, target: Path) -> Path:
    """source as sfb kernels --clock instructions stores it: vm_clock, the clock's qemu
    options, and guest_instructions_per_pass (real_time in ns) and guest_instructions_per_kib
    in every benchmark (a cv aggregate, a ratio, keeps real_time's value)."""
    document = json.loads(source.read_text(encoding="utf-8"))
    document["context"]["vm_clock"] = "instructions"
    document["context"]["vm_qemu_clock_options"] = "-icount shift=0,sleep=off"
    for b in document["benchmarks"]:
        file_bytes = int(re.search(r"/file:(\d+)/", b["name"]).group(1))
        if b.get("aggregate_name") == "cv":
            per_pass = per_kib = b["real_time"]
        else:
            per_pass = b["real_time"] * NS_PER[b["time_unit"]]
            per_kib = per_pass / (file_bytes / 1024)
        b["guest_instructions_per_pass"] = per_pass
        b["guest_instructions_per_kib"] = per_kib
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return target


# The kernels of a comparison of two cloud kernels under the instruction clock.
GUEST_KERNELS = ("6.1.0-57-cloud-amd64", "6.12.117+deb12-cloud-amd64")


def as_cloud_guest(result: Path, kernel: str) -> Path:
    """An instruction-clock result as sfb kernels --clock instructions writes it from a
    1-vCPU TCG guest of `kernel` (the context keys machines labels a guest with)."""
    document = json.loads(result.read_text(encoding="utf-8"))
    document["context"].update({
        "kernel_release": kernel, "vm_accel": "tcg", "vm_host_kernel": "6.18.44-fc-v669",
        "cpu_model": "QEMU TCG CPU version 2.5+", "cpu_count": "1", "num_cpus": 1,
        "vm_cpus": "1"})
    result.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return result


def texts(fig) -> list:
    """Every axis label, panel title and header line of a figure."""
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
    return [t for t in out if t]


class Collect:
    """An Outputs stand-in: keeps the figures the plans add."""

    def __init__(self):
        self.figures = []

    def add(self, fig, name):
        self.figures.append((name, fig))


class InstructionClock(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sfb-instruction-clock-"))
        cls.clocked = to_instruction_clock(WALL, cls.tmp / "clocked" / WALL.name)
        make_figure_fixtures.write_fixtures(cls.tmp / "kinds")
        cls.placement = to_instruction_clock(cls.tmp / "kinds" / "placement.json",
                                             cls.tmp / "clocked-placement" / "placement.json")
        # Both synthetic fixtures (each measured tcp4/discard/warm/8 MiB at 4 KiB, 64 KiB and
        # 1 MiB blocks) as two kernels' guests.
        cls.kernels = [
            as_cloud_guest(to_instruction_clock(source, cls.tmp / "kernels" / str(i) /
                                                source.name), kernel)
            for i, (source, kernel) in enumerate(zip(sorted(SYNTHETIC.rglob("*.json")),
                                                     GUEST_KERNELS))]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def assert_instruction_labels(self, fig, name):
        drawn = texts(fig)
        for text in drawn:
            self.assertIsNone(WALL_UNITS.search(text), f"{name}: {text!r}")
        self.assertTrue(any("instructions" in text for text in drawn), f"{name}: {drawn}")

    def test_the_tidy_rows_are_instructions_and_have_no_mb_per_s(self):
        run = sr.load_file(self.clocked)
        wall = sr.load_file(WALL)
        self.assertEqual((run.clock(), wall.clock()), ("instructions", "wall"))
        for key, m in run.measurements.items():
            self.assertFalse(m.has("mb_per_s"), key)
            self.assertTrue(m.has(sr.GUEST_INSTRUCTIONS_PER_KIB), key)
            # sfb's tidy export gives the time per pass in instructions: 1000 per us.
            self.assertAlmostEqual(m.median("real_us"),
                                   wall.measurements[key].median("real_us") * 1000,
                                   delta=1e-6 * m.median("real_us"))

    def test_per_run_figures_label_their_axes_in_instructions(self):
        import sfb_figures as figs

        run = sr.load_file(self.clocked)
        drawn = 0
        for group in run.groups():
            ms = [m for k, m in run.measurements.items() if k.group == group]
            for name, make in (("throughput", figs.throughput_figure),
                               ("cpu", figs.cpu_figure), ("speedup", figs.speedup_figure)):
                fig = make(run, group, ms)
                if fig is None:
                    continue
                self.assert_instruction_labels(fig, f"{name} {group.describe()}")
                figs.plt.close(fig)
                drawn += 1
        self.assertGreater(drawn, 3)
        # The same figures of the wall-clock original do say MB/s and usec: the check sees
        # the labels.
        wall = sr.load_file(WALL)
        group = wall.groups()[0]
        ms = [m for k, m in wall.measurements.items() if k.group == group]
        labels = texts(figs.throughput_figure(wall, group, ms)) + texts(
            figs.cpu_figure(wall, group, ms))
        self.assertTrue(any("MB/s" in t for t in labels), labels)
        self.assertTrue(any("usec" in t for t in labels), labels)
        figs.plt.close("all")

    def test_the_placement_figure_is_a_ratio_of_instructions(self):
        import argparse

        import sfb_figures as figs
        import sfb_plots

        sink = Collect()
        made = sfb_plots.plan_placement(sr.load_runs([str(self.placement)]), sr.Filter(),
                                        argparse.Namespace(), sink, figs)
        self.assertGreater(made, 0)
        for name, fig in sink.figures:
            self.assert_instruction_labels(fig, name)
        figs.plt.close("all")

    def test_all_draws_machines_too(self):
        out = self.tmp / "all"
        proc = run_plots("all", *self.kernels, "--output", out, "--formats", "png")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("no machines figure", proc.stderr)
        names = {p.name.split("-")[0] for p in images_under(out)}
        self.assertEqual(names, {"throughput", "cpu", "speedup", "machines"})

    def test_machines_of_two_kernels_is_drawn_in_instructions(self):
        out = self.tmp / "machines"
        proc = run_plots("machines", *self.kernels, "--output", out, "--formats", "png")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual({p.name for p in images_under(out)},
                         {"machines-tcp4-copy-warm-8MiB-1conn.png",
                          "machines-tcp4-discard-warm-8MiB-1conn.png"})

    def test_the_machines_figure_counts_guest_instructions_per_kib(self):
        import sfb_figures as figs
        import sfb_plots

        runs = sr.load_runs([str(k) for k in self.kernels])
        group = next(g for g in runs[1].groups() if g.receiver == "discard")

        def draw(*paths, log_y=False):
            sink = Collect()
            keep = sr.Filter(paths=paths, receivers=("discard",))
            args = sfb_plots.build_parser().parse_args(
                ["machines", "x", "-o", "y"] + (["--log-y"] if log_y else []))
            self.assertEqual(sfb_plots.plan_machines(runs, keep, args, sink, figs), 1)
            return sink.figures[0][1]

        fig = draw()
        self.assert_instruction_labels(fig, "machines")
        drawn = texts(fig)
        self.assertIn("guest instructions per KiB\n(lower is better)", drawn)
        self.assertTrue(any("qemu's instruction clock, not a timing" in t for t in drawn), drawn)
        self.assertNotIn("TCG guests run on qemu's emulated CPU", " ".join(drawn))
        panels = [ax for ax in fig.axes if ax.get_visible()]
        self.assertEqual([ax.get_title(loc="left") for ax in panels],
                         ["read_send", "sendfile", "instructions: read_send / sendfile"])
        # One line per machine, labelled with its kernel release, through sfb's medians of
        # guest_instructions_per_kib; the ratio panel is sfb's ratio row (read_send's
        # instructions per pass over sendfile's).
        for ax, path in zip(panels, ("read_send", "sendfile")):
            lines = {line.get_label(): line for line in ax.get_lines()}
            self.assertEqual(len(lines), 2, lines)
            for kernel, run in zip(GUEST_KERNELS, runs):
                label = next(name for name in lines if kernel in name)
                self.assertIn("qemu TCG guest", label)
                ms = sorted((m for k, m in run.measurements.items()
                             if k.group == group and k.path == path),
                            key=lambda m: m.key.block_bytes)
                self.assertEqual(list(lines[label].get_ydata()),
                                 [m.median(sr.GUEST_INSTRUCTIONS_PER_KIB) for m in ms])
        ratios = [list(line.get_ydata()) for line in panels[2].get_lines()
                  if len(line.get_xdata()) > 2]
        expected = [[m.ratios["mb_per_s"].value for m in sorted(
            (m for k, m in run.measurements.items()
             if k.group == group and k.path == "sendfile"), key=lambda m: m.key.block_bytes)]
            for run in runs]
        self.assertEqual(sorted(ratios), sorted(expected))
        self.assertTrue(all(r > 1 for rs in ratios for r in rs), ratios)
        # The ratio needs both paths drawn; --log-y keeps the labels.
        for fig in (draw("sendfile"), draw("read_send", "splice"),
                    draw("read_send", "sendfile", log_y=True)):
            self.assert_instruction_labels(fig, "machines")
        self.assertEqual(len([ax for ax in draw("sendfile", "splice").axes
                              if ax.get_visible()]), 2)
        figs.plt.close("all")

    def test_transports_of_the_instruction_clock_is_bad_input(self):
        out = self.tmp / "refused-transports"
        proc = run_plots("transports", self.clocked, "--output", out)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("instruction clock", proc.stderr)
        self.assertEqual(images_under(out), [])

    def test_an_instruction_clock_result_beside_a_wall_clock_one_is_refused(self):
        for figure in ("throughput", "cpu", "speedup", "machines", "all"):
            out = self.tmp / f"mixed-{figure}"
            proc = run_plots(figure, self.clocked, WALL, "--output", out)
            self.assertEqual(proc.returncode, 2, f"{figure}: {proc.stderr}")
            self.assertIn("never drawn together", proc.stderr)
            self.assertIn(str(self.clocked), proc.stderr)
            self.assertEqual(images_under(out), [])

    def test_the_distribution_counts_instructions_and_has_no_mb_per_s(self):
        import subprocess

        import sfb_distribution as sd

        self.assertEqual(sd.y_label("real_time", "instructions"),
                         "guest instructions per pass (instruction clock)")
        self.assertEqual(sd.y_label("real_time", "wall"), "wall time per pass (us)")
        name = sorted(row["benchmark"] for row in sr.sfb_tidy.tidy_rows([str(self.clocked)])
                      if row["record"] == "median" and row["path"] == "sendfile")[0]
        script = HERE.parent / "sfb_distribution.py"
        out = self.tmp / "distribution.png"

        def draw(*extra):
            return subprocess.run([PYTHON, str(script), str(self.clocked), name, "--output",
                                   str(out), *extra], capture_output=True, text=True,
                                  timeout=120)

        drawn = draw()
        self.assertEqual(drawn.returncode, 0, drawn.stderr)
        self.assertTrue(out.is_file())
        refused = draw("--metric", "mb_per_s")
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("instruction clock", refused.stderr)

    def test_a_comparison_of_the_instruction_clock_is_labelled_in_instructions(self):
        import sfb_figures as figs

        def document(metrics):
            return {"base": "a.json", "new": "b.json", "alpha": 0.05, "threshold": 0.05,
                    "gate": ["real_time"],
                    "benchmarks": [{"name": "sendfile/tcp4/discard/warm/file:1048576/"
                                    "block:65536/conns:1/real_time", "verdict": "unchanged",
                                    "metrics": metrics}]}

        time = {"unit": "us", "base_median": 200.0, "new_median": 201.0, "change": 0.005,
                "outcome": "unchanged"}
        count = {"base_median": 200000.0, "new_median": 201000.0, "change": 0.005,
                 "outcome": "unchanged"}
        clocked = document({"real_time": time, "cpu_time": time, "bytes_per_second": count,
                            "guest_instructions_per_pass": count})
        wall = document({"real_time": time, "bytes_per_second": count})
        for metric in ("real_time", "cpu_time", "guest_instructions_per_pass"):
            c = sr.parse_compare(clocked, Path("c.json"), metric)
            self.assertEqual(c.clock, "instructions")
            for _, _, fig in figs.compare_figures(c):
                self.assert_instruction_labels(fig, metric)
                if metric == "real_time":
                    # 200 us of the guest's clock are 200000 instructions.
                    self.assertEqual(fig.axes[0].get_xlabel(),
                                     "median, guest instructions per pass")
        c = sr.parse_compare(clocked, Path("c.json"), "bytes_per_second")
        with self.assertRaises(sr.InputError):
            list(figs.compare_figures(c))
        c = sr.parse_compare(wall, Path("w.json"), "real_time")
        self.assertEqual(c.clock, "wall")
        self.assertTrue(any("usec" in t for _, _, fig in figs.compare_figures(c)
                            for t in texts(fig)))
        figs.plt.close("all")


if __name__ == "__main__":
    unittest.main()
