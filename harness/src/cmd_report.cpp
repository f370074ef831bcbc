// `sfb report`: one table over stored results across machines, kernels and OSes.
#include "cmd_common.h"

#include "exit_codes.h"

namespace sfb::harness {

namespace {

const std::vector<option_spec> kReportOptions = {
    {"path", "NAMES", "only these paths (comma-separated); read_send is kept for speed-ups"},
    {"file-size", "SIZES", "only these file sizes (e.g. 65536,1M,64M)"},
    {"block-size", "SIZES", "only these block sizes (e.g. 64K)"},
    {"format", "text|markdown|json", "output format (default text)"},
    colour_option(),
};

int report_command(const parsed_args& args) {
    report_filters filters;
    if (auto paths = args.value("path")) {
        filters.paths = split_list(*paths);
    }
    if (auto sizes = args.value("file-size")) {
        for (const auto& s : split_list(*sizes)) {
            filters.file_sizes.push_back(parse_bytes("file-size", s));
        }
    }
    if (auto sizes = args.value("block-size")) {
        for (const auto& s : split_list(*sizes)) {
            filters.block_sizes.push_back(parse_bytes("block-size", s));
        }
    }
    std::vector<std::filesystem::path> inputs(args.positional.begin(), args.positional.end());
    if (inputs.empty()) {
        inputs.emplace_back("results");
    }
    print(render_report(inputs, filters, parse_output_format(args), use_colour(args)));
    return kExitOk;
}

}  // namespace

subcommand report_subcommand() {
    return {"report", "sfb report [options] [DIR|FILE...]",
            "One table over stored results (default: the folder results): per configuration,\n"
            "path and machine (machine_fingerprint), MB/s and CPU usec/pass as median with\n"
            "interquartile range over all repetitions of all runs, and the speed-up over\n"
            "read_send (median and IQR of the ratios of every repetition of the path to every\n"
            "repetition of read_send on the same machine and configuration).",
            kReportOptions, report_command};
}

}  // namespace sfb::harness
