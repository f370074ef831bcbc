// `sfb export`: results for CI dashboards (github-action-benchmark, Bencher), and the tidy
// export (one row per number) that plots/ reads.
#include "cmd_common.h"

#include "destinations.h"
#include "exit_codes.h"
#include "export.h"
#include "output_guard.h"

#include <fmt/format.h>
#include <cstdio>
#include <iterator>

namespace sfb::harness {

namespace {

const std::vector<option_spec> kExportOptions = {
    {"format", "FORMAT",
     "github-action-benchmark-bigger, github-action-benchmark-smaller, bencher, tidy-csv or "
     "tidy-jsonl (required)"},
    {"filter", "REGEX", "only benchmarks whose name REGEX finds (e.g. ^sendfile/)"},
    {"output", "FILE", "write to FILE instead of standard output"},
};

int export_command(const parsed_args& args) {
    const auto format_text = args.value("format");
    if (!format_text) {
        throw usage_error(
            "export needs --format (github-action-benchmark-bigger, "
            "github-action-benchmark-smaller, bencher, tidy-csv or tidy-jsonl)");
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
    const bool tidy = format == export_format::tidy_csv || format == export_format::tidy_jsonl;
    std::string text;
    if (tidy) {
        // File by file: every row names the result file it came from.
        std::vector<ordered_json> rows;
        bool kept = false;
        for (const auto& file : expand_inputs(inputs)) {
            result_set one;
            add_benchmark_document(one, read_json_file(file), file);
            if (filter) {
                one = filter_benchmarks(one, *filter);
            }
            kept = kept || !one.benchmarks.empty();
            auto file_rows = tidy_rows(one, file);
            rows.insert(rows.end(), std::make_move_iterator(file_rows.begin()),
                        std::make_move_iterator(file_rows.end()));
        }
        if (filter && !kept) {
            throw input_error(fmt::format("{}: no benchmark matches --filter \"{}\"",
                                          inputs.front().string(), *args.value("filter")));
        }
        text = render_tidy(rows, format);
    } else {
        const result_set set =
            filtered(load_results(inputs), filter, args, inputs.front().string());
        text = render_export(export_entries(set), format);
    }
    if (auto output = args.value("output")) {
        write_file(*output, text);
    } else if (tidy) {
        // Not print(): the tidy rows are data, already safe (JSON Lines are ASCII, CSV cells
        // escaped), and their lines must stay whole.
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
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
            "Bencher Metric Format (all measures in one file). tidy-csv and tidy-jsonl:\n"
            "one row per file, benchmark, repetition and metric, a median row (with its\n"
            "95% interval) per benchmark and metric, context and error rows, and ratio\n"
            "rows: each path's MB/s and sender CPU over read_send's of its configuration\n"
            "(the Hodges-Lehmann ratio over rounds with its 95% interval, as sfb run's\n"
            "table); the columns are in format/README.md.\n"
            "A result of qemu's instruction clock (context key vm_clock instructions, from\n"
            "sfb kernels --clock instructions) counts guest instructions, not time: it exports\n"
            "guest_instructions_per_pass (unit instructions, Bencher measure\n"
            "guest-instructions-per-pass), guest_instructions_per_kib (instructions/KiB,\n"
            "guest-instructions-per-kib), cpu_time x 1000 (instructions,\n"
            "sender-cpu-instructions) and service demand x 1000 (instructions/KiB,\n"
            "service-demand-instructions-per-kib), all smaller-is-better, and no MB/s or real\n"
            "time; its tidy rows give every us metric x 1000 in instructions and leave B/s\n"
            "out. Results of both clocks in one dashboard export: exit 2.",
            kExportOptions, export_command};
}

}  // namespace sfb::harness
