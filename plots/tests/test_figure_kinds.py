#!/usr/bin/python3
"""Tests of the transports and placement figures and of how the machines figure labels VM
guests, from the synthetic results data/make_figure_fixtures.py writes (into a temporary
folder) and from format/golden/bench_sendfile-golden.json.

    /usr/bin/python3 plots/tests/test_figure_kinds.py -v

No test asserts a speed: the numbers checked are the fixtures' invented ones.
"""

import json
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
from test_sfb_plots import check_png, check_svg, images_under, run_plots  # noqa: E402

GOLDEN = HERE.parents[1] / "format" / "golden" / "bench_sendfile-golden.json"


class FigureKinds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="sfb-figure-kinds-"))
        cls.data = cls.tmp / "data"
        make_figure_fixtures.write_fixtures(cls.data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def out(self, name: str) -> Path:
        return self.tmp / name

    def check_written(self, proc, out: Path, prefix: str, count: int):
        self.assertEqual(proc.returncode, 0, proc.stderr)
        images = images_under(out)
        self.assertEqual(len(images), 2 * count, images)
        for path in images:
            self.assertTrue(path.name.startswith(prefix), path)
            (check_png if path.suffix == ".png" else check_svg)(self, path)
        self.assertEqual(sorted(proc.stdout.split()), [str(p) for p in images])

    def test_transport_labels_come_from_the_name_and_the_mtu_in_the_context(self):
        labels = {}
        for name, transport in (("loopback", "tcp4"), ("veth1500", "veth4"),
                                ("veth65535", "veth4")):
            labels[name] = sr.load_file(self.data / f"{name}.json").transport_label(transport)
        # veth1500 has it in transport_route; veth65535 only in sfb_flags (--sfb_mtu=65535).
        self.assertEqual(labels, {"loopback": "loopback", "veth1500": "veth MTU 1500",
                                  "veth65535": "veth MTU 65535"})

    def test_transports_draws_the_three_side_by_side(self):
        out = self.out("transports")
        proc = run_plots("transports", *(self.data / f"{n}.json"
                                         for n in ("veth65535", "loopback", "veth1500")),
                         "--output", out)
        self.check_written(proc, out, "transports-", 1)
        self.assertIn("block64KiB", images_under(out)[0].name)

    def test_transports_at_a_block_size_nobody_measured_is_bad_input(self):
        out = self.out("transports-none")
        proc = run_plots("transports", self.data / "loopback.json", "--output", out,
                         "--block-size", "4KiB")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("nothing to draw", proc.stderr)
        self.assertFalse(out.exists() and images_under(out))
        proc = run_plots("transports", self.data / "loopback.json", "--output", out,
                         "--block-size", "lots")
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("bad --block-size", proc.stderr)

    def test_the_old_spellings_out_and_block_still_work_and_are_not_in_the_help(self):
        out = self.out("transports-old-spellings")
        proc = run_plots("transports", *(self.data / f"{n}.json"
                                         for n in ("veth65535", "loopback", "veth1500")),
                         "--out", out, "--block=64KiB")
        self.check_written(proc, out, "transports-", 1)
        self.assertIn("block64KiB", images_under(out)[0].name)
        usage = run_plots("transports", "--help").stdout
        for shown in ("--output DIR", "--block-size SIZE"):
            self.assertIn(shown, usage)
        for hidden in ("--out ", "--block "):
            self.assertNotIn(hidden, usage)

    def placement_series(self, source: Path) -> dict:
        """What plan_placement hands placement_figure for `source`: group -> series."""
        import argparse

        import sfb_plots

        drawn = {}

        class Capture:
            @staticmethod
            def placement_figure(run, group_text, series):
                drawn[group_text] = series
                return None

        class Sink:
            @staticmethod
            def add(*_):
                pass

        sfb_plots.plan_placement(sr.load_runs([str(source)]), sr.Filter(),
                                 argparse.Namespace(), Sink, Capture)
        return drawn

    def test_placement_draws_sfbs_ratio_rows(self):
        source = self.data / "placement.json"
        # The ratio rows of sendfile's MB/s, straight from sfb's tidy export.
        rows = {(row["placement"], row["receiver"], row["block"]): row
                for row in sr.sfb_tidy.tidy_rows([str(source)])
                if row["record"] == "ratio" and row["metric"] == "bytes_per_second"
                and row["path"] == "sendfile"}
        self.assertTrue(rows)
        drawn = self.placement_series(source)
        self.assertTrue(drawn)
        points = 0
        for group_text, series in drawn.items():
            receiver = "copy" if "copy receiver" in group_text else "discard"
            self.assertEqual(set(series), set(make_figure_fixtures.PLACEMENT_RATIO))
            for placement, line in series.items():
                for block, value, low, high, rounds in line:
                    row = rows[(placement, receiver, block)]
                    # The estimate and interval of sfb's table, not one computed here.
                    self.assertEqual((value, low, high, rounds),
                                     (row["value"], row["ci_low"], row["ci_high"], row["n"]))
                    self.assertTrue(row["text"].startswith("read_send/"), row["text"])
                    self.assertEqual(rounds, make_figure_fixtures.ROUNDS)
                    ratio = make_figure_fixtures.PLACEMENT_RATIO[placement]
                    self.assertAlmostEqual(value, ratio, delta=ratio * 0.03)
                    self.assertLess(low, value)
                    self.assertLess(value, high)
                    points += 1
        self.assertEqual(points, len(rows))

    def test_under_four_rounds_there_is_no_interval(self):
        import sfb_figures as figs

        point, whiskers = figs.interval_note([(65536, 3.0, None, None, 3)])
        self.assertIn("Hodges-Lehmann ratio of MB/s over 3 rounds", point)
        self.assertIn("too few rounds", whiskers)
        point, whiskers = figs.interval_note([(65536, 3.0, 2.5, 3.5, 7)])
        self.assertIn("over 7 rounds", point)
        self.assertEqual(whiskers, "whiskers: its 95% interval")
        # The golden file has two rounds: sfb gives the ratio without an interval, and the
        # figure draws the point without whiskers.
        for series in self.placement_series(GOLDEN).values():
            for line in series.values():
                for _, value, low, high, rounds in line:
                    self.assertGreater(value, 0)
                    self.assertEqual((low, high, rounds), (None, None, 2))

    def test_speedup_draws_sfbs_ratio_rows(self):
        import sfb_figures as figs

        run = sr.load_file(self.data / "placement.json")
        group = min(run.groups())
        ms = [m for k, m in run.measurements.items() if k.group == group]
        sendfile = sorted((m for m in ms if m.key.path == "sendfile"),
                          key=lambda m: m.key.block_bytes)
        x, mid, lo, hi = figs.ratio_series(sendfile)
        self.assertEqual(x, [m.key.block_bytes for m in sendfile])
        self.assertEqual(mid, [m.ratios["mb_per_s"].value for m in sendfile])
        self.assertEqual(lo, [m.ratios["mb_per_s"].low for m in sendfile])
        self.assertEqual(hi, [m.ratios["mb_per_s"].high for m in sendfile])
        fig = figs.speedup_figure(run, group, ms)
        texts = " | ".join(t.get_text() for t in fig.texts)
        self.assertIn(f"line: Hodges-Lehmann ratio over {make_figure_fixtures.ROUNDS} rounds, "
                      "band: its 95% interval", texts)
        self.assertNotIn("extremes", texts)
        # read_send alone has no ratio: no speed-up figure.
        self.assertIsNone(figs.speedup_figure(run, group, [m for m in ms
                                                           if m.key.path == "read_send"]))

    def test_speedup_bars_have_whiskers_only_with_an_interval(self):
        import matplotlib.container
        import sfb_figures as figs

        for source, whiskers in ((self.data / "placement.json", True), (GOLDEN, False)):
            run = sr.load_file(source)
            for group in run.groups():
                ms = [m for k, m in run.measurements.items()
                      if k.group == group and k.block_bytes == 65536]
                fig = figs.speedup_figure(run, group, ms)
                self.assertIsNotNone(fig, group)
                bars = fig.axes[0].containers
                errorbars = [c for c in bars
                             if isinstance(c, matplotlib.container.ErrorbarContainer)]
                self.assertEqual(bool(errorbars), whiskers, (source, group))
                texts = " | ".join(t.get_text() for t in fig.texts)
                self.assertIn("bar: Hodges-Lehmann ratio over", texts)

    def test_placement_draws_one_figure_per_group(self):
        out = self.out("placement")
        proc = run_plots("placement", self.data / "placement.json", "--output", out)
        self.check_written(proc, out, "placement-", 1)

    def test_placement_from_the_golden_file_draws(self):
        # Two repetitions of one placement: too few for an interval, drawn without whiskers.
        out = self.out("placement-golden")
        proc = run_plots("placement", GOLDEN, "--output", out, "--formats", "png")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(len(images_under(out)), 1)

    def test_placement_needs_the_placement_segment(self):
        out = self.out("placement-none")
        # The synthetic fixtures predate the placement segment.
        proc = run_plots("placement", HERE / "data" / "synthetic", "--output", out)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("no placement: segment", proc.stderr)
        self.assertIn("nothing to draw", proc.stderr)
        # Placements, but no read_send to divide by.
        doc = json.loads((self.data / "placement.json").read_text())
        doc["benchmarks"] = [b for b in doc["benchmarks"]
                             if not b["name"].startswith("read_send/")]
        no_base = self.tmp / "placement-without-read_send.json"
        no_base.write_text(json.dumps(doc))
        proc = run_plots("placement", no_base, "--output", out)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("needs sendfile and read_send", proc.stderr)
        self.assertFalse(out.exists() and images_under(out))
        # --path sendfile draws sendfile only; sfb's ratio over read_send is still there.
        proc = run_plots("placement", self.data / "placement.json", "--output", out,
                         "--path", "sendfile")
        self.check_written(proc, out, "placement-", 1)

    def test_a_tcg_guest_is_labelled_with_its_kernel_and_accelerator(self):
        guest = sr.load_file(self.data / "tcg-guest.json")
        label = guest.machine_label()
        self.assertIn("6.1.0-57-cloud-amd64", label)
        self.assertIn("TCG", label)
        self.assertIn("6.18.44-fc-v669", label)  # the host it ran on
        self.assertNotIn("QEMU TCG CPU", label)  # qemu's CPU model is no processor
        host = sr.load_file(self.data / "loopback.json")
        self.assertNotIn("TCG", host.machine_label())

    def test_machines_draws_a_guest_beside_a_host(self):
        out = self.out("machines")
        proc = run_plots("machines", self.data / "tcg-guest.json", self.data / "loopback.json",
                         "--output", out, "--receiver", "discard")
        self.check_written(proc, out, "machines-", 1)

    def test_machines_takes_the_newest_run_that_measured_the_group(self):
        # loopback.json and veth1500.json are one machine; veth1500.json sorts as newer but
        # has no tcp4 benchmarks, so the tcp4 figure must still draw loopback.json.
        import argparse

        import sfb_plots

        drawn = {}

        class Capture:
            @staticmethod
            def machines_figure(entries, group, *_):
                drawn[group.transport, group.receiver] = sorted(
                    run.source.name for _, run, _ in entries)
                return None

        class Sink:
            @staticmethod
            def add(*_):
                pass

        runs = sr.load_runs([str(self.data / n) for n in
                             ("tcg-guest.json", "loopback.json", "veth1500.json")])
        args = argparse.Namespace(all_runs=False, log_y=False)
        sfb_plots.plan_machines(runs, sr.Filter(), args, Sink, Capture)
        self.assertEqual(drawn[("tcp4", "discard")], ["loopback.json", "tcg-guest.json"])
        self.assertEqual(drawn[("veth4", "discard")], ["veth1500.json"])


if __name__ == "__main__":
    unittest.main()
