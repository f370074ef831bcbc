// `sfb export`: results for CI dashboards (github-action-benchmark, Bencher).
#include "cmd_common.h"

#include "destinations.h"
#include "exit_codes.h"
#include "export.h"
#include "output_guard.h"

namespace sfb::harness {

namespace {

const std::vector<option_spec> kExportOptions = {
    {"format", "FORMAT",
     "github-action-benchmark-bigger, github-action-benchmark-smaller or bencher (required)"},
    {"filter", "REGEX", "only benchmarks whose name REGEX finds (e.g. ^sendfile/)"},
    {"output", "FILE", "write to FILE instead of standard output"},
};

int export_command(const parsed_args& args) {
    const auto format_text = args.value("format");
    if (!format_text) {
        throw usage_error(
            "export needs --format (github-action-benchmark-bigger, "
            "github-action-benchmark-smaller or bencher)");
    }
    const export_format format = parse_export_format(*format_text);
    if (args.positional.empty()) {
        throw usage_error("export needs at least one result file or folder");
    }
    const auto filter = filter_from(args);
    const std::vector<std::filesystem::path> inputs(args.positional.begin(), args.positional.end());
    if (auto output = args.value("output")) {
        const named_output outputs[] = {{"output", *output}};
        refuse_outputs_among_inputs(outputs, inputs);
        check_writable_file("output", *output);
    }
    const result_set set = filtered(load_results(inputs), filter, args, inputs.front().string());
    const std::string text = render_export(export_entries(set), format);
    if (auto output = args.value("output")) {
        write_file(*output, text);
    } else {
        print(text);
    }
    return kExitOk;
}

}  // namespace

subcommand export_subcommand() {
    return {"export", "sfb export --format FORMAT [options] FILE|DIR...",
            "Exports raw bench_sendfile (or any Google Benchmark) output, or stored results,\n"
            "for CI dashboards: one entry per benchmark and metric, the median over the\n"
            "repetitions with the interquartile range as its range. MB/s is bigger-is-better;\n"
            "real time per pass, sender CPU per pass (cpu_time) and service demand are\n"
            "smaller-is-better (times in us). Formats: github-action-benchmark's\n"
            "customBiggerIsBetter and customSmallerIsBetter JSON (one file each), and the\n"
            "Bencher Metric Format (all measures in one file).",
            kExportOptions, export_command};
}

}  // namespace sfb::harness
