// `sfb ab`: two builds run interleaved and compared, looking between batches of rounds: the
// CI regression gate.
#include "cmd_common.h"

#include "cmd_kernels.h"
#include "destinations.h"
#include "merge_rounds.h"
#include "output_guard.h"
#include "progress.h"
#include "sequential_gate.h"
#include "stats.h"

#include <fmt/format.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <system_error>

namespace sfb::harness {

namespace {

std::vector<option_spec> ab_option_specs() {
    std::vector<option_spec> specs = {
        {"base", "PATH", "the base build's benchmark program (required)"},
        {"candidate", "PATH", "the candidate build's benchmark program (required)"},
        {"rounds", "N",
         "rounds before the first look and between looks; each round runs both programs once, "
         "every benchmark once (default 15)"},
        {"max-rounds", "N",
         "stop adding rounds at N (default 45; with --rounds alone: that many, one look)"},
        {"time-limit", "MINUTES",
         "start no batch of rounds that would end after MINUTES, at the pace so far; the first "
         "batch always runs (default 5; 0: no limit)"},
        {"unpaired", "", "the Mann-Whitney U test over independent rounds instead of --paired"},
        warmup_option(),
        verbose_option(),
        {"save-base", "FILE", "also write the base's merged JSON to FILE"},
        {"save-candidate", "FILE", "also write the candidate's merged JSON to FILE"},
        {"save-comparison", "FILE",
         "also write the final comparison as JSON to FILE (what --format json prints)"},
    };
    auto compare_specs = compare_option_specs();
    for (auto& spec : compare_specs) {
        if (spec.name == "alpha") {  // ab gates every change of a CI run: a stricter default
            spec.help =
                "significance level over the whole run (Wilcoxon signed-rank; Mann-Whitney U "
                "with --unpaired; default 0.01)";
        }
    }
    specs.insert(specs.end(), compare_specs.begin(), compare_specs.end());
    specs.push_back(
        {"kernel", "SPEC",
         "run both programs in one qemu guest of this kernel (an image or a Debian package "
         "name or glob, as sfb kernels takes) instead of on this machine; the options below "
         "shape the guest"});
    const auto guest = guest_option_specs();
    specs.insert(specs.end(), guest.begin(), guest.end());
    return specs;
}

// The default --threshold of `sfb ab --kernel --clock instructions`: no gating metric that was
// not changed moved by more than 0.24% in 20 measured gates, so 1% is far outside the noise and
// still below what real changes usually are (vm/README.md, "The gate on the instruction clock").
constexpr const char* kInstructionsThreshold = "1%";

// What `sfb ab` inside the guest is given: this command's own options as they were given,
// less those that shape the guest and those whose files the host writes.
std::vector<std::string> guest_ab_options(const parsed_args& args) {
    std::set<std::string> host_only = {"base",           "candidate",       "kernel",  "save-base",
                                       "save-candidate", "save-comparison", "summary", "color"};
    for (const auto& spec : guest_option_specs()) {
        host_only.insert(spec.name);
    }
    std::vector<std::string> options;
    for (const auto& spec : ab_option_specs()) {
        if (host_only.contains(spec.name)) {
            continue;
        }
        if (auto value = args.value(spec.name)) {
            options.push_back(fmt::format("--{}={}", spec.name, *value));
        } else if (args.flag(spec.name)) {
            options.push_back("--" + spec.name);
        }
    }
    if (!args.value("threshold") && args.value("clock").value_or("wall") == "instructions") {
        options.push_back(fmt::format("--threshold={}", kInstructionsThreshold));
    }
    if (args.value("summary")) {
        options.emplace_back("--summary=/out/summary.md");
    }
    return options;
}

// Writes the merged JSON where --save-base / --save-candidate say; the message of a failure.
std::optional<std::string> save_json(const parsed_args& args, const char* option,
                                     const std::string& content) {
    if (auto file = args.value(option)) {
        try {
            write_file(*file, content);
        } catch (const std::system_error& e) {
            return e.what();
        }
    }
    return std::nullopt;
}

// Fail before spending minutes on runs that no test could judge: once with one test, before
// anything runs, and again with the `tests` gating tests (Holm) once the programs have listed
// their benchmarks, before the first round.
void check_rounds_suffice(const compare_options& options, unsigned rounds, std::size_t tests = 1) {
    const double factor = options.holm ? static_cast<double>(std::max<std::size_t>(tests, 1)) : 1;
    auto smallest_p = [&](unsigned n) {
        return factor * (options.paired ? wilcoxon_min_p_value(n) : mann_whitney_min_p_value(n, n));
    };
    if (options.run_test && smallest_p(rounds) >= options.alpha) {
        unsigned needed = rounds;
        while (smallest_p(needed) >= options.alpha) {
            ++needed;
        }
        throw usage_error(fmt::format(
            "--rounds {} is too few for the {} test at alpha {}{}; use {} or more, or --no-test",
            rounds, rank_test_name(options), options.alpha,
            factor > 1 ? fmt::format(" over {} gating tests (Holm)", tests) : "", needed));
    }
}

// The rounds of both programs, interleaved in blocks of two rounds, A B then B A or B A then
// A B, the block's order drawn at random: what each wrote, per side. Within a block each side
// runs first once, so a steady drift of the machine cancels out; drawing the blocks keeps a
// disturbance that repeats every two rounds (a periodic job, a neighbour's cycle) from
// falling on one side in every round, as a fixed A B, B A, A B, ... lets it. Rounds are added
// in batches, so that the gate can look between them.
class ab_rounds {
  public:
    ab_rounds(const std::filesystem::path (&programs)[2], const round_settings& settings,
              unsigned max_rounds)
        : programs_{programs[0], programs[1]},
          settings_(settings),
          max_rounds_(max_rounds),
          progress_(count_benchmarks(programs, settings, names_) * max_rounds,
                    ::isatty(STDERR_FILENO) == 1) {}

    // Runs rounds until there are `rounds` of each side.
    void run_until(unsigned rounds) {
        static const char* const labels[2] = {"base", "candidate"};
        for (unsigned round = rounds_done() + 1; round <= rounds; ++round) {
            if (round % 2 == 1) {
                block_base_first_ = std::bernoulli_distribution(0.5)(random_);
            }
            const bool base_first = block_base_first_ == (round % 2 == 1);
            const int order[2] = {base_first ? 0 : 1, base_first ? 1 : 0};
            for (int side : order) {
                const auto i = static_cast<std::size_t>(side);
                outputs_[i].push_back(
                    run_round(programs_[i], settings_,
                              temporary_.path() / fmt::format("{}-{}.json", labels[side], round),
                              names_[i], [&](const std::string& name) {
                                  progress_.step(fmt::format("round {}/{} {}: {}", round,
                                                             max_rounds_, labels[side], name));
                              }));
            }
        }
    }
    void finish() { progress_.finish(); }
    // How many benchmarks both programs listed that --filter keeps.
    std::size_t common_benchmarks(const std::optional<std::regex>& filter) const {
        return static_cast<std::size_t>(
            std::count_if(names_[0].begin(), names_[0].end(), [&](const std::string& name) {
                return names_[1].contains(name) && (!filter || std::regex_search(name, *filter));
            }));
    }
    unsigned rounds_done() const { return static_cast<unsigned>(outputs_[1].size()); }
    const std::vector<ordered_json>& of(std::size_t side) const { return outputs_[side]; }

  private:
    static std::size_t count_benchmarks(const std::filesystem::path (&programs)[2],
                                        const round_settings& settings,
                                        std::set<std::string> (&names)[2]) {
        for (std::size_t side = 0; side < 2; ++side) {
            const auto listed = list_benchmarks(programs[side], settings.args);
            if (listed.empty()) {
                throw input_error(programs[side], "no benchmark matches the arguments given");
            }
            names[side].insert(listed.begin(), listed.end());
        }
        return names[0].size() + names[1].size();
    }

    std::filesystem::path programs_[2];
    round_settings settings_;
    unsigned max_rounds_;
    std::set<std::string> names_[2];
    progress_meter progress_;
    temporary_folder temporary_;
    std::array<std::vector<ordered_json>, 2> outputs_;
    std::mt19937 random_{std::random_device{}()};
    bool block_base_first_ = true;
};

// The significance level of `sfb ab` unless --alpha is given: a gate that runs on every pull
// request must rarely cry wolf; with the sequential plan's defaults it still catches a 10%
// change on a noisy 2-CPU machine (harness/README.md, "Quality bars, measured").
constexpr double kAbDefaultAlpha = 0.01;

// bench_sendfile's --benchmark_min_time when none is given (benchmarks/src/suite/bench_main.cpp).
constexpr double kBenchDefaultMinTime = 0.3;

// --rounds, --max-rounds and --time-limit: the looks of the sequential gate
// (sequential_gate.h). With neither count, looks at 15, 30 and 45 rounds; --rounds alone keeps a
// fixed number of rounds.
sequential_plan parse_sequential_plan(const parsed_args& args) {
    sequential_plan plan;
    const auto rounds = args.value("rounds");
    if (rounds) {
        plan.batch = parse_count("rounds", *rounds, 1, kMaxRounds);
        plan.max_rounds = plan.batch;
    }
    if (auto cap = args.value("max-rounds")) {
        plan.max_rounds = parse_count("max-rounds", *cap, 1, kMaxRounds);
        if (plan.max_rounds < plan.batch) {
            throw usage_error(
                fmt::format("--max-rounds {} is below --rounds {}", plan.max_rounds, plan.batch));
        }
    }
    if (args.flag("no-test")) {
        plan.max_rounds = plan.batch;  // nothing to look at: one batch
    }
    if (auto limit = args.value("time-limit")) {
        plan.time_limit_seconds =
            *limit == "0" ? 0 : parse_positive_double("time-limit", *limit) * 60;
    }
    return plan;
}

// --save-base and --save-candidate; a failed write keeps the result elsewhere and names it.
void save_ab_results(const parsed_args& args, const ordered_json& merged_base,
                     const ordered_json& merged_candidate) {
    std::string failures;
    for (const auto& [option, merged] :
         {std::pair{"save-base", &merged_base}, std::pair{"save-candidate", &merged_candidate}}) {
        const std::string content = dump_json(*merged) + "\n";
        if (auto failure = save_json(args, option, content)) {
            failures += (failures.empty() ? "" : "; ") + keep_after_failure(*failure, content);
        }
    }
    if (!failures.empty()) {
        throw std::runtime_error(failures);
    }
}

int ab_command(const parsed_args& args) {
    reject_operands(args, "ab");
    if (!args.value("base") || !args.value("candidate")) {
        throw usage_error("ab needs --base PROGRAM and --candidate PROGRAM");
    }
    if (args.flag("paired") && args.flag("unpaired")) {
        throw usage_error("--paired and --unpaired exclude each other");
    }
    compare_options options = parse_compare_options(args);
    options.paired = !args.flag("unpaired");  // ab's rounds are paired by construction
    if (!args.value("alpha")) {
        options.alpha = kAbDefaultAlpha;
    }
    parse_output_format(args);
    use_colour(args);
    filter_from(args);
    const sequential_plan plan = parse_sequential_plan(args);
    compare_options look_options = options;
    look_options.alpha = plan.look_alpha(options.alpha);
    check_rounds_suffice(look_options, plan.batch);
    std::vector<named_output> outputs;
    for (const char* option : {"save-base", "save-candidate", "save-comparison", "summary"}) {
        if (auto file = args.value(option)) {
            check_writable_file(option, *file);
            outputs.emplace_back(option, *file);
        }
    }
    const std::filesystem::path programs[2] = {bench_from(args, "base"),
                                               bench_from(args, "candidate")};
    refuse_outputs_among_inputs(outputs, programs);
    if (args.value("kernel")) {
        return ab_in_guest(args, programs, guest_ab_options(args));
    }
    for (const auto& spec : guest_option_specs()) {
        if (args.value(spec.name) || args.flag(spec.name)) {
            throw usage_error(
                fmt::format("--{} shapes a guest: it needs --kernel SPEC", spec.name));
        }
    }
    ab_rounds rounds(programs, parse_round_settings(args), plan.max_rounds);
    const auto filter = filter_from(args);
    const std::size_t benchmarks = rounds.common_benchmarks(filter);
    check_rounds_suffice(look_options, plan.batch, benchmarks * options.gate.size());
    // Said before the first round, so that a CI job that cannot reach a verdict in its time
    // learns it now and not after the limit. bench_sendfile's own default minimum time.
    const round_settings settings = parse_round_settings(args);
    if (auto warning = time_limit_warning(
            plan, benchmarks,
            seconds_per_benchmark(settings.args, kBenchDefaultMinTime, settings.warmup_seconds))) {
        std::cerr << "sfb ab: note: " << *warning << "\n";
    }
    const auto started = std::chrono::steady_clock::now();
    for (unsigned look = 1;; ++look) {
        rounds.run_until(plan.rounds_at(look));
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        const bool out_of_time =
            next_batch_exceeds_limit(elapsed.count(), rounds.rounds_done(),
                                     plan.rounds_at(look + 1), plan.time_limit_seconds);
        const ordered_json merged_base = merge_rounds(rounds.of(0));
        const ordered_json merged_candidate = merge_rounds(rounds.of(1));
        result_set base_all;
        add_benchmark_document(base_all, merged_base, programs[0]);
        result_set candidate_all;
        add_benchmark_document(candidate_all, merged_candidate, programs[1]);
        const result_set base = filtered(base_all, filter, args, programs[0].string());
        const result_set candidate = filtered(candidate_all, filter, args, programs[1].string());
        comparison_result comparison = compare_results(base, candidate, look_options,
                                                       programs[0].string(), programs[1].string());
        const look_decision decision =
            decide_after_look(comparison, look >= plan.looks(), out_of_time);
        if (decision == look_decision::go_on) {
            continue;
        }
        rounds.finish();
        if (plan.looks() > 1) {
            comparison.notes.push_back(describe_stop(plan, look, decision, options.alpha));
        }
        save_ab_results(args, merged_base, merged_candidate);
        if (auto file = args.value("save-comparison")) {
            write_file(*file, render_json(comparison));
        }
        return emit_comparison(comparison, args);
    }
}

}  // namespace

subcommand ab_subcommand() {
    return {"ab", "sfb ab --base PROGRAM --candidate PROGRAM [options] [-- BENCHMARK ARGS...]",
            "A/B regression gate for CI: runs two builds of the benchmark program on this\n"
            "machine interleaved, round after round in blocks of two (A B then B A, or B A\n"
            "then A B, drawn at random: a steady drift cancels out and nothing periodic can\n"
            "favour one side), each run doing every benchmark once in random order, then\n"
            "compares base against candidate as `sfb compare` does, with the same options,\n"
            "output and exit codes, pairing round i of both (Wilcoxon signed-rank;\n"
            "--unpaired: Mann-Whitney U). Sequential: it looks after every --rounds rounds\n"
            "(15) and stops at the first look where a gating metric regressed, or where every\n"
            "gating metric's 95% interval of the change lies within the threshold; otherwise it\n"
            "adds rounds up to --max-rounds (45), starting no batch that would end after\n"
            "--time-limit (5 minutes). Each of the K planned looks tests at alpha/K, so the\n"
            "false-alarm rate stays below alpha (default 0.01 for ab). --rounds alone runs that\n"
            "many rounds and looks once. Arguments after -- go to both programs; each benchmark\n"
            "runs bench_sendfile's default 0.3 s a round unless --benchmark_min_time says\n"
            "otherwise (fewer, longer rounds detect more per minute on a noisy machine:\n"
            "harness/README.md, \"Quality bars, measured\"). With --kernel SPEC both programs\n"
            "(a #!/bin/sh wrapper with the programs it names) run in one qemu guest of that\n"
            "kernel and `sfb ab` runs there; --clock instructions makes every time a count of\n"
            "guest instructions and the default --threshold 1% (vm/README.md, \"The gate on\n"
            "the instruction clock\").",
            ab_option_specs(), ab_command};
}

}  // namespace sfb::harness
