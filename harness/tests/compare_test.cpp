#include "compare.h"

#include "bench_process.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <cmath>
#include <fstream>

namespace sfb::harness {
namespace {

using testing::kReadSend;
using testing::kSendfile;
using testing::load;

comparison_result compare_files(const std::string& base, const std::string& candidate,
                                const compare_options& options = {}) {
    return compare_results(load(base), load(candidate), options, base, candidate);
}

const benchmark_comparison& find(const comparison_result& c, const std::string& name) {
    for (const auto& b : c.benchmarks) {
        if (b.name == name) {
            return b;
        }
    }
    throw std::runtime_error("benchmark not compared: " + name);
}

const metric_comparison& metric(const benchmark_comparison& b, const std::string& name) {
    for (const auto& m : b.metrics) {
        if (m.metric == name) {
            return m;
        }
    }
    throw std::runtime_error("metric not compared: " + name);
}

TEST(Compare, SameDistributionIsNoRegression) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_same.json");
    EXPECT_EQ(c.benchmarks.size(), 2u);
    EXPECT_FALSE(c.any_regression());
    EXPECT_EQ(c.exit_code(), 0);
    for (const auto& b : c.benchmarks) {
        EXPECT_EQ(b.verdict, benchmark_verdict::unchanged) << b.name;
    }
}

TEST(Compare, RegressionOfOnePathOnly) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_sendfile_regressed.json");
    EXPECT_EQ(c.exit_code(), 1);
    const auto& sendfile = find(c, kSendfile);
    EXPECT_EQ(sendfile.verdict, benchmark_verdict::regression);
    EXPECT_EQ(sendfile.regressed, (std::vector<std::string>{"real_time", "cpu_time"}));
    const auto& cpu = metric(sendfile, "cpu_time");
    EXPECT_NEAR(cpu.change, 0.20, 1e-9);
    ASSERT_TRUE(cpu.test.has_value());
    EXPECT_TRUE(cpu.test->exact);
    // Every new value is above every base value: the smallest p for 9 + 9, 2 / C(18, 9).
    EXPECT_NEAR(cpu.test->p_value, 2.0 / 48620, 1e-12);
    EXPECT_EQ(cpu.outcome, metric_outcome::worse);
    // MB/s fell by about 9%: worse, but it is not a gating metric by default.
    const auto& rate = metric(sendfile, "bytes_per_second");
    EXPECT_EQ(rate.outcome, metric_outcome::worse);
    EXPECT_FALSE(rate.gating);
    EXPECT_EQ(find(c, kReadSend).verdict, benchmark_verdict::unchanged);
}

TEST(Compare, ThresholdKeepsSmallSignificantChangesOut) {
    // sendfile's real time rose 10%, its CPU time 20%: with a 15% threshold only the CPU time
    // counts, with 25% nothing does.
    compare_options options;
    options.threshold = 0.15;
    comparison_result c = compare_files("sfb_base.json", "sfb_sendfile_regressed.json", options);
    EXPECT_EQ(find(c, kSendfile).regressed, (std::vector<std::string>{"cpu_time"}));
    options.threshold = 0.25;
    c = compare_files("sfb_base.json", "sfb_sendfile_regressed.json", options);
    EXPECT_EQ(c.exit_code(), 0);
}

TEST(Compare, AlphaIsRespected) {
    // read_send moved by about +0.25% in every repetition; even with a zero threshold the
    // shift is not significant at alpha 0.05 but the p-value is what it is.
    compare_options options;
    options.threshold = 0;
    const comparison_result c =
        compare_files("sfb_base.json", "sfb_sendfile_regressed.json", options);
    const auto& real = metric(find(c, kReadSend), "real_time");
    ASSERT_TRUE(real.test.has_value());
    EXPECT_GT(real.test->p_value, 0.05);
    EXPECT_EQ(real.outcome, metric_outcome::unchanged);
}

TEST(Compare, ImprovementIsNotARegression) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_read_send_improved.json");
    EXPECT_EQ(c.exit_code(), 0);
    EXPECT_EQ(find(c, kReadSend).verdict, benchmark_verdict::improvement);
    EXPECT_EQ(metric(find(c, kReadSend), "bytes_per_second").outcome, metric_outcome::better);
}

TEST(Compare, GateOnThroughput) {
    compare_options options;
    options.gate = {"bytes_per_second"};
    const comparison_result c =
        compare_files("sfb_base.json", "sfb_sendfile_regressed.json", options);
    EXPECT_EQ(find(c, kSendfile).regressed, (std::vector<std::string>{"bytes_per_second"}));
}

TEST(Compare, GateOnAMissingMetricIsBadInput) {
    compare_options options;
    options.gate = {"items_per_second"};
    EXPECT_THROW(compare_files("sfb_base.json", "sfb_same.json", options), input_error);
}

// A result file of one benchmark with 15 rounds: real and CPU time per round from `times`,
// the first quartile of the passes from `q25`.
std::filesystem::path write_rounds(const std::filesystem::path& file,
                                   const std::vector<double>& times,
                                   const std::vector<double>& q25) {
    ordered_json doc = {{"context", ordered_json::object()}, {"benchmarks", ordered_json::array()}};
    for (std::size_t i = 0; i < times.size(); ++i) {
        ordered_json b = {
            {"name", kSendfile},           {"run_name", kSendfile},       {"run_type", "iteration"},
            {"repetitions", times.size()}, {"repetition_index", i},       {"iterations", 200},
            {"real_time", times[i]},       {"cpu_time", times[i] * 0.98}, {"time_unit", "us"}};
        if (!q25.empty()) {
            b["pass_q25_us"] = q25[i];
        }
        doc["benchmarks"].push_back(b);
    }
    std::ofstream(file) << doc.dump();
    return file;
}

// Base: 2000 us a pass. Candidate: +10% (2200) in every round, but in 4 of the 15 rounds the
// machine stalled during the base's run (7000 us mean, the fastest quarter still 2000): those
// pairs get the largest ranks with the wrong sign, the rest show the +10%.
struct stalled_rounds {
    temporary_folder folder;
    std::vector<double> base_time, new_time, base_q25, new_q25;
    stalled_rounds() {
        for (int i = 0; i < 15; ++i) {
            const bool stall = i % 4 == 1;
            base_time.push_back(stall ? 7000 + i : 2000 + i);
            new_time.push_back(2200 + 2 * i);
            base_q25.push_back(1900 + i);
            new_q25.push_back(2090 + 2 * i);
        }
    }
};

TEST(Compare, DefaultGateSeesThroughAStallWithTheFastestQuarterOfPasses) {
    stalled_rounds r;
    compare_options paired;
    paired.paired = true;
    const auto base = r.folder.path() / "base.json";
    const auto cand = r.folder.path() / "new.json";
    write_rounds(base, r.base_time, r.base_q25);
    write_rounds(cand, r.new_time, r.new_q25);
    const comparison_result c = compare_results(load(base), load(cand), paired, "b", "n");
    EXPECT_EQ(c.gating_tests, 3u);  // real_time, cpu_time, pass_q25_us
    EXPECT_EQ(c.exit_code(), 1);
    // 11 of 15 pairs +10%, the 4 stalled ones with the largest |difference| negative: W+ = 66
    // of 120, p = 0.76 for real and CPU time; pass_q25_us is +10% in all 15: p = 2 / 2^15.
    EXPECT_EQ(find(c, kSendfile).regressed, (std::vector<std::string>{"pass_q25_us"}));
    EXPECT_GT(metric(find(c, kSendfile), "real_time").test->p_value, 0.1);
    EXPECT_NEAR(metric(find(c, kSendfile), "pass_q25_us").test->p_value, 2.0 / 32768, 1e-12);

    compare_options old_gate = paired;
    old_gate.gate = {"real_time", "cpu_time"};
    old_gate.gate_given = true;
    EXPECT_EQ(compare_results(load(base), load(cand), old_gate, "b", "n").exit_code(), 0);
}

TEST(Compare, DefaultGateLeavesOutPassSamplesTheResultsDoNotHave) {
    stalled_rounds r;
    const auto base = r.folder.path() / "base.json";
    const auto cand = r.folder.path() / "new.json";
    write_rounds(base, r.base_time, {});  // an older build, or --sfb_sampling=false
    write_rounds(cand, r.new_time, r.new_q25);
    compare_options paired;
    paired.paired = true;
    const comparison_result c = compare_results(load(base), load(cand), paired, "b", "n");
    EXPECT_EQ(c.options.gate, (std::vector<std::string>{"real_time", "cpu_time"}));
    EXPECT_EQ(c.gating_tests, 2u);
    bool noted = false;
    for (const auto& note : c.notes) {
        noted = noted || note.find("default gate metric pass_q25_us") != std::string::npos;
    }
    EXPECT_TRUE(noted);
    EXPECT_EQ(ordered_json::parse(render_json(c))["gate"],
              ordered_json::parse(R"(["real_time", "cpu_time"])"));
    // Named with --gate, a missing metric is bad input.
    paired.gate = {"real_time", "pass_q25_us"};
    paired.gate_given = true;
    EXPECT_THROW(compare_results(load(base), load(cand), paired, "b", "n"), input_error);
}

TEST(Compare, TimeUnitsAreConverted) {
    const comparison_result c = compare_files("sfb_base_in_ns.json", "sfb_base.json");
    EXPECT_EQ(c.exit_code(), 0);
    EXPECT_NEAR(metric(find(c, kSendfile), "real_time").change, 0, 1e-12);
}

TEST(Compare, OneSidedBenchmarksAreListed) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_one_sided.json");
    EXPECT_EQ(c.only_base, (std::vector<std::string>{kSendfile}));
    ASSERT_EQ(c.only_new.size(), 1u);
    EXPECT_EQ(c.only_new[0].rfind("splice/", 0), 0u);
    const std::string text = render_text(c, false, false);
    EXPECT_NE(text.find("only in base (sfb_base.json): " + kSendfile), std::string::npos);
    EXPECT_NE(text.find("only in new (sfb_one_sided.json): splice/"), std::string::npos);
}

TEST(Compare, FailedBenchmarksAreListed) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_failed.json");
    ASSERT_EQ(c.failed.size(), 1u);
    EXPECT_NE(c.failed[0].find("connection reset by peer"), std::string::npos);
    EXPECT_EQ(c.benchmarks.size(), 1u);
}

TEST(Compare, TooFewRepetitionsIsBadInputUnlessNoTest) {
    try {
        compare_files("sfb_single_repetition.json", "sfb_single_repetition.json");
        FAIL() << "no error";
    } catch (const input_error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("too few repetitions"), std::string::npos) << message;
        // 2 benchmarks x 2 gating metrics: Holm multiplies the smallest p by 4, so 5 per side
        // (smallest p 2 / 252) are needed; 4 per side (2 / 70) would do without the correction.
        EXPECT_NE(message.find("at least 5"), std::string::npos) << message;
        EXPECT_NE(message.find("sfb_single_repetition.json"), std::string::npos) << message;
    }
    // Three per side: the smallest possible p is 0.1, still too few at alpha 0.05 ...
    EXPECT_THROW(compare_files("sfb_three_repetitions.json", "sfb_three_repetitions.json"),
                 input_error);
    // Three against nine can: 2 / C(12, 3) < 0.05.
    EXPECT_NO_THROW(compare_files("sfb_three_repetitions.json", "sfb_base.json"));
    // ... but enough at alpha 0.15 without the correction.
    compare_options loose;
    loose.alpha = 0.15;
    loose.holm = false;
    EXPECT_NO_THROW(
        compare_files("sfb_three_repetitions.json", "sfb_three_repetitions.json", loose));
    compare_options untested;
    untested.run_test = false;
    const comparison_result c =
        compare_files("sfb_single_repetition.json", "sfb_single_repetition.json", untested);
    EXPECT_EQ(c.exit_code(), 0);
    EXPECT_EQ(c.benchmarks[0].verdict, benchmark_verdict::untested);
}

TEST(Compare, HolmAdjustsTheGatingPValues) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_sendfile_regressed.json");
    EXPECT_EQ(c.gating_tests, 4u);  // 2 benchmarks x (real_time, cpu_time)
    const auto& cpu = metric(find(c, kSendfile), "cpu_time");
    // The two sendfile tests share the smallest p (2 / 48620): (4 - 0) * p, then the running
    // maximum of (4 - 1) * p and 4 * p.
    EXPECT_NEAR(cpu.p_gate, 4 * 2.0 / 48620, 1e-12);
    // Non-gating metrics keep their own p-value.
    const auto& rate = metric(find(c, kSendfile), "bytes_per_second");
    EXPECT_DOUBLE_EQ(rate.p_gate, rate.test->p_value);
    // The read_send p-values are adjusted upwards and never below their raw values.
    const auto& real = metric(find(c, kReadSend), "real_time");
    EXPECT_GE(real.p_gate, real.test->p_value);
    EXPECT_LE(real.p_gate, 1.0);

    compare_options none;
    none.holm = false;
    const comparison_result raw =
        compare_files("sfb_base.json", "sfb_sendfile_regressed.json", none);
    const auto& raw_cpu = metric(find(raw, kSendfile), "cpu_time");
    EXPECT_DOUBLE_EQ(raw_cpu.p_gate, raw_cpu.test->p_value);
}

TEST(Compare, PairedRoundsUseWilcoxon) {
    compare_options paired;
    paired.paired = true;
    // sfb_sendfile_regressed.json scales every sendfile repetition of the base by 1.2 (CPU):
    // all 9 paired differences are positive, p = 2 / 2^9, Holm over 4 tests.
    const comparison_result c =
        compare_files("sfb_base.json", "sfb_sendfile_regressed.json", paired);
    EXPECT_EQ(c.exit_code(), 1);
    const auto& cpu = metric(find(c, kSendfile), "cpu_time");
    ASSERT_TRUE(cpu.test.has_value());
    EXPECT_NEAR(cpu.test->p_value, 2.0 / 512, 1e-12);
    EXPECT_DOUBLE_EQ(cpu.test->statistic, 45);
    // read_send moved by the same tiny amount in every round (+1 us real, -0.4 us CPU): nine
    // tied differences, normal approximation z = -3, p = erfc(3 / sqrt 2) = 0.0027, the
    // smallest of the four, so Holm gives 4 x 0.0027 to every test here. Significant, but
    // far below the 5% threshold: no verdict for read_send.
    const double tied = std::erfc(3 / std::sqrt(2.0));
    EXPECT_NEAR(metric(find(c, kReadSend), "real_time").test->p_value, tied, 1e-12);
    EXPECT_NEAR(cpu.p_gate, 4 * tied, 1e-12);
    EXPECT_EQ(find(c, kReadSend).verdict, benchmark_verdict::unchanged);
    EXPECT_EQ(ordered_json::parse(render_json(c))["test"], "wilcoxon-signed-rank");
    // Sides of different sizes cannot be paired.
    EXPECT_THROW(compare_files("sfb_three_repetitions.json", "sfb_base.json", paired), input_error);
}

TEST(Compare, DirectionOfMetrics) {
    EXPECT_TRUE(higher_is_better("bytes_per_second"));
    EXPECT_TRUE(higher_is_better("items_per_second"));
    EXPECT_FALSE(higher_is_better("real_time"));
    EXPECT_FALSE(higher_is_better("service_demand_us_per_kib"));
}

TEST(Compare, RenderedFormats) {
    const comparison_result c = compare_files("sfb_base.json", "sfb_sendfile_regressed.json");
    const std::string text = render_text(c, false, false);
    EXPECT_NE(text.find("REGRESSION (real_time,cpu_time)"), std::string::npos) << text;
    EXPECT_EQ(text.find("\033["), std::string::npos) << "colour without a terminal";
    EXPECT_NE(render_text(c, true, false).find("\033[1;31m"), std::string::npos);
    EXPECT_EQ(text.find("syscalls_per_pass"), std::string::npos);
    EXPECT_NE(render_text(c, false, true).find("syscalls_per_pass"), std::string::npos);

    const std::string markdown = render_markdown(c, false);
    EXPECT_NE(markdown.find("**Regression detected.**"), std::string::npos);
    EXPECT_NE(markdown.find("| Benchmark | Metric |"), std::string::npos);

    const ordered_json json = ordered_json::parse(render_json(c));
    EXPECT_TRUE(json["regression"].get<bool>());
    ASSERT_EQ(json["benchmarks"].size(), 2u);
    const ordered_json& sendfile = json["benchmarks"][1];
    EXPECT_EQ(sendfile["name"], kSendfile);
    EXPECT_EQ(sendfile["verdict"], "regression");
    EXPECT_EQ(sendfile["metrics"]["cpu_time"]["outcome"], "worse");
    EXPECT_EQ(sendfile["metrics"]["cpu_time"]["unit"], "us");
    EXPECT_NEAR(sendfile["metrics"]["cpu_time"]["change"].get<double>(), 0.2, 1e-9);
}

}  // namespace
}  // namespace sfb::harness

#include <sfb/format_contract.h>

#include <map>
#include <set>

namespace sfb::harness {
namespace {

// format/contract.json, the file plots/ reads at run time.
ordered_json contract_json() {
    return read_json_file(testing::data("../../../format/contract.json"));
}

// Whether `value` is of the contract's `type`.
bool has_type(const ordered_json& value, const std::string& type) {
    const auto number_or_null = [](const ordered_json& v) { return v.is_number() || v.is_null(); };
    if (type == "string") {
        return value.is_string();
    }
    if (type == "number") {
        return value.is_number();
    }
    if (type == "integer") {
        return value.is_number_integer();
    }
    if (type == "boolean") {
        return value.is_boolean();
    }
    if (type == "number or null") {
        return number_or_null(value);
    }
    if (type == "object") {
        return value.is_object();
    }
    const auto all = [&](auto predicate) {
        return value.is_array() && std::all_of(value.begin(), value.end(), predicate);
    };
    if (type == "array of strings") {
        return all([](const ordered_json& v) { return v.is_string(); });
    }
    if (type == "array of objects") {
        return all([](const ordered_json& v) { return v.is_object(); });
    }
    if (type == "array of numbers or nulls") {
        return all(number_or_null);
    }
    ADD_FAILURE() << "the contract names an unknown type: " << type;
    return false;
}

// The keys of one level of the compare JSON: which must be present (when holds) and of which
// type, checked against rendered output; also records every key seen.
struct key_level {
    std::string name;
    std::map<std::string, std::pair<std::string, std::string>> keys;  // key -> (type, when)
    std::set<std::string> seen;

    key_level(const ordered_json& contract, const std::string& level) : name(level) {
        for (const auto& entry : contract["compare_json"][level]) {
            const auto key = entry["key"].get<std::string>();
            EXPECT_TRUE(keys.emplace(key, std::pair{entry["type"].get<std::string>(),
                                                    entry.value("when", std::string())})
                            .second)
                << level << " lists " << key << " twice";
        }
    }

    // `object`'s keys are the contract's keys whose `when` holds (`holds("")` is true), each of
    // its type.
    template <typename Holds>
    void check(const ordered_json& object, Holds holds) {
        ASSERT_TRUE(object.is_object()) << name;
        for (const auto& [key, value] : object.items()) {
            seen.insert(key);
            const auto found = keys.find(key);
            if (found == keys.end()) {
                ADD_FAILURE() << name << " key " << key << " is not in format/contract.json";
                continue;
            }
            EXPECT_TRUE(has_type(value, found->second.first))
                << name << "." << key << " is " << value.dump() << ", not " << found->second.first;
        }
        for (const auto& [key, spec] : keys) {
            EXPECT_EQ(object.contains(key), holds(spec.second))
                << name << "." << key << " (when: \"" << spec.second << "\")";
        }
    }
};

// sfb compare --format json has exactly the keys format/contract.json's compare_json lists,
// each present exactly when its `when` says, in renderings with and without a test, paired and
// unpaired, with and without the Hodges-Lehmann interval.
TEST(Compare, JsonKeysAreTheContracts) {
    const ordered_json contract = contract_json();
    ASSERT_TRUE(contract.contains("compare_json"));
    const auto& when_values = contract["compare_json"]["when_values"];
    key_level top(contract, "top_level");
    key_level benchmark(contract, "benchmark");
    key_level metric_level(contract, "metric");
    for (const key_level* level : {&top, &benchmark, &metric_level}) {
        for (const auto& [key, spec] : level->keys) {
            EXPECT_TRUE(spec.second.empty() || when_values.contains(spec.second))
                << level->name << "." << key << ": when \"" << spec.second << "\" is not defined";
        }
    }

    compare_options paired;
    paired.paired = true;
    compare_options untested;
    untested.run_test = false;
    const std::pair<const char*, compare_options> cases[] = {
        {"sfb_sendfile_regressed.json", {}},
        {"sfb_sendfile_regressed.json", paired},
        {"sfb_sendfile_regressed.json", untested},
        {"sfb_single_repetition.json", untested},  // too few repetitions for an interval
    };
    bool with_interval = false;
    bool without_interval = false;
    for (const auto& [candidate, options] : cases) {
        const comparison_result c = compare_files("sfb_base.json", candidate, options);
        const ordered_json json = ordered_json::parse(render_json(c));
        top.check(json, [](const std::string& when) { return when.empty(); });
        EXPECT_EQ(json["format_version"], sfb::format::format_version);
        ASSERT_EQ(json["benchmarks"].size(), c.benchmarks.size());
        for (std::size_t i = 0; i < c.benchmarks.size(); ++i) {
            const ordered_json& jb = json["benchmarks"][i];
            benchmark.check(jb, [](const std::string& when) { return when.empty(); });
            for (const auto& m : c.benchmarks[i].metrics) {
                (m.change_interval ? with_interval : without_interval) = true;
                const auto holds = [&](const std::string& when) {
                    if (when == "time") {
                        return m.metric == "real_time" || m.metric == "cpu_time";
                    }
                    if (when == "interval") {
                        return m.change_interval.has_value();
                    }
                    if (when == "tested") {
                        return options.run_test;
                    }
                    if (when == "unpaired") {
                        return options.run_test && !options.paired;
                    }
                    if (when == "paired") {
                        return options.run_test && options.paired;
                    }
                    return when.empty();
                };
                metric_level.check(jb["metrics"][m.metric], holds);
            }
        }
    }
    EXPECT_TRUE(with_interval && without_interval) << "the cases do not cover both";
    // Every key the contract lists was rendered in some case.
    for (const key_level* level : {&top, &benchmark, &metric_level}) {
        for (const auto& [key, spec] : level->keys) {
            EXPECT_TRUE(level->seen.contains(key)) << level->name << "." << key << " never seen";
        }
    }
}

}  // namespace
}  // namespace sfb::harness
