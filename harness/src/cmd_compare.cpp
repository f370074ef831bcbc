// `sfb compare`: two sets of results, the change of every benchmark and its test.
#include "cmd_common.h"

#include "destinations.h"
#include "output_guard.h"

#include <span>

namespace sfb::harness {

namespace {

int compare_command(const parsed_args& args) {
    if (args.positional.size() != 2) {
        throw usage_error(
            "compare needs exactly two operands, BASE and NEW (see sfb compare "
            "--help)");
    }
    const compare_options options = parse_compare_options(args);
    parse_output_format(args);  // reject a bad --format before reading anything
    use_colour(args);
    filter_from(args);
    const std::filesystem::path base_path = args.positional[0];
    const std::filesystem::path new_path = args.positional[1];
    if (auto summary = args.value("summary")) {
        // Checked before anything is read: a FIFO nobody reads would block the append forever.
        check_writable_file("summary", *summary);
        const named_output outputs[] = {{"summary", *summary}};
        const std::filesystem::path inputs[] = {base_path, new_path};
        refuse_outputs_among_inputs(outputs, inputs);
    }
    const auto filter = filter_from(args);
    const result_set base =
        filtered(load_results(std::span(&base_path, 1)), filter, args, base_path.string());
    const result_set candidate =
        filtered(load_results(std::span(&new_path, 1)), filter, args, new_path.string());
    return emit_comparison(
        compare_results(base, candidate, options, base_path.string(), new_path.string()), args);
}

}  // namespace

subcommand compare_subcommand() {
    return {"compare", "sfb compare [options] BASE NEW",
            "Compares two sets of Google Benchmark JSON results (each a file or a folder,\n"
            "searched recursively for *.json; a folder's files are pooled). For every\n"
            "benchmark in both: the medians over the repetitions of real time, CPU time,\n"
            "MB/s and every counter, their relative change, and a two-sided Mann-Whitney U\n"
            "test (with --paired: the Wilcoxon signed-rank test over paired rounds). A\n"
            "gating metric regressed when its p-value, Holm-adjusted over all gating tests\n"
            "of the comparison, is below alpha AND it changed for the worse by at least the\n"
            "threshold. Aggregate entries (mean, median, ...) are ignored; the test needs\n"
            "per-repetition entries: enough that the smallest possible adjusted p-value is\n"
            "below alpha (9 per side suits up to ~1000 gating tests at alpha 0.05). Fewer is\n"
            "an error (exit 2) unless --no-test is given. Benchmarks on one side only are\n"
            "listed.",
            compare_option_specs(), compare_command};
}

}  // namespace sfb::harness
