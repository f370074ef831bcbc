// sfb export (github-action-benchmark, Bencher, tidy CSV and JSON Lines), --filter and
// --version: the output parsed back and its numbers checked against the fixture's repetitions.
#include "export.h"
#include "bench_process.h"
#include "benchmark_json.h"
#include "confidence.h"
#include "path_comparison.h"
#include "stats.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace sfb::harness {
namespace {

using testing::data;
using testing::kReadSend;
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

// ---- tidy export ------------------------------------------------------------------------------

const std::vector<std::string> kTidyColumns = {"source",     "machine_fingerprint",
                                               "record",     "benchmark",
                                               "path",       "transport",
                                               "receiver",   "cache",
                                               "file",       "block",
                                               "conns",      "placement",
                                               "repetition", "metric",
                                               "value",      "unit",
                                               "ci_low",     "ci_high",
                                               "n",          "text"};

std::vector<ordered_json> jsonl_rows(const std::string& text) {
    std::vector<ordered_json> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        rows.push_back(ordered_json::parse(line));
        EXPECT_TRUE(rows.back().is_object()) << line;
    }
    return rows;
}

// An RFC 4180 reader: quoted cells may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> csv_records(const std::string& text) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            record.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n') {
            record.push_back(std::move(cell));
            cell.clear();
            records.push_back(std::move(record));
            record.clear();
        } else {
            cell += c;
        }
    }
    EXPECT_FALSE(quoted) << "unterminated quoted cell";
    EXPECT_TRUE(cell.empty() && record.empty()) << "the last line has no line break";
    return records;
}

std::vector<ordered_json> tidy(const std::vector<std::string>& inputs) {
    std::vector<std::string> args = {"export", "--format", "tidy-jsonl"};
    args.insert(args.end(), inputs.begin(), inputs.end());
    auto r = run_sfb(args);
    EXPECT_EQ(r.status, 0) << r.err;
    return jsonl_rows(r.out);
}

std::vector<ordered_json> select(const std::vector<ordered_json>& rows, const std::string& record,
                                 const std::string& benchmark = "",
                                 const std::string& metric = "") {
    std::vector<ordered_json> out;
    for (const auto& row : rows) {
        if (row.at("record") == record &&
            (benchmark.empty() ||
             (row.at("benchmark").is_string() && row.at("benchmark") == benchmark)) &&
            (metric.empty() || row.at("metric") == metric)) {
            out.push_back(row);
        }
    }
    return out;
}

TEST(Tidy, CsvHeaderAndJsonlKeysAreTheColumnsInOrder) {
    EXPECT_EQ(tidy_columns(), kTidyColumns);
    auto csv = run_sfb({"export", "--format", "tidy-csv", data("sfb_base.json").string()});
    ASSERT_EQ(csv.status, 0) << csv.err;
    const auto records = csv_records(csv.out);
    ASSERT_GT(records.size(), 1u);
    EXPECT_EQ(records[0], kTidyColumns);
    const auto rows = tidy({data("sfb_base.json").string()});
    ASSERT_EQ(rows.size() + 1, records.size());  // the same rows, CSV with its header
    for (std::size_t i = 0; i < rows.size(); ++i) {
        std::vector<std::string> keys;
        for (const auto& [key, value] : rows[i].items()) {
            keys.push_back(key);
        }
        ASSERT_EQ(keys, kTidyColumns) << i;
        ASSERT_EQ(records[i + 1].size(), kTidyColumns.size()) << i;
        EXPECT_EQ(records[i + 1][2], rows[i].at("record").get<std::string>());
    }
    // sfb_base.json: 15 context keys; two benchmarks of 9 repetitions.
    EXPECT_EQ(select(rows, "context").size(), 15u);
    const auto reps = select(rows, "repetition", kSendfile, "real_time");
    ASSERT_EQ(reps.size(), 9u);
    for (std::size_t i = 0; i < reps.size(); ++i) {
        EXPECT_EQ(reps[i].at("repetition"), i);
        EXPECT_DOUBLE_EQ(reps[i].at("value").get<double>(), kRealTimes[i]);
        EXPECT_EQ(reps[i].at("unit"), "us");
        EXPECT_EQ(reps[i].at("source"), data("sfb_base.json").string());
        EXPECT_EQ(reps[i].at("machine_fingerprint"), "linux-6-1-0-test-cpu-2cpu");
        EXPECT_TRUE(reps[i].at("ci_low").is_null());
    }
    // The name's segments: words as text, sizes and counts as integers, no placement.
    const ordered_json& r0 = reps[0];
    EXPECT_EQ(r0.at("path"), "sendfile");
    EXPECT_EQ(r0.at("transport"), "tcp4");
    EXPECT_EQ(r0.at("receiver"), "copy");
    EXPECT_EQ(r0.at("cache"), "warm");
    EXPECT_EQ(r0.at("file"), 1048576);
    EXPECT_EQ(r0.at("block"), 65536);
    EXPECT_EQ(r0.at("conns"), 1);
    EXPECT_TRUE(r0.at("placement").is_null());
    const auto bps = select(rows, "repetition", kSendfile, "bytes_per_second");
    ASSERT_EQ(bps.size(), 9u);
    EXPECT_EQ(bps[0].at("unit"), "B/s");
}

TEST(Tidy, PlacementSegmentIsReadWhenTheNameHasIt) {
    temporary_folder folder;
    ordered_json doc = ordered_json::parse(std::ifstream(data("sfb_base.json")));
    const std::string split =
        "sendfile/tcp4/copy/warm/file:1048576/block:65536/conns:1/"
        "placement:split/real_time";
    for (auto& entry : doc["benchmarks"]) {
        if (entry["run_name"] == kSendfile) {
            entry["name"] = split;
            entry["run_name"] = split;
        }
    }
    const auto file = folder.path() / "placed.json";
    std::ofstream(file) << doc.dump();
    const auto rows = select(tidy({file.string()}), "median", split, "real_time");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].at("placement"), "split");
    EXPECT_EQ(rows[0].at("conns"), 1);
}

TEST(Tidy, TimesAreMicrosecondsWhateverTheTimeUnit) {
    // The same numbers written in us, ns (a fixture) and ms (written here).
    temporary_folder folder;
    ordered_json doc = ordered_json::parse(std::ifstream(data("sfb_base.json")));
    for (auto& entry : doc["benchmarks"]) {
        if (entry.contains("time_unit")) {
            entry["time_unit"] = "ms";
            entry["real_time"] = entry["real_time"].get<double>() / 1000;
            entry["cpu_time"] = entry["cpu_time"].get<double>() / 1000;
        }
    }
    const auto ms = folder.path() / "in_ms.json";
    std::ofstream(ms) << doc.dump();
    const auto rows_us = tidy({data("sfb_base.json").string()});
    const auto rows_ns = tidy({data("sfb_base_in_ns.json").string()});
    const auto rows_ms = tidy({ms.string()});
    for (const char* metric : {"real_time", "cpu_time"}) {
        for (const char* record : {"repetition", "median"}) {
            const auto us = select(rows_us, record, kSendfile, metric);
            const auto ns = select(rows_ns, record, kSendfile, metric);
            const auto in_ms = select(rows_ms, record, kSendfile, metric);
            ASSERT_FALSE(us.empty());
            ASSERT_EQ(us.size(), ns.size());
            ASSERT_EQ(us.size(), in_ms.size());
            for (std::size_t i = 0; i < us.size(); ++i) {
                const double expected = us[i].at("value").get<double>();
                EXPECT_NEAR(ns[i].at("value").get<double>(), expected, 1e-9 * expected);
                EXPECT_NEAR(in_ms[i].at("value").get<double>(), expected, 1e-9 * expected);
                EXPECT_EQ(ns[i].at("unit"), "us");
                EXPECT_EQ(in_ms[i].at("unit"), "us");
            }
        }
    }
    EXPECT_DOUBLE_EQ(select(rows_ns, "median", kSendfile, "real_time")[0].at("value").get<double>(),
                     201.0);
}

TEST(Tidy, MedianRowCarriesTheSummaryInterval) {
    const auto rows = tidy({data("sfb_base.json").string()});
    const auto real = select(rows, "median", kSendfile, "real_time");
    ASSERT_EQ(real.size(), 1u);
    const auto ci = median_interval(kRealTimes);
    ASSERT_TRUE(ci.has_value());
    EXPECT_DOUBLE_EQ(real[0].at("value").get<double>(), median(kRealTimes));
    EXPECT_DOUBLE_EQ(real[0].at("ci_low").get<double>(), ci->low);
    EXPECT_DOUBLE_EQ(real[0].at("ci_high").get<double>(), ci->high);
    EXPECT_EQ(real[0].at("n"), 9);
    EXPECT_TRUE(real[0].at("repetition").is_null());
    const auto cpu = select(rows, "median", kSendfile, "cpu_time");
    ASSERT_EQ(cpu.size(), 1u);
    const auto cpu_ci = median_interval(kCpuTimes);
    ASSERT_TRUE(cpu_ci.has_value());
    EXPECT_DOUBLE_EQ(cpu[0].at("ci_low").get<double>(), cpu_ci->low);
    EXPECT_DOUBLE_EQ(cpu[0].at("ci_high").get<double>(), cpu_ci->high);
    // One repetition: a median without an interval.
    const auto single =
        select(tidy({data("sfb_single_repetition.json").string()}), "median", "", "real_time");
    ASSERT_FALSE(single.empty());
    for (const auto& row : single) {
        EXPECT_TRUE(row.at("ci_low").is_null());
        EXPECT_TRUE(row.at("ci_high").is_null());
        EXPECT_EQ(row.at("n"), 1);
    }
}

// The ratio rows hold compare_paths()'s ratios (the table of sfb run and bench_sendfile) for
// the file's benchmarks, computed here from the file as sfb run's summary does.
TEST(Tidy, RatioRowsAreComparePathsRatios) {
    const auto file = data("sfb_base.json");
    const auto rows = tidy({file.string()});
    const auto ratios = select(rows, "ratio");
    ASSERT_EQ(ratios.size(), 2u) << "sendfile's MB/s and CPU over read_send's";
    result_set set;
    add_benchmark_document(set, read_json_file(file), file);
    std::vector<benchmark_rounds> measured;
    for (const auto& series : set.benchmarks) {
        measured.push_back({series.name, series.repetitions, !series.errors.empty()});
    }
    const auto expected = compare_paths(measured);
    ASSERT_EQ(expected.size(), 1u);
    ASSERT_TRUE(expected[0].mb_per_s && expected[0].mb_per_s->interval);
    ASSERT_TRUE(expected[0].cpu_per_pass && expected[0].cpu_per_pass->interval);
    const std::pair<const char*, const ratio_estimate*> metrics[] = {
        {"bytes_per_second", &*expected[0].mb_per_s}, {"cpu_time", &*expected[0].cpu_per_pass}};
    for (const auto& [metric, estimate] : metrics) {
        const auto row = select(rows, "ratio", kSendfile, metric);
        ASSERT_EQ(row.size(), 1u) << metric;
        EXPECT_DOUBLE_EQ(row[0].at("value").get<double>(), estimate->estimate) << metric;
        EXPECT_DOUBLE_EQ(row[0].at("ci_low").get<double>(), estimate->interval->low) << metric;
        EXPECT_DOUBLE_EQ(row[0].at("ci_high").get<double>(), estimate->interval->high) << metric;
        EXPECT_LT(row[0].at("ci_low").get<double>(), row[0].at("value").get<double>());
        EXPECT_GT(row[0].at("ci_high").get<double>(), row[0].at("value").get<double>());
        EXPECT_EQ(row[0].at("unit"), "ratio");
        EXPECT_EQ(row[0].at("n"), 9);
        EXPECT_EQ(row[0].at("text"), kReadSend);
        EXPECT_EQ(row[0].at("path"), "sendfile");
        EXPECT_EQ(row[0].at("block"), 65536);
        EXPECT_TRUE(row[0].at("repetition").is_null());
    }
    // sendfile passes take about half read_send's time in the fixture (201 us against 402)
    // and a third of its CPU (100 us against 301): the ratios are about 2 and 1/3.
    EXPECT_NEAR(select(rows, "ratio", kSendfile, "bytes_per_second")[0].at("value").get<double>(),
                2.0, 0.02);
    EXPECT_NEAR(select(rows, "ratio", kSendfile, "cpu_time")[0].at("value").get<double>(),
                100.5 / 301.0, 0.01);
    // The rows come last, after every benchmark's own rows.
    EXPECT_EQ(rows[rows.size() - 2].at("record"), "ratio");
    EXPECT_EQ(rows.back().at("record"), "ratio");
    // One round a side: the ratio without an interval.
    const auto single = select(tidy({data("sfb_single_repetition.json").string()}), "ratio");
    ASSERT_EQ(single.size(), 2u);
    for (const auto& row : single) {
        EXPECT_TRUE(row.at("value").is_number());
        EXPECT_TRUE(row.at("ci_low").is_null());
        EXPECT_TRUE(row.at("ci_high").is_null());
        EXPECT_EQ(row.at("n"), 1);
    }
}

TEST(Tidy, NoRatioRowsWithoutReadSend) {
    // The fixture without its read_send benchmark: the other rows, no ratio.
    temporary_folder folder;
    ordered_json doc = ordered_json::parse(std::ifstream(data("sfb_base.json")));
    ordered_json kept = ordered_json::array();
    for (auto& entry : doc["benchmarks"]) {
        if (entry["name"].get<std::string>().rfind("read_send/", 0) != 0) {
            kept.push_back(entry);
        }
    }
    doc["benchmarks"] = kept;
    const auto file = folder.path() / "no_read_send.json";
    std::ofstream(file) << doc.dump();
    const auto rows = tidy({file.string()});
    EXPECT_FALSE(select(rows, "median", kSendfile, "real_time").empty());
    EXPECT_TRUE(select(rows, "ratio").empty());
    // With read_send in the file: ratio rows (the case above is not vacuous).
    EXPECT_FALSE(select(tidy({data("sfb_base.json").string()}), "ratio").empty());
    // A filter that leaves read_send out, a failed path and another program's names: none.
    auto filtered = run_sfb({"export", "--format", "tidy-jsonl", "--filter", "^sendfile/",
                             data("sfb_base.json").string()});
    ASSERT_EQ(filtered.status, 0) << filtered.err;
    EXPECT_TRUE(select(jsonl_rows(filtered.out), "ratio").empty());
    EXPECT_TRUE(select(tidy({data("sfb_failed.json").string()}), "ratio").empty());
    EXPECT_TRUE(select(tidy({data("foreign_program.json").string()}), "ratio").empty());
}

TEST(Tidy, HostileContextValueIsQuotedPerRfc4180) {
    temporary_folder folder;
    ordered_json doc = ordered_json::parse(std::ifstream(data("sfb_base.json")));
    const std::string hostile = "a, \"quoted\" value\nsecond line,";
    doc["context"]["hostile"] = hostile;
    const auto file = folder.path() / "hostile.json";
    std::ofstream(file) << doc.dump();
    auto csv = run_sfb({"export", "--format", "tidy-csv", file.string()});
    ASSERT_EQ(csv.status, 0) << csv.err;
    const auto records = csv_records(csv.out);
    bool found = false;
    for (const auto& record : records) {
        ASSERT_EQ(record.size(), kTidyColumns.size());
        if (record[2] == "context" && record[13] == "hostile") {
            found = true;
            EXPECT_EQ(record[19], hostile);
            EXPECT_EQ(record[14], "");  // not a number: no value
        }
    }
    EXPECT_TRUE(found) << csv.out;
    const auto rows = select(tidy({file.string()}), "context", "", "hostile");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].at("text"), hostile);
    EXPECT_TRUE(rows[0].at("benchmark").is_null());
}

TEST(Tidy, ErrorRowPerFailedBenchmark) {
    const auto rows = tidy({data("sfb_failed.json").string()});
    const auto errors = select(rows, "error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].at("benchmark"), kSendfile);
    EXPECT_EQ(errors[0].at("text"), "sendfile: connection reset by peer");
    EXPECT_TRUE(errors[0].at("value").is_null());
    EXPECT_TRUE(errors[0].at("path").is_string());
    // The benchmarks that did not fail still have their rows.
    EXPECT_FALSE(select(rows, "median", kReadSend, "real_time").empty());
}

TEST(Tidy, ForeignNamesHaveEmptySegmentsAndFilterApplies) {
    const auto rows = tidy({data("foreign_program.json").string()});
    const auto reps = select(rows, "repetition", "BM_SortVector/1024", "items_per_second");
    ASSERT_FALSE(reps.empty());
    for (const char* segment :
         {"path", "transport", "receiver", "cache", "file", "block", "conns", "placement"}) {
        EXPECT_TRUE(reps[0].at(segment).is_null()) << segment;
    }
    EXPECT_TRUE(reps[0].at("unit").is_null());  // not a counter of the contract
    EXPECT_FALSE(reps[0].at("machine_fingerprint").get<std::string>().empty());
    // Aggregates in the file are not repetitions.
    for (const auto& row : select(rows, "repetition")) {
        EXPECT_EQ(row.at("benchmark").get<std::string>().find("_mean"), std::string::npos);
    }
    auto filtered = run_sfb({"export", "--format", "tidy-jsonl", "--filter", "^sendfile/",
                             data("sfb_base.json").string()});
    ASSERT_EQ(filtered.status, 0) << filtered.err;
    for (const auto& row : jsonl_rows(filtered.out)) {
        EXPECT_TRUE(row.at("record") == "context" || row.at("benchmark") == kSendfile) << row;
    }
    auto none = run_sfb(
        {"export", "--format", "tidy-csv", "--filter", "^nothing", data("sfb_base.json").string()});
    EXPECT_EQ(none.status, 2);
    auto bad = run_sfb({"export", "--format", "tidy-jsonl", data("bad_malformed.json").string()});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("bad_malformed.json"), std::string::npos) << bad.err;
    EXPECT_TRUE(bad.out.empty());
}

// Under qemu's instruction clock (vm_clock instructions) a guest's "microsecond" is 1000 guest
// instructions: no export labels such a value us, ns or MB/s.
const char* const kInstructionClock = "sfb_instruction_clock.json";

bool wall_clock_unit(const std::string& unit) {
    return unit == "us" || unit == "ns" || unit == "ms" || unit == "s" || unit == "MB/s" ||
           unit == "B/s" || unit == "us/KiB";
}

TEST(ExportInstructionClock, BencherHasInstructionMeasuresOnly) {
    auto r = run_sfb({"export", "--format", "bencher", data(kInstructionClock).string()});
    ASSERT_EQ(r.status, 0) << r.err;
    const ordered_json doc = ordered_json::parse(r.out);
    ASSERT_EQ(doc.size(), 2u);
    for (const auto& [benchmark, measures] : doc.items()) {
        std::vector<std::string> slugs;
        for (const auto& [slug, measure] : measures.items()) {
            slugs.push_back(slug);
            EXPECT_EQ(slug.find("-us"), std::string::npos) << slug;
            EXPECT_EQ(slug.find("mb-s"), std::string::npos) << slug;
        }
        EXPECT_EQ(slugs, (std::vector<std::string>{
                             "guest-instructions-per-pass", "guest-instructions-per-kib",
                             "sender-cpu-instructions", "service-demand-instructions-per-kib"}))
            << benchmark;
    }
    // The counters as they are; cpu_time's microseconds times 1000.
    const ordered_json& sendfile = doc.at(kSendfile);
    EXPECT_DOUBLE_EQ(sendfile.at("guest-instructions-per-pass").at("value").get<double>(),
                     201000.0);
    EXPECT_DOUBLE_EQ(sendfile.at("guest-instructions-per-kib").at("value").get<double>(),
                     201000.0 / 1024);
    EXPECT_NEAR(sendfile.at("sender-cpu-instructions").at("value").get<double>(),
                median(kCpuTimes) * 1000, 1e-6);
}

TEST(ExportInstructionClock, GithubActionBenchmarkUnitsAreInstructions) {
    const std::string file = data(kInstructionClock).string();
    auto bigger = run_sfb({"export", "--format", "github-action-benchmark-bigger", file});
    ASSERT_EQ(bigger.status, 0) << bigger.err;
    EXPECT_EQ(ordered_json::parse(bigger.out), ordered_json::array());  // no MB/s
    auto smaller = run_sfb({"export", "--format", "github-action-benchmark-smaller", file});
    ASSERT_EQ(smaller.status, 0) << smaller.err;
    const ordered_json s = ordered_json::parse(smaller.out);
    ASSERT_EQ(s.size(), 8u);  // 4 metrics of both benchmarks
    std::map<std::string, std::string> units;
    for (const auto& entry : s) {
        const std::string unit = entry.at("unit").get<std::string>();
        EXPECT_TRUE(unit == "instructions" || unit == "instructions/KiB") << entry.dump();
        EXPECT_NE(entry.at("extra").get<std::string>().find(unit), std::string::npos);
        units[entry.at("name").get<std::string>()] = unit;
    }
    EXPECT_EQ(units.at(kSendfile + " (guest instructions per pass)"), "instructions");
    EXPECT_EQ(units.at(kSendfile + " (guest instructions per KiB)"), "instructions/KiB");
    EXPECT_EQ(units.at(kSendfile + " (sender CPU per pass, instruction clock)"), "instructions");
    EXPECT_EQ(units.at(kSendfile + " (service demand, instruction clock)"), "instructions/KiB");
    // Never the wall clock's series names: a dashboard keys its series by name.
    EXPECT_EQ(smaller.out.find("(real time per pass)"), std::string::npos);
    EXPECT_EQ(smaller.out.find("(sender CPU per pass)"), std::string::npos);
}

TEST(ExportInstructionClock, TidyRowsAreInInstructionsWithoutThroughput) {
    const auto rows = tidy({data(kInstructionClock).string()});
    std::size_t checked = 0;
    for (const auto& row : rows) {
        const std::string record = row.at("record").get<std::string>();
        if (record != "repetition" && record != "median") {
            continue;
        }
        ASSERT_NE(row.at("metric"), "bytes_per_second") << row.dump();
        if (row.at("unit").is_string()) {
            EXPECT_FALSE(wall_clock_unit(row.at("unit").get<std::string>())) << row.dump();
        }
        ++checked;
    }
    EXPECT_GT(checked, 0u);
    const auto real = select(rows, "median", kSendfile, "real_time");
    ASSERT_EQ(real.size(), 1u);
    EXPECT_DOUBLE_EQ(real[0].at("value").get<double>(), 201000.0);
    EXPECT_EQ(real[0].at("unit"), "instructions");
    const auto cpu = select(rows, "repetition", kSendfile, "cpu_time");
    ASSERT_EQ(cpu.size(), kCpuTimes.size());
    EXPECT_DOUBLE_EQ(cpu[0].at("value").get<double>(), kCpuTimes[0] * 1000);
    const auto demand = select(rows, "median", kSendfile, "service_demand_us_per_kib");
    ASSERT_EQ(demand.size(), 1u);
    EXPECT_EQ(demand[0].at("unit"), "instructions/KiB");
    const auto per_kib = select(rows, "median", kSendfile, "guest_instructions_per_kib");
    ASSERT_EQ(per_kib.size(), 1u);
    EXPECT_EQ(per_kib[0].at("unit"), "instructions/KiB");
    EXPECT_EQ(select(rows, "median", kSendfile, "guest_instructions_per_pass")[0].at("unit"),
              "instructions");
    // The ratios have no unit and stay: a throughput ratio is the inverse ratio of the counts.
    for (const auto& row : select(rows, "ratio")) {
        EXPECT_EQ(row.at("unit"), "ratio");
    }
    // The CSV says the same.
    auto csv = run_sfb({"export", "--format", "tidy-csv", data(kInstructionClock).string()});
    ASSERT_EQ(csv.status, 0) << csv.err;
    const auto records = csv_records(csv.out);
    const auto columns = tidy_columns();
    const auto unit_at = static_cast<std::size_t>(
        std::find(columns.begin(), columns.end(), "unit") - columns.begin());
    for (std::size_t i = 1; i < records.size(); ++i) {
        EXPECT_FALSE(wall_clock_unit(records[i].at(unit_at))) << csv.out;
    }
}

TEST(ExportInstructionClock, WallClockResultUnchangedAndMixingRefused) {
    // The same numbers without vm_clock stay microseconds and MB/s.
    const auto rows = tidy({data("sfb_base.json").string()});
    EXPECT_EQ(select(rows, "median", kSendfile, "real_time")[0].at("unit"), "us");
    EXPECT_EQ(select(rows, "median", kSendfile, "bytes_per_second").size(), 1u);
    // One dashboard document never holds both clocks: exit 2 naming both.
    for (const char* format : {"bencher", "github-action-benchmark-smaller"}) {
        auto mixed = run_sfb({"export", "--format", format, data(kInstructionClock).string(),
                              data("sfb_base.json").string()});
        EXPECT_EQ(mixed.status, 2) << format << mixed.out;
        EXPECT_NE(mixed.err.find("instructions clock"), std::string::npos) << mixed.err;
        EXPECT_NE(mixed.err.find("wall clock"), std::string::npos) << mixed.err;
    }
    // The tidy export labels each file's rows by its own clock.
    const auto both = tidy({data(kInstructionClock).string(), data("sfb_base.json").string()});
    for (const auto& row : select(both, "median", kSendfile, "real_time")) {
        const bool clocked =
            row.at("source").get<std::string>().find(kInstructionClock) != std::string::npos;
        EXPECT_EQ(row.at("unit"), clocked ? "instructions" : "us") << row.dump();
    }
}

TEST(Version, PrintsVersionAndCommit) {
    auto r = run_sfb({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("sfb 0.", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("(git "), std::string::npos) << r.out;
}

}  // namespace
}  // namespace sfb::harness
