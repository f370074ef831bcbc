// The fixture: every path delivers the file exactly, and every way a pass can go wrong is
// reported with a message instead of a number.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "cpu_meter.h"
#include "pattern.h"
#include "send_session.h"
#include "syscall_count.h"
#include "temp_dir.h"

namespace sfb::bench {
namespace {

using namespace std::chrono_literals;

// A scratch folder holding one benchmark file of `size` bytes; `file` is null (and the test
// has failed with the reason) when the file cannot be made.
struct scratch_file {
    explicit scratch_file(std::uint64_t size) {
        std::string error;
        file = files.get(size, error);
        EXPECT_NE(file, nullptr) << error;
    }
    temp_dir dir;
    file_store files{dir.path()};
    const bench_file* file = nullptr;
};

class every_path : public testing::TestWithParam<std::tuple<path_id, transport>> {};

TEST_P(every_path, DeliversEveryByteOfEveryPassVerified) {
    const auto [path, kind] = GetParam();
    const auto available = probe_path(path, kind);
    if (!available.available) {
        // The skip message is the one bench_sendfile prints; it must say why.
        ASSERT_FALSE(available.reason.empty());
        GTEST_SKIP() << path_name(path) << " over " << transport_name(kind) << ": "
                     << available.reason;
    }
    std::string error;
    if (kind == transport::tcp6 && !connect_loopback(kind, {}, error).sender) {
        GTEST_SKIP() << "no IPv6 loopback here: " << error;
    }
    constexpr std::uint64_t kSize = 100'000;  // not a multiple of the block size
    const scratch_file scratch(kSize);
    ASSERT_NE(scratch.file, nullptr);
    session_config config{};
    config.bench.path = path;
    config.bench.transport_kind = kind;
    config.bench.receiver = receive_mode::copy;
    config.bench.block = 16 * 1024;
    config.verify = true;
    config.stall = 5s;
    auto session = send_session::open(config, *scratch.file, error);
    ASSERT_TRUE(session) << error;
    for (int pass = 0; pass < 3; ++pass) {
        ASSERT_TRUE(session->run_pass()) << session->error();
    }
    EXPECT_EQ(session->bytes_received(), 3 * kSize);
    EXPECT_EQ(session->bytes_verified(), 3 * kSize);
    EXPECT_EQ(session->totals().passes, 3U);
    EXPECT_GE(session->totals().syscalls, 3U);
    if (is_zero_copy(path)) {
        EXPECT_GT(session->totals().zerocopy_completions, 0U);
        EXPECT_LE(session->totals().zerocopy_copied, session->totals().zerocopy_completions);
    }
    EXPECT_TRUE(session->finish()) << session->error();
}

std::string case_name(const testing::TestParamInfo<std::tuple<path_id, transport>>& info) {
    return std::string(path_name(std::get<0>(info.param))) + "_" +
           std::string(transport_name(std::get<1>(info.param)));
}

INSTANTIATE_TEST_SUITE_P(paths, every_path,
                         testing::Combine(testing::ValuesIn(all_paths),
                                          testing::Values(transport::tcp4, transport::tcp6,
                                                          transport::unix_stream)),
                         case_name);

// A path that misbehaves on purpose: sends `actual` bytes and says it sent `claimed`.
class dishonest_path final : public send_path {
  public:
    dishonest_path(int socket, const bench_file& file, std::uint64_t actual, std::uint64_t claimed,
                   int error = 0)
        : send_path(socket, file, file.size()), actual_(actual), claimed_(claimed), error_(error) {}
    pass_outcome send_pass() override {
        std::vector<unsigned char> bytes(static_cast<std::size_t>(actual_));
        fill_pattern(0, bytes);
        std::size_t put = 0;
        while (put < bytes.size()) {
            const ssize_t n = ::send(socket_, bytes.data() + put, bytes.size() - put, MSG_NOSIGNAL);
            if (n <= 0) {
                break;
            }
            put += static_cast<std::size_t>(n);
        }
        pass_outcome out;
        out.file_bytes = claimed_;
        out.error = error_;
        out.failed_call = "send";
        return out;
    }

  private:
    std::uint64_t actual_;
    std::uint64_t claimed_;
    int error_;
};

class session_with_bad_path : public testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(scratch_.file, nullptr);
        session_config config{};
        config.stall = 300ms;
        std::string error;
        session_ = send_session::open(config, *scratch_.file, error);
        ASSERT_TRUE(session_) << error;
    }
    void use(std::uint64_t actual, std::uint64_t claimed, int error = 0) {
        session_->replace_path(std::make_unique<dishonest_path>(
            session_->sender_socket(), *scratch_.file, actual, claimed, error));
    }
    static constexpr std::uint64_t kSize = 50'000;
    scratch_file scratch_{kSize};
    std::unique_ptr<send_session> session_;
};

TEST_F(session_with_bad_path, ShortPassFailsWithTheCounts) {
    use(kSize - 1, kSize);
    EXPECT_FALSE(session_->run_pass());
    EXPECT_NE(session_->error().find("counted 49999 of 50000 bytes"), std::string::npos)
        << session_->error();
}

TEST_F(session_with_bad_path, PathAdmittingAShortPassFails) {
    use(kSize - 10, kSize - 10);
    EXPECT_FALSE(session_->run_pass());
    EXPECT_NE(session_->error().find("the path sent 49990 bytes of a 50000-byte file"),
              std::string::npos)
        << session_->error();
}

TEST_F(session_with_bad_path, ExtraBytesFailThePassOrTheTeardown) {
    use(kSize + 1, kSize);
    const bool pass_ok = session_->run_pass();
    const bool finish_ok = session_->finish();
    EXPECT_FALSE(pass_ok && finish_ok);
    EXPECT_NE(session_->error().find("50001"), std::string::npos) << session_->error();
}

TEST_F(session_with_bad_path, FailedCallIsNamedWithErrno) {
    use(100, 100, EPIPE);
    EXPECT_FALSE(session_->run_pass());
    EXPECT_NE(session_->error().find("send failed after 100 of 50000 bytes: Broken pipe"),
              std::string::npos)
        << session_->error();
}

TEST(send_session, InjectedCpuIsBurntOnTheSendingThread) {
    const scratch_file scratch(4096);
    ASSERT_NE(scratch.file, nullptr);
    session_config config{};
    config.inject_cpu_us = 3000;
    std::string error;
    auto session = send_session::open(config, *scratch.file, error);
    ASSERT_TRUE(session) << error;
    const double before = thread_cpu_us();
    ASSERT_TRUE(session->run_pass()) << session->error();
    EXPECT_GE(thread_cpu_us() - before, 3000.0);
}

TEST(send_session, ColdCacheDropEvictsTheFile) {
    const scratch_file scratch(8 << 20);
    ASSERT_NE(scratch.file, nullptr);
    std::string error;
    for (const path_id path : {path_id::read_send, path_id::mmap_send}) {
        session_config config{};
        config.bench.path = path;
        config.bench.cache = cache_mode::cold;
        auto session = send_session::open(config, *scratch.file, error);
        ASSERT_TRUE(session) << error;
        ASSERT_TRUE(session->run_pass()) << session->error();
        ASSERT_TRUE(session->drop_cache()) << session->error();
        // Not a speed: whether the pages left the cache, the precondition of a cold pass.
        EXPECT_LT(scratch.file->resident_fraction(), 0.5) << path_name(path);
        ASSERT_TRUE(session->run_pass()) << session->error();
        EXPECT_TRUE(session->finish()) << session->error();
    }
}

TEST(syscall_count, CountsWrappedCallsOnThisThreadOnly) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const std::uint64_t before = thread_syscalls();
    char byte = 'x';
    ASSERT_EQ(::write(fds[1], &byte, 1), 1);
    ASSERT_EQ(::read(fds[0], &byte, 1), 1);
    EXPECT_EQ(thread_syscalls() - before, 2U);
    ::close(fds[0]);
    ::close(fds[1]);
}

}  // namespace
}  // namespace sfb::bench
