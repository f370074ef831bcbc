// The sfb executable end to end, on fixture files: exit codes, messages, output formats, and
// that bad input leaves results/ alone.
#include "bench_process.h"
#include "benchmark_json.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <fstream>

namespace sfb::harness {
namespace {

using testing::data;
using testing::run_sfb;

std::size_t count_lines(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Cli, HelpForEveryCommand) {
    auto top = run_sfb({"--help"});
    EXPECT_EQ(top.status, 0);
    EXPECT_NE(top.out.find("exit codes"), std::string::npos);
    for (const char* command : {"run", "compare", "report", "ab"}) {
        auto r = run_sfb({command, "--help"});
        EXPECT_EQ(r.status, 0) << command;
        EXPECT_NE(r.out.find(std::string("usage: sfb ") + command), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("exit codes"), std::string::npos) << command;
    }
}

TEST(Cli, UsageErrorsExitTwo) {
    EXPECT_EQ(run_sfb({}).status, 2);
    EXPECT_EQ(run_sfb({"frobnicate"}).status, 2);
    EXPECT_EQ(run_sfb({"compare", data("sfb_base.json").string()}).status, 2);
    auto r = run_sfb({"compare", "--threshold", "5", data("sfb_base.json").string(),
                      data("sfb_same.json").string()});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("ambiguous"), std::string::npos) << r.err;
    EXPECT_EQ(run_sfb({"compare", "--bogus", "a", "b"}).status, 2);
    EXPECT_EQ(run_sfb({"compare", "--format", "yaml", "a", "b"}).status, 2);
    EXPECT_EQ(run_sfb({"ab", "--base", "/bin/true"}).status, 2);
}

TEST(Cli, CompareExitCodes) {
    auto same =
        run_sfb({"compare", data("sfb_base.json").string(), data("sfb_same.json").string()});
    EXPECT_EQ(same.status, 0) << same.out << same.err;
    EXPECT_NE(same.out.find("0 regressed"), std::string::npos) << same.out;
    EXPECT_EQ(same.out.find("\033["), std::string::npos) << "colour on a pipe";

    auto regressed = run_sfb({"compare", "--color=always", data("sfb_base.json").string(),
                              data("sfb_sendfile_regressed.json").string()});
    EXPECT_EQ(regressed.status, 1);
    EXPECT_NE(regressed.out.find("REGRESSION"), std::string::npos) << regressed.out;
    EXPECT_NE(regressed.out.find("\033["), std::string::npos);

    // Folders work like files.
    auto folders = run_sfb({"compare", data("empty_folder/..").string() + "/empty_folder",
                            data("sfb_same.json").string()});
    EXPECT_EQ(folders.status, 2);
}

TEST(Cli, OutputFormats) {
    auto json = run_sfb({"compare", "--format=json", data("sfb_base.json").string(),
                         data("sfb_sendfile_regressed.json").string()});
    EXPECT_EQ(json.status, 1);
    const ordered_json doc = ordered_json::parse(json.out);
    EXPECT_TRUE(doc["regression"].get<bool>());

    temporary_folder folder;
    const auto summary = folder.path() / "summary.md";
    auto markdown = run_sfb({"compare", "--format", "markdown", "--summary", summary.string(),
                             data("sfb_base.json").string(), data("sfb_same.json").string()});
    EXPECT_EQ(markdown.status, 0);
    EXPECT_NE(markdown.out.find("| --- |"), std::string::npos) << markdown.out;
    std::ifstream in(summary);
    std::string first_line;
    std::getline(in, first_line);
    EXPECT_EQ(first_line.rfind("### sfb compare", 0), 0u) << first_line;
}

TEST(Cli, TooFewRepetitions) {
    const std::string single = data("sfb_single_repetition.json").string();
    auto r = run_sfb({"compare", single, single});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("too few repetitions"), std::string::npos) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    auto untested = run_sfb({"compare", "--no-test", single, single});
    EXPECT_EQ(untested.status, 0) << untested.err;
    EXPECT_NE(untested.out.find("not tested"), std::string::npos) << untested.out;
}

TEST(Cli, ForeignProgramOutputIsAccepted) {
    const std::string foreign = data("foreign_program.json").string();
    auto r = run_sfb({"compare", foreign, foreign});
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("BM_SortVector/1024"), std::string::npos) << r.out;
}

class CliBadInput : public ::testing::TestWithParam<const char*> {};

TEST_P(CliBadInput, ExitTwoOneMessageResultsUntouched) {
    temporary_folder cwd;
    // A results folder with one stored result, which nothing may change.
    std::filesystem::create_directories(cwd.path() / "results" / "machine");
    std::filesystem::copy_file(data("sfb_base.json"),
                               cwd.path() / "results" / "machine" / "stored.json");
    const auto before = testing::snapshot(cwd.path());

    const std::string bad = data(GetParam()).string();
    for (const auto& args :
         {std::vector<std::string>{"compare", bad, data("sfb_base.json").string()},
          std::vector<std::string>{"compare", data("sfb_base.json").string(), bad},
          std::vector<std::string>{"report", bad}}) {
        auto r = run_sfb(args, cwd.path());
        EXPECT_EQ(r.status, 2) << args[0] << " " << bad;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    EXPECT_EQ(testing::snapshot(cwd.path()), before);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CliBadInput,
                         ::testing::Values("bad_malformed.json", "bad_empty_file.json",
                                           "bad_not_benchmark_output.json",
                                           "bad_top_level_array.json", "bad_empty_benchmarks.json",
                                           "bad_missing_real_time.json",
                                           "bad_missing_time_unit.json", "bad_missing_name.json",
                                           "bad_cpu_time_not_a_number.json",
                                           "bad_unknown_time_unit.json", "bad_aggregates_only.json",
                                           "empty_folder", "no_such_file.json"));

TEST(Cli, RunWithABadProgramStoresNothing) {
    temporary_folder cwd;
    auto missing = run_sfb({"run", "--bench", "/nonexistent/bench_sendfile"}, cwd.path());
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("/nonexistent/bench_sendfile"), std::string::npos);
    auto failing = run_sfb({"run", "--bench", "/bin/false"}, cwd.path());
    EXPECT_EQ(failing.status, 3) << failing.err;
    EXPECT_FALSE(std::filesystem::exists(cwd.path() / "results"));
}

TEST(Cli, ReportOverAResultsFolder) {
    temporary_folder cwd;
    std::filesystem::create_directories(cwd.path() / "results" / "a");
    std::filesystem::create_directories(cwd.path() / "results" / "b");
    std::filesystem::copy_file(data("sfb_base.json"), cwd.path() / "results" / "a" / "1.json");
    std::filesystem::copy_file(data("sfb_other_machine.json"),
                               cwd.path() / "results" / "b" / "1.json");
    auto r = run_sfb({"report", "--path", "sendfile", "--file-size", "1M"}, cwd.path());
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("linux-6-8-0-other-cpu-8cpu"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sendfile"), std::string::npos);
    auto none = run_sfb({"report", "--block-size", "4K"}, cwd.path());
    EXPECT_EQ(none.status, 2);
}

// Every message names the test actually used: Wilcoxon signed-rank with --paired.
TEST(Cli, MessagesNameTheTestUsed) {
    auto ab = run_sfb({"ab", "--base", "/bin/true", "--candidate", "/bin/true", "--paired",
                       "--rounds", "3", "--alpha", "0.05"});
    EXPECT_EQ(ab.status, 2);
    EXPECT_NE(ab.err.find("too few for the Wilcoxon signed-rank test"), std::string::npos)
        << ab.err;
    EXPECT_NE(ab.err.find("use 6 or more"), std::string::npos) << ab.err;
    auto unpaired = run_sfb({"ab", "--base", "/bin/true", "--candidate", "/bin/true", "--unpaired",
                             "--rounds", "3", "--alpha", "0.05"});
    EXPECT_NE(unpaired.err.find("too few for the Mann-Whitney U test"), std::string::npos)
        << unpaired.err;
    EXPECT_NE(unpaired.err.find("use 4 or more"), std::string::npos) << unpaired.err;

    auto paired = run_sfb({"compare", "--paired", "--format", "markdown",
                           data("sfb_base.json").string(), data("sfb_same.json").string()});
    EXPECT_EQ(paired.status, 0) << paired.err;
    EXPECT_NE(paired.out.find("Wilcoxon signed-rank"), std::string::npos) << paired.out;
    EXPECT_EQ(paired.out.find("Mann-Whitney"), std::string::npos) << paired.out;
    auto untested = run_sfb(
        {"compare", "--no-test", data("sfb_base.json").string(), data("sfb_same.json").string()});
    EXPECT_EQ(untested.out.find("Mann-Whitney"), std::string::npos) << untested.out;
    auto help = run_sfb({"compare", "--help"});
    EXPECT_NE(help.out.find("Wilcoxon signed-rank"), std::string::npos);
}

}  // namespace
}  // namespace sfb::harness
