// sfb export (github-action-benchmark, Bencher), --filter and --version: the output parsed
// back and its numbers checked against the fixture's repetitions.
#include "export.h"
#include "bench_process.h"
#include "benchmark_json.h"
#include "stats.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <fstream>

namespace sfb::harness {
namespace {

using testing::data;
using testing::run_sfb;

const std::string kSendfile = "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/real_time";

// sfb_base.json's sendfile repetitions (make_fixtures.py: base_sf_r, base_sf_c).
const std::vector<double> kRealTimes = {200.0, 203.0, 199.0, 205.0, 201.0,
                                        198.0, 202.0, 200.5, 204.0};
const std::vector<double> kCpuTimes = {100.0, 101.0, 99.0, 103.0, 100.5, 98.5, 102.0, 100.2, 101.5};

std::vector<double> mb_per_second() {
    std::vector<double> out;
    for (double r : kRealTimes) {
        out.push_back(1048576 / (r * 1e-6) / 1e6);
    }
    return out;
}

TEST(Export, BencherHasEveryMeasureWithQuartiles) {
    auto r = run_sfb({"export", "--format", "bencher", data("sfb_base.json").string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const ordered_json doc = ordered_json::parse(r.out);
    ASSERT_EQ(doc.size(), 2u);  // read_send and sendfile
    const ordered_json& real = doc.at(kSendfile).at("real-time-us");
    EXPECT_DOUBLE_EQ(real.at("value").get<double>(), 201.0);
    EXPECT_DOUBLE_EQ(real.at("lower_value").get<double>(), 200.0);
    EXPECT_DOUBLE_EQ(real.at("upper_value").get<double>(), 203.0);
    const ordered_json& cpu = doc.at(kSendfile).at("sender-cpu-us");
    EXPECT_DOUBLE_EQ(cpu.at("value").get<double>(), median(kCpuTimes));
    const auto mbps = mb_per_second();
    const ordered_json& throughput = doc.at(kSendfile).at("throughput-mb-s");
    EXPECT_NEAR(throughput.at("value").get<double>(), median(mbps), 1e-9);
    EXPECT_NEAR(throughput.at("lower_value").get<double>(), quantile(mbps, 0.25), 1e-9);
    EXPECT_NEAR(throughput.at("upper_value").get<double>(), quantile(mbps, 0.75), 1e-9);
    EXPECT_TRUE(doc.at(kSendfile).contains("service-demand-us-per-kib"));
}

TEST(Export, GithubActionBenchmarkSplitsByDirection) {
    auto bigger = run_sfb(
        {"export", "--format", "github-action-benchmark-bigger", data("sfb_base.json").string()});
    ASSERT_EQ(bigger.status, 0) << bigger.err;
    const ordered_json b = ordered_json::parse(bigger.out);
    ASSERT_TRUE(b.is_array());
    ASSERT_EQ(b.size(), 2u);  // MB/s of both benchmarks, nothing else
    for (const auto& entry : b) {
        EXPECT_EQ(entry.at("unit"), "MB/s");
        for (const char* key : {"name", "unit", "range", "extra"}) {
            EXPECT_TRUE(entry.at(key).is_string()) << key;
        }
        EXPECT_TRUE(entry.at("value").is_number());
    }
    EXPECT_EQ(b[1].at("name"), kSendfile + " (MB/s)");
    EXPECT_NEAR(b[1].at("value").get<double>(), median(mb_per_second()), 1e-9);

    auto smaller = run_sfb(
        {"export", "--format", "github-action-benchmark-smaller", data("sfb_base.json").string()});
    ASSERT_EQ(smaller.status, 0) << smaller.err;
    const ordered_json s = ordered_json::parse(smaller.out);
    ASSERT_EQ(s.size(), 6u);  // real time, sender CPU, service demand of both
    bool found = false;
    for (const auto& entry : s) {
        EXPECT_NE(entry.at("unit"), "MB/s");
        if (entry.at("name") == kSendfile + " (real time per pass)") {
            found = true;
            EXPECT_DOUBLE_EQ(entry.at("value").get<double>(), 201.0);
            EXPECT_EQ(entry.at("unit"), "us");
            EXPECT_EQ(entry.at("range"), "IQR 200 .. 203");  // the quartiles themselves
        }
    }
    EXPECT_TRUE(found) << smaller.out;
}

TEST(Export, RawOutputWithAggregatesAndBadUsage) {
    // A raw Google Benchmark file (aggregates present) exports its repetitions only.
    auto raw = run_sfb({"export", "--format", "bencher", data("foreign_program.json").string()});
    ASSERT_EQ(raw.status, 0) << raw.err;
    EXPECT_FALSE(ordered_json::parse(raw.out).empty());
    EXPECT_EQ(run_sfb({"export", data("sfb_base.json").string()}).status, 2);
    EXPECT_EQ(run_sfb({"export", "--format", "csv", data("sfb_base.json").string()}).status, 2);
    EXPECT_EQ(run_sfb({"export", "--format", "bencher"}).status, 2);
    EXPECT_EQ(run_sfb({"export", "--format", "bencher", "--output", "/nonexistent/x.json",
                       data("sfb_base.json").string()})
                  .status,
              2);
}

// --filter is a search: "^sendfile/" keeps sendfile and not sendfile_emulated.
TEST(Filter, AnchoredRegexKeepsOnlyThatPath) {
    temporary_folder folder;
    ordered_json doc = ordered_json::parse(std::ifstream(data("sfb_base.json")));
    for (auto& entry : doc["benchmarks"]) {
        std::string name = entry["name"];
        if (name.rfind("read_send/", 0) == 0) {
            entry["name"] = "sendfile_emulated/" + name.substr(10);
            entry["run_name"] =
                "sendfile_emulated/" + entry["run_name"].get<std::string>().substr(10);
        }
    }
    const auto file = folder.path() / "two.json";
    std::ofstream(file) << doc.dump();
    auto exported =
        run_sfb({"export", "--format", "bencher", "--filter", "^sendfile/", file.string()});
    ASSERT_EQ(exported.status, 0) << exported.err;
    const ordered_json e = ordered_json::parse(exported.out);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_TRUE(e.contains(kSendfile));
    auto unanchored =
        run_sfb({"export", "--format", "bencher", "--filter", "sendfile", file.string()});
    EXPECT_EQ(ordered_json::parse(unanchored.out).size(), 2u);

    auto compared =
        run_sfb({"compare", "--format", "json", "--filter", "^sendfile/",
                 data("sfb_base.json").string(), data("sfb_sendfile_regressed.json").string()});
    EXPECT_EQ(compared.status, 1);
    const ordered_json c = ordered_json::parse(compared.out);
    ASSERT_EQ(c["benchmarks"].size(), 1u);
    EXPECT_EQ(c["benchmarks"][0]["name"], kSendfile);
    auto none = run_sfb({"compare", "--filter", "^nothing", data("sfb_base.json").string(),
                         data("sfb_same.json").string()});
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("no benchmark matches --filter"), std::string::npos) << none.err;
    EXPECT_EQ(run_sfb({"compare", "--filter", "(", "a", "b"}).status, 2);
}

TEST(Version, PrintsVersionAndCommit) {
    auto r = run_sfb({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("sfb 0.", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("(git "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sfb::harness
