#include "store.h"

#include "bench_process.h"
#include "leftovers.h"
#include "test_support.h"

#include <gtest/gtest.h>
#include <map>

namespace sfb::harness {
namespace {

TEST(Store, Slugify) {
    EXPECT_EQ(slugify("Linux-6.1.0-28-amd64-Intel(R) Xeon(R) CPU @ 2.20GHz-2cpu"),
              "linux-6-1-0-28-amd64-intel-r-xeon-r-cpu-2-20ghz-2cpu");
    EXPECT_EQ(slugify("  --a__b--  "), "a-b");
    EXPECT_EQ(slugify("../../etc"), "etc");
    EXPECT_EQ(slugify(""), "unknown");
}

TEST(Store, FingerprintFromContextOrThisMachine) {
    ordered_json context = ordered_json::object();
    context["machine_fingerprint"] = "Linux 6.1/x";
    EXPECT_EQ(machine_fingerprint(context), "linux-6-1-x");
    const std::string local = machine_fingerprint(ordered_json::object());
    EXPECT_EQ(local, local_machine_fingerprint());
    EXPECT_EQ(local.rfind("linux-", 0), 0u);
    EXPECT_TRUE(local.ends_with("cpu"));
}

TEST(Store, ResultNames) {
    ordered_json context = ordered_json::object();
    EXPECT_EQ(result_commit(context), "unknown");
    context["sfb_git_commit"] = "0123abcdef45";
    EXPECT_EQ(result_commit(context), "0123abcdef45");
    // 2026-11-26 09:30:05 UTC
    const auto when = std::chrono::system_clock::from_time_t(1795685405);
    EXPECT_EQ(result_stem(when, "0123abcdef45"), "20261126T093005Z-0123abcdef45");
}

TEST(Store, WritesAtomicallyAndNeverOverwrites) {
    temporary_folder folder;
    // Only what the store writes is counted, not the folder's own owner record.
    std::filesystem::remove(folder.path() / kOwnerFile);
    const auto first = store_result(folder.path(), "machine", "20261126T093005Z-abc", "one\n");
    EXPECT_EQ(first, folder.path() / "machine" / "20261126T093005Z-abc.json");
    const auto second = store_result(folder.path(), "machine", "20261126T093005Z-abc", "two\n");
    EXPECT_EQ(second, folder.path() / "machine" / "20261126T093005Z-abc-1.json");
    const auto third = store_result(folder.path(), "machine", "20261126T093005Z-abc", "three\n");
    EXPECT_EQ(third, folder.path() / "machine" / "20261126T093005Z-abc-2.json");
    const auto files = testing::snapshot(folder.path());
    ASSERT_EQ(files.size(), 3u);  // no temporary file is left behind
    const std::map<std::string, std::string> content(files.begin(), files.end());
    EXPECT_EQ(content.at(first.string()), "one\n");
    EXPECT_EQ(content.at(second.string()), "two\n");
    EXPECT_EQ(content.at(third.string()), "three\n");
}

TEST(Store, FailureLeavesNothingBehind) {
    temporary_folder folder;
    // Only what the store writes is counted, not the folder's own owner record.
    std::filesystem::remove(folder.path() / kOwnerFile);
    // A file where the machine folder should be: the folder cannot be created.
    std::filesystem::create_directories(folder.path() / "results");
    {
        std::FILE* f = std::fopen((folder.path() / "results" / "machine").c_str(), "w");
        ASSERT_NE(f, nullptr);
        std::fclose(f);
    }
    EXPECT_THROW(store_result(folder.path() / "results", "machine", "stem", "x"),
                 std::system_error);
    EXPECT_EQ(testing::snapshot(folder.path()).size(), 1u);
}

}  // namespace
}  // namespace sfb::harness
