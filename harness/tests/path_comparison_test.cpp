// The table of every path against read_send (host/summary/path_comparison.h), which `sfb run`
// and bench_sendfile's console output both end with, on constructed rounds.
#include "path_comparison.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sfb::harness {
namespace {

// A benchmark of `path` in `placement` whose rounds move `mb_per_s` (times 1 + i/100 in round
// i) with `cpu_us` of the sender's CPU per pass, plus `extra` counters in every round.
benchmark_rounds bench(const std::string& path, const std::string& placement, double mb_per_s,
                       double cpu_us, std::size_t rounds, const round_values& extra = {}) {
    benchmark_rounds b;
    b.name = path + "/tcp4/discard/warm/file:67108864/block:65536/conns:1/placement:" + placement +
             "/real_time";
    for (std::size_t i = 0; i < rounds; ++i) {
        const double wobble = 1 + static_cast<double>(i) / 100;
        round_values round = extra;
        round["bytes_per_second"] = mb_per_s * 1e6 * wobble;
        round["real_time"] = 64.0 * 1048576 / (mb_per_s * wobble);
        round["cpu_time"] = cpu_us * wobble;
        b.rounds.push_back(round);
    }
    return b;
}

std::size_t longest_line(const std::string& text) {
    std::istringstream lines(text);
    std::size_t longest = 0;
    for (std::string line; std::getline(lines, line);) {
        longest = std::max(longest, line.size());
    }
    return longest;
}

TEST(PathComparison, RatiosWithIntervalsFromFourRounds) {
    const std::vector<benchmark_rounds> benchmarks = {bench("read_send", "split", 1000, 400, 9),
                                                      bench("sendfile", "split", 2000, 100, 9)};
    const auto ratios = compare_paths(benchmarks);
    ASSERT_EQ(ratios.size(), 1u);
    EXPECT_EQ(ratios[0].name.path, "sendfile");
    ASSERT_TRUE(ratios[0].mb_per_s && ratios[0].mb_per_s->interval);
    EXPECT_NEAR(ratios[0].mb_per_s->estimate, 2.0, 1e-9);
    EXPECT_LT(ratios[0].mb_per_s->interval->low, 2.0);
    EXPECT_GT(ratios[0].mb_per_s->interval->high, 2.0);
    ASSERT_TRUE(ratios[0].cpu_per_pass);
    EXPECT_NEAR(ratios[0].cpu_per_pass->estimate, 0.25, 1e-9);
    EXPECT_EQ(ratios[0].rounds, 9u);
    EXPECT_FALSE(ratios[0].flagged);
    const std::string text = render_path_comparison(benchmarks, table_style::text, false);
    EXPECT_NE(text.find("2.00x ["), std::string::npos) << text;
    EXPECT_NE(text.find("0.25x ["), std::string::npos) << text;
}

TEST(PathComparison, OneRoundGivesTheRatioWithoutInterval) {
    const std::vector<benchmark_rounds> benchmarks = {bench("read_send", "same", 1000, 400, 1),
                                                      bench("sendfile", "same", 500, 200, 1)};
    const auto ratios = compare_paths(benchmarks);
    ASSERT_EQ(ratios.size(), 1u);
    ASSERT_TRUE(ratios[0].mb_per_s);
    EXPECT_NEAR(ratios[0].mb_per_s->estimate, 0.5, 1e-9);
    EXPECT_FALSE(ratios[0].mb_per_s->interval);
    const std::string text = render_path_comparison(benchmarks, table_style::text, false);
    EXPECT_NE(text.find("0.50x"), std::string::npos) << text;
    EXPECT_EQ(text.find("0.50x ["), std::string::npos) << text;
}

TEST(PathComparison, NothingToCompareWithoutReadSend) {
    const std::vector<benchmark_rounds> benchmarks = {bench("sendfile", "same", 500, 200, 1),
                                                      {"BM_Other/64", {}, false}};
    EXPECT_TRUE(compare_paths(benchmarks).empty());
    EXPECT_EQ(render_path_comparison(benchmarks, table_style::text, false), "");
}

TEST(PathComparison, SentenceSaysTheAnswerDependsOnPlacement) {
    const std::vector<benchmark_rounds> benchmarks = {
        bench("read_send", "split", 1000, 400, 1), bench("sendfile", "split", 1170, 150, 1),
        bench("read_send", "same", 1000, 400, 1), bench("sendfile", "same", 510, 150, 1)};
    const auto ratios = compare_paths(benchmarks);
    ASSERT_EQ(ratios.size(), 2u);
    // Grouped by path, placements in the order they ran.
    EXPECT_EQ(ratios[0].name.placement, "split");
    EXPECT_EQ(ratios[1].name.placement, "same");
    const std::string sentence = placement_sentence(ratios);
    EXPECT_NE(sentence.find("sendfile's MB/s ratio over read_send is 1.17x split and 0.51x same"),
              std::string::npos)
        << sentence;
    EXPECT_NE(sentence.find("the answer depends on placement"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("benchmarks/README.md"), std::string::npos) << sentence;
    EXPECT_NE(sentence.find("64 MiB file, 64 KiB blocks"), std::string::npos) << sentence;
}

TEST(PathComparison, SentenceSpeaksOfSendfileWhenItRan) {
    // splice moves more with placement, but the question is sendfile's.
    const std::vector<benchmark_rounds> benchmarks = {
        bench("read_send", "split", 1000, 400, 1), bench("sendfile", "split", 1200, 150, 1),
        bench("splice", "split", 1300, 150, 1),    bench("read_send", "same", 1000, 400, 1),
        bench("sendfile", "same", 1150, 150, 1),   bench("splice", "same", 500, 150, 1)};
    const std::string sentence = placement_sentence(compare_paths(benchmarks));
    EXPECT_NE(sentence.find("sendfile's MB/s ratio over read_send is 1.20x split and 1.15x same"),
              std::string::npos)
        << sentence;
    EXPECT_NE(sentence.find("the widest gap of sendfile's comparisons"), std::string::npos)
        << sentence;
    // Without sendfile, the path whose answer changes direction.
    const std::vector<benchmark_rounds> no_sendfile = {
        bench("read_send", "split", 1000, 400, 1), bench("splice", "split", 1300, 150, 1),
        bench("read_send", "same", 1000, 400, 1), bench("splice", "same", 500, 150, 1)};
    EXPECT_NE(placement_sentence(compare_paths(no_sendfile)).find("splice's MB/s ratio"),
              std::string::npos);
}

TEST(PathComparison, SentenceOnAgreementAndOnOnePlacement) {
    const std::vector<benchmark_rounds> agree = {
        bench("read_send", "split", 1000, 400, 1), bench("sendfile", "split", 1200, 150, 1),
        bench("read_send", "same", 1000, 400, 1), bench("sendfile", "same", 1150, 150, 1)};
    EXPECT_NE(placement_sentence(compare_paths(agree)).find("agree across placements"),
              std::string::npos);
    EXPECT_EQ(placement_sentence(compare_paths(agree)).find(kKeepTogether), std::string::npos);
    EXPECT_EQ(render_path_comparison(agree, table_style::text, false).find(kKeepTogether),
              std::string::npos);
    const std::vector<benchmark_rounds> differ = {
        bench("read_send", "split", 1000, 400, 1), bench("sendfile", "split", 1600, 150, 1),
        bench("read_send", "same", 1000, 400, 1), bench("sendfile", "same", 1100, 150, 1)};
    EXPECT_NE(placement_sentence(compare_paths(differ)).find("faster in every placement"),
              std::string::npos);
    const std::vector<benchmark_rounds> one = {bench("read_send", "split", 1000, 400, 1),
                                               bench("sendfile", "split", 1200, 150, 1)};
    EXPECT_NE(placement_sentence(compare_paths(one)).find("placement split only"),
              std::string::npos);
}

TEST(PathComparison, FlaggedBenchmarkGetsItsMark) {
    const std::vector<benchmark_rounds> benchmarks = {
        bench("read_send", "split", 1000, 400, 1),
        bench("sendfile", "split", 2000, 100, 1, {{"pass_bimodal", 1}}),
        bench("splice", "split", 1500, 100, 1)};
    const auto ratios = compare_paths(benchmarks);
    ASSERT_EQ(ratios.size(), 2u);
    EXPECT_TRUE(ratios[0].flagged);
    EXPECT_FALSE(ratios[1].flagged);
    const std::string text = render_path_comparison(benchmarks, table_style::text, false);
    std::istringstream lines(text);
    bool marked = false;
    bool unmarked = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.find(" sendfile ") != std::string::npos) {
            marked = line.ends_with("  *");
        }
        if (line.find(" splice ") != std::string::npos) {
            unmarked = !line.ends_with("*");
        }
    }
    EXPECT_TRUE(marked) << text;
    EXPECT_TRUE(unmarked) << text;
}

TEST(PathComparison, EveryLineFitsWithALongName) {
    const std::string long_path(90, 'p');
    std::vector<benchmark_rounds> benchmarks = {
        bench("read_send", "split", 1000, 400, 9), bench(long_path, "split", 2000, 100, 9),
        bench("read_send", "same", 1000, 400, 9), bench(long_path, "same", 900, 100, 9)};
    const std::string text = render_path_comparison(benchmarks, table_style::text, false);
    EXPECT_LE(longest_line(text), kConsoleWidth) << text;
    EXPECT_NE(text.find("ppp~"), std::string::npos) << text;
    // Markdown keeps the whole name.
    EXPECT_NE(render_path_comparison(benchmarks, table_style::markdown, false).find(long_path),
              std::string::npos);
}

TEST(PathComparison, WrapText) {
    EXPECT_EQ(wrap_text("aa bb cc", 5), "aa bb\ncc\n");
    EXPECT_EQ(wrap_text("abcdefgh ij", 4), "abcdefgh\nij\n");
    EXPECT_EQ(wrap_text("", 10), "");
    // A size and its unit stay on one line.
    EXPECT_EQ(wrap_text(std::string("file of 64") + kKeepTogether + "MiB", 12),
              "file of\n64 MiB\n");
}

}  // namespace
}  // namespace sfb::harness
