// The loopback connection and the receiver thread: every byte counted, a short or long pass
// reported, content checked, over every transport.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <fstream>
#include <string>
#include <vector>

#include "loopback.h"
#include "pattern.h"

namespace sfb::bench {
namespace {

using namespace std::chrono_literals;

void send_all(int fd, const std::vector<unsigned char>& bytes) {
    std::size_t put = 0;
    while (put < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + put, bytes.size() - put, MSG_NOSIGNAL);
        ASSERT_GT(n, 0);
        put += static_cast<std::size_t>(n);
    }
}

std::vector<unsigned char> pattern_bytes(std::uint64_t offset, std::size_t size) {
    std::vector<unsigned char> bytes(size);
    fill_pattern(offset, bytes);
    return bytes;
}

class receiver_over : public testing::TestWithParam<std::tuple<transport, receive_mode>> {};

TEST_P(receiver_over, CountsEveryByteOfEveryPass) {
    const auto [kind, mode] = GetParam();
    std::string error;
    connection pair = connect_loopback(kind, {}, error);
    if (!pair.sender && kind == transport::tcp6) {
        GTEST_SKIP() << "no IPv6 loopback here: " << error;
    }
    ASSERT_TRUE(pair.sender) << error;
    constexpr std::size_t kPass = 300'000;  // not a multiple of any buffer size
    loopback_receiver receiver(std::move(pair.receiver), {mode, kPass, false, -1, 128 * 1024});
    const auto bytes = pattern_bytes(0, kPass);
    for (std::uint64_t pass = 1; pass <= 3; ++pass) {
        send_all(pair.sender.get(), bytes);
        ASSERT_TRUE(receiver.wait_for_total(pass * kPass, 5s)) << receiver.error();
        EXPECT_EQ(receiver.bytes_received(), pass * kPass);
    }
    ::shutdown(pair.sender.get(), SHUT_WR);
    EXPECT_TRUE(receiver.finish(5s)) << receiver.error();
    EXPECT_EQ(receiver.bytes_received(), 3 * kPass);
    EXPECT_GT(receiver.cpu_us(), 0.0);
}

INSTANTIATE_TEST_SUITE_P(transports, receiver_over,
                         testing::Values(std::tuple{transport::tcp4, receive_mode::copy},
                                         std::tuple{transport::tcp4, receive_mode::discard},
                                         std::tuple{transport::tcp6, receive_mode::copy},
                                         std::tuple{transport::tcp6, receive_mode::discard},
                                         std::tuple{transport::unix_stream, receive_mode::copy}));

// A pass that goes wrong over tcp4, and the message the receiver (in `mode`, checking the
// content with `verify`) must report it with, instead of hanging, when waiting for one pass of
// `pass_bytes`.
struct bad_pass {
    const char* what;
    receive_mode mode;
    std::uint64_t pass_bytes;
    bool verify;
    std::vector<unsigned char> bytes;
    bool close_after;  // close the sending socket once the bytes are sent
    std::chrono::milliseconds wait;
    const char* message;
};

TEST(loopback_receiver, BadPassesFailWithAMessageInsteadOfHanging) {
    auto wrong_byte = pattern_bytes(0, 10'000);
    wrong_byte[1234] ^= 0x01;
    const std::vector<bad_pass> cases{
        {"short pass", receive_mode::copy, 1000, false, pattern_bytes(0, 999), false, 200ms,
         "999 of 1000 bytes"},
        {"stream ending early", receive_mode::discard, 1000, false, pattern_bytes(0, 500), true, 5s,
         "ended after 500 of 1000"},
        {"one wrong byte", receive_mode::copy, 10'000, true, wrong_byte, false, 5s,
         "byte 1234 of pass 1"},
        // The right bytes, one place off.
        {"a shifted stream", receive_mode::copy, 10'000, true, pattern_bytes(1, 10'000), false, 5s,
         "content check failed"}};
    for (const bad_pass& c : cases) {
        SCOPED_TRACE(c.what);
        std::string error;
        connection pair = connect_loopback(transport::tcp4, {}, error);
        ASSERT_TRUE(pair.sender) << error;
        loopback_receiver receiver(std::move(pair.receiver), {c.mode, c.pass_bytes, c.verify, -1});
        send_all(pair.sender.get(), c.bytes);
        if (c.close_after) {
            pair.sender.reset();
        }
        EXPECT_FALSE(receiver.wait_for_total(c.pass_bytes, c.wait));
        EXPECT_NE(receiver.error().find(c.message), std::string::npos) << receiver.error();
    }
}

TEST(loopback_receiver, LongPassIsReported) {
    std::string error;
    connection pair = connect_loopback(transport::unix_stream, {}, error);
    ASSERT_TRUE(pair.sender) << error;
    loopback_receiver receiver(std::move(pair.receiver), {receive_mode::copy, 1000, false, -1});
    send_all(pair.sender.get(), pattern_bytes(0, 1001));
    ::shutdown(pair.sender.get(), SHUT_WR);
    ASSERT_TRUE(receiver.finish(5s)) << receiver.error();
    EXPECT_FALSE(receiver.wait_for_total(1000, 200ms));
    EXPECT_NE(receiver.error().find("more than the 1000 sent"), std::string::npos)
        << receiver.error();
}

TEST(loopback_receiver, VerifyAcceptsThePatternAcrossPassBoundaries) {
    std::string error;
    connection pair = connect_loopback(transport::tcp4, {}, error);
    ASSERT_TRUE(pair.sender) << error;
    constexpr std::size_t kPass = 4097;
    loopback_receiver receiver(std::move(pair.receiver), {receive_mode::copy, kPass, true, -1});
    // Two passes sent as one write, so a recv() spans the boundary between them.
    auto bytes = pattern_bytes(0, kPass);
    bytes.insert(bytes.end(), bytes.begin(), bytes.end());
    send_all(pair.sender.get(), bytes);
    ASSERT_TRUE(receiver.wait_for_total(2 * kPass, 5s)) << receiver.error();
    EXPECT_EQ(receiver.bytes_verified(), 2 * kPass);
}

TEST(loopback_receiver, DestructorJoinsAReceiverStillReading) {
    std::string error;
    connection pair = connect_loopback(transport::tcp4, {}, error);
    ASSERT_TRUE(pair.sender) << error;
    { loopback_receiver receiver(std::move(pair.receiver), {}); }
    SUCCEED();  // reaching here means the blocked recv() was woken and the thread joined
}

TEST(connect_loopback, UsesAFreshPortEveryTime) {
    std::string error;
    connection first = connect_loopback(transport::tcp4, {}, error);
    connection second = connect_loopback(transport::tcp4, {}, error);
    ASSERT_TRUE(first.sender && second.sender) << error;
    sockaddr_storage a{}, b{};
    socklen_t la = sizeof a, lb = sizeof b;
    ASSERT_EQ(::getpeername(first.sender.get(), reinterpret_cast<sockaddr*>(&a), &la), 0);
    ASSERT_EQ(::getpeername(second.sender.get(), reinterpret_cast<sockaddr*>(&b), &lb), 0);
    EXPECT_NE(reinterpret_cast<sockaddr_in&>(a).sin_port,
              reinterpret_cast<sockaddr_in&>(b).sin_port);
}

TEST(connect_loopback, AppliesSocketOptions) {
    std::string error;
    connection pair = connect_loopback(transport::tcp4, {256 * 1024, 0, true, "cubic"}, error);
    ASSERT_TRUE(pair.sender) << error;
    int value = 0;
    socklen_t length = sizeof value;
    ASSERT_EQ(::getsockopt(pair.sender.get(), SOL_SOCKET, SO_SNDBUF, &value, &length), 0);
    EXPECT_GE(value, 256 * 1024);  // the kernel doubles it (socket(7))
    ASSERT_EQ(::getsockopt(pair.sender.get(), IPPROTO_TCP, TCP_NODELAY, &value, &length), 0);
    EXPECT_EQ(value, 1);
    EXPECT_EQ(tcp_congestion_of(pair.sender.get()), "cubic");
}

// The sending socket gets the congestion control asked for (reno is built into every kernel),
// "system" leaves the system default, and a name the kernel lacks fails the connection with it.
TEST(connect_loopback, SetsTheSendersCongestionControl) {
    std::string error;
    connection reno = connect_loopback(transport::tcp4, {0, 0, false, "reno"}, error);
    ASSERT_TRUE(reno.sender) << error;
    EXPECT_EQ(tcp_congestion_of(reno.sender.get()), "reno");
    connection system = connect_loopback(transport::tcp6, {0, 0, false, "system"}, error);
    if (system.sender) {
        std::ifstream configured("/proc/sys/net/ipv4/tcp_congestion_control");
        std::string name;
        configured >> name;
        EXPECT_EQ(tcp_congestion_of(system.sender.get()), name);
    }
    connection missing = connect_loopback(transport::tcp4, {0, 0, false, "no_such_cc"}, error);
    EXPECT_FALSE(missing.sender);
    EXPECT_NE(error.find("TCP_CONGESTION, no_such_cc"), std::string::npos) << error;
}

}  // namespace
}  // namespace sfb::bench
