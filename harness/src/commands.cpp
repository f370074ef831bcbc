#include "commands.h"

#include "benchmark_json.h"
#include "cli.h"
#include "cmd_common.h"
#include "cmd_kernels.h"
#include "completeness.h"
#include "exit_codes.h"
#include "memory_reserve.h"
#include "process.h"
#include "safe_text.h"

#include <fmt/format.h>
#include <cstdio>
#include <new>

namespace sfb::harness {

namespace {

const char* const kExitCodes =
    "exit codes:\n"
    "  0  success (compare, ab: no regression)\n"
    "  1  compare, ab: at least one benchmark regressed\n"
    "  2  bad input or usage (the message names the file and what is wrong)\n"
    "  3  the benchmark program failed, or a result could not be written\n"
    "  4  compare, report, export: the answer is incomplete: entries of a results folder\n"
    "     were not read (each named in a warning); 1, 2 and 3 take precedence";

const char* const kTopHelp =
    "usage: sfb COMMAND [options] [-- BENCHMARK ARGS...]\n"
    "\n"
    "Runs, stores and compares sendfile-bench results (and any Google Benchmark JSON).\n"
    "\n"
    "commands:\n"
    "  run       run bench_sendfile with repetitions, show a summary, store the result\n"
    "  compare   compare two results (files or folders); exit 1 on a regression\n"
    "  report    one table over stored results across machines, kernels and OSes\n"
    "  ab        run two builds interleaved and compare them: the CI regression gate\n"
    "  export    results for CI dashboards (github-action-benchmark, Bencher)\n"
    "  kernels   run the suite in VMs booted from other kernels (qemu; vm/README.md)\n"
    "\n"
    "`sfb COMMAND --help` describes each command.\n"
    "\n";

// The message of a failed command, escaped and cut; returns `code`.
int fail_with(const std::string& command, const char* what, int code) {
    print_message(fmt::format("sfb {}: {}", quoted_value(command, 64), what));
    return code;
}

}  // namespace

int sfb_main(std::span<const std::string> args) {
    if (args.empty()) {
        std::fprintf(stderr, "%s%s\n", kTopHelp, kExitCodes);
        return kExitBadInput;
    }
    const std::string& command = args.front();
    const auto rest = args.subspan(1);
    install_memory_reserve();
    try {
        if (command == "--version" || command == "version") {
            print(fmt::format("sfb {} (git {})\n", SFB_VERSION, SFB_GIT_COMMIT));
            return kExitOk;
        }
        if (command == "-h" || command == "--help" || command == "help") {
            print(std::string(kTopHelp) + kExitCodes + "\n");
            return kExitOk;
        }
        const subcommand subcommands[] = {run_subcommand(), compare_subcommand(),
                                          report_subcommand(), ab_subcommand(),
                                          export_subcommand()};
        for (const auto& sub : subcommands) {
            if (command == sub.name) {
                const parsed_args parsed = parse_args(rest, sub.options);
                if (parsed.help) {
                    print(format_help(sub.usage, sub.description, sub.options, kExitCodes));
                    return kExitOk;
                }
                return finish_answer(sub.run(parsed));
            }
        }
        if (command == "kernels") {
            return kernels_command(rest);
        }
        throw usage_error(
            fmt::format("unknown command \"{}\" (run, compare, report, ab, export, kernels)",
                        quoted_value(command, 64)));
    } catch (const usage_error& e) {
        return fail_with(command, e.what(), kExitBadInput);
    } catch (const input_error& e) {
        return fail_with(command, e.what(), kExitBadInput);
    } catch (const benchmark_failure& e) {
        return fail_with(command, e.what(), kExitFailure);
    } catch (const std::bad_alloc&) {
        // Not the benchmark program's failure: the input (results, a program's output) was
        // too large for this machine's memory.
        return fail_with(command,
                         "out of memory: the input is too large for this machine (results are "
                         "read up to 256 MiB a file); nothing was written",
                         kExitBadInput);
    } catch (const std::exception& e) {
        return fail_with(command, e.what(), kExitFailure);
    }
}

}  // namespace sfb::harness
