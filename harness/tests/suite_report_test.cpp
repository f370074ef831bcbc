#include "suite_report.h"

#include "test_support.h"

#include <gtest/gtest.h>

namespace sfb::harness {
namespace {

using testing::data;

TEST(SuiteName, ParsesTheBenchmarkPattern) {
    const auto n = parse_suite_name(
        "io_uring_send_zc/tcp6/discard/cold/file:67108864/block:65536/conns:4/"
        "real_time");
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(n->path, "io_uring_send_zc");
    EXPECT_EQ(n->transport, "tcp6");
    EXPECT_EQ(n->receiver, "discard");
    EXPECT_EQ(n->cache, "cold");
    EXPECT_EQ(n->file_bytes, 67108864u);
    EXPECT_EQ(n->block_bytes, 65536u);
    EXPECT_EQ(n->connections, 4u);
    EXPECT_EQ(n->suffix, "real_time");
    EXPECT_EQ(n->configuration(), "tcp6/discard/cold/file:67108864/block:65536/conns:4");
}

TEST(SuiteName, OtherNamesAreOpaque) {
    EXPECT_FALSE(parse_suite_name("BM_SortVector/1024").has_value());
    EXPECT_FALSE(parse_suite_name("a/b/c/d/file:x/block:1/conns:1").has_value());
    EXPECT_FALSE(parse_suite_name("a/b/c/d/file:1/block:1").has_value());
    // A count beyond 32 bits is not cut to fit: the name stays opaque.
    EXPECT_FALSE(parse_suite_name("a/b/c/d/file:1/block:1/conns:4294967297").has_value());
    EXPECT_FALSE(parse_suite_name("a/b/c/d/file:1/block:1/conns:99999999999999999999").has_value());
    EXPECT_FALSE(parse_suite_name("").has_value());
}

TEST(SuiteName, FormatBytes) {
    EXPECT_EQ(format_bytes(67108864), "64 MiB");
    EXPECT_EQ(format_bytes(65536), "64 KiB");
    EXPECT_EQ(format_bytes(1000), "1000 B");
}

TEST(RunSummary, SpeedUpOverReadSend) {
    const std::filesystem::path p = data("sfb_base.json");
    const result_set set = load_results(std::span(&p, 1));
    const ordered_json rows =
        ordered_json::parse(render_run_summary(set, output_format::json, false));
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["path"], "read_send");
    EXPECT_DOUBLE_EQ(rows[0]["speedup_vs_read_send"].get<double>(), 1.0);
    EXPECT_EQ(rows[1]["path"], "sendfile");
    // Medians: read_send 402 us, sendfile 201 us per MiB: twice the MB/s.
    EXPECT_NEAR(rows[1]["speedup_vs_read_send"].get<double>(), 2.0, 1e-9);
    EXPECT_DOUBLE_EQ(rows[1]["cpu_us_per_pass"].get<double>(), 100.5);
    const std::string text = render_run_summary(set, output_format::text, false);
    EXPECT_NE(text.find("2.00x"), std::string::npos) << text;
}

TEST(Report, AcrossMachinesWithFilters) {
    const std::vector<std::filesystem::path> inputs = {data("sfb_base.json"),
                                                       data("sfb_other_machine.json")};
    report_filters filters;
    const ordered_json all =
        ordered_json::parse(render_report(inputs, filters, output_format::json, false));
    ASSERT_EQ(all.size(), 4u);  // 2 paths x 2 machines
    filters.paths = {"sendfile"};
    const ordered_json rows =
        ordered_json::parse(render_report(inputs, filters, output_format::json, false));
    ASSERT_EQ(rows.size(), 2u);
    for (const auto& row : rows) {
        EXPECT_EQ(row["path"], "sendfile");
        EXPECT_EQ(row["speedup_vs_read_send"]["n"], 81);  // 9 x 9 ratios
    }
    EXPECT_EQ(rows[0]["machine"], "linux-6-1-0-test-cpu-2cpu");
    EXPECT_NEAR(rows[0]["speedup_vs_read_send"]["median"].get<double>(), 2.0, 0.02);
    // The other machine: read_send at half the time, sendfile at 0.4: speed-up 2.5.
    EXPECT_EQ(rows[1]["machine"], "linux-6-8-0-other-cpu-8cpu");
    EXPECT_EQ(rows[1]["kernel_release"], "6.8.0-other");
    EXPECT_NEAR(rows[1]["speedup_vs_read_send"]["median"].get<double>(), 2.5, 0.03);
    EXPECT_GE(rows[1]["mb_per_s"]["q3"].get<double>(), rows[1]["mb_per_s"]["q1"].get<double>());

    filters.file_sizes = {1048576};
    filters.block_sizes = {65536};
    EXPECT_EQ(
        ordered_json::parse(render_report(inputs, filters, output_format::json, false)).size(), 2u);
    filters.block_sizes = {4096};
    EXPECT_THROW(render_report(inputs, filters, output_format::json, false), input_error);
}

}  // namespace
}  // namespace sfb::harness
