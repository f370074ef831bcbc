// sfb-sink's server and the sender's side of the protocol, end to end over real loopback
// sockets in this process (remote_sink and remote_receiver against a sink_server), plus the
// protocol's parsers and the veth pair. The two-namespace runs of the real programs are in
// remote_netns_test.sh.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sfb/unique_fd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net_info.h"
#include "pattern.h"
#include "protocol.h"
#include "remote_receiver.h"
#include "sink_server.h"
#include "veth_transport.h"

namespace {

using namespace std::chrono_literals;
using sfb::unique_fd;
using sfb::bench::receive_mode;
using sfb::bench::receiver_config;
using sfb::bench::remote_sink;

// A sink_server on 127.0.0.1, port 0, served on a thread until the test ends.
class running_sink {
  public:
    explicit running_sink(std::string token, std::chrono::milliseconds idle = 10s)
        : token_(std::move(token)) {
        sfb::sink::sink_options options;
        options.host = "127.0.0.1";
        options.port = "0";
        options.token = token_;
        options.handshake_timeout = 1s;
        options.idle_timeout = idle;
        std::string error;
        EXPECT_EQ(server_.listen(options, error), sfb::sink::sink_server::listen_status::listening) << error;
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        stop_read_.reset(fds[0]);
        stop_write_.reset(fds[1]);
        thread_ = std::thread([this] { server_.serve(stop_read_.get()); });
    }
    ~running_sink() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            EXPECT_EQ(::write(stop_write_.get(), "x", 1), 1);
            thread_.join();
        }
    }
    const std::string& address() const { return server_.bound(); }
    // A session with the sink's token once the sink has noticed that the previous session
    // ended, which it does asynchronously: tries for about two seconds.
    std::unique_ptr<remote_sink> connect_when_free(std::string& error) const {
        std::unique_ptr<remote_sink> session;
        for (int i = 0; i < 100 && !session; ++i) {
            session = remote_sink::connect(address(), token_, error);
            std::this_thread::sleep_for(20ms);
        }
        return session;
    }

  private:
    std::string token_;
    sfb::sink::sink_server server_;
    unique_fd stop_read_;
    unique_fd stop_write_;
    std::thread thread_;
};

bool send_all(int fd, const std::vector<unsigned char>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

std::vector<unsigned char> file_bytes(std::size_t size) {
    std::vector<unsigned char> bytes(size);
    sfb::bench::fill_pattern(0, bytes);
    return bytes;
}

receiver_config config_for(std::uint64_t pass_bytes, receive_mode mode, bool verify) {
    receiver_config config;
    config.mode = mode;
    config.pass_bytes = pass_bytes;
    config.verify = verify;
    return config;
}

std::string context_value(const remote_sink& sink, const std::string& key) {
    for (const auto& [k, v] : sink.context()) {
        if (k == key) {
            return v;
        }
    }
    return "(missing)";
}

TEST(SinkProtocol, DataRequestRoundTripsAndBadOnesAreRefused) {
    sfb::sink::data_request request;
    request.session = "abc123";
    request.verify = true;
    request.pass_bytes = 65536;
    request.rcvbuf = 4096;
    request.cpu = 1;
    std::string error;
    const auto parsed =
        sfb::sink::parse_data_request(sfb::sink::format_data_request(request), error);
    ASSERT_TRUE(parsed) << error;
    EXPECT_EQ(parsed->session, "abc123");
    EXPECT_TRUE(parsed->verify);
    EXPECT_FALSE(parsed->discard);
    EXPECT_EQ(parsed->pass_bytes, 65536U);
    EXPECT_EQ(parsed->rcvbuf, 4096);
    EXPECT_EQ(parsed->cpu, 1);
    for (const char* bad :
         {"SFB-SINK 1 DATA abc copy 0 0 0 -1", "SFB-SINK 1 DATA abc copy 2 1 0 -1",
          "SFB-SINK 1 DATA abc discard 1 10 0 -1", "SFB-SINK 1 DATA abc copy 0 10 0 -2",
          "SFB-SINK 2 DATA abc copy 0 10 0 -1", "SFB-SINK 1 DATA abc copy 0 10x 0 -1",
          "SFB-SINK 1 DATA abc copy 0 10 0"}) {
        EXPECT_FALSE(sfb::sink::parse_data_request(bad, error)) << bad;
    }
}

TEST(SinkProtocol, ReportsParseAndMalformedOnesDoNot) {
    const sfb::sink::pass_report report{10, 9, 8, 7, 6};
    const auto pass = sfb::sink::parse_report(sfb::sink::format_pass_report(report));
    ASSERT_TRUE(pass);
    EXPECT_EQ(pass->received, 10U);
    EXPECT_EQ(pass->host_softirq_us, 6U);
    const auto end = sfb::sink::parse_report(sfb::sink::format_end_report(report));
    ASSERT_TRUE(end);
    EXPECT_EQ(end->thread_cpu_ns, 8U);
    EXPECT_EQ(end->host_busy_us, 0U);
    EXPECT_FALSE(sfb::sink::parse_report("PASS 1 2 3"));
    EXPECT_FALSE(sfb::sink::parse_report("PASS 1 2 3 4 -5"));
    EXPECT_FALSE(sfb::sink::parse_report("HELLO"));
}

TEST(SinkProtocol, LineReaderBoundsLength) {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    const unique_fd a(fds[0]);
    const unique_fd b(fds[1]);
    sfb::sink::line_reader reader(a.get());
    std::string line;
    EXPECT_EQ(reader.next(line, 50ms), sfb::sink::line_reader::status::timeout);
    ASSERT_TRUE(sfb::sink::send_line(b.get(), "hello world"));
    EXPECT_EQ(reader.next(line, 1s), sfb::sink::line_reader::status::line);
    EXPECT_EQ(line, "hello world");
    ASSERT_TRUE(send_all(b.get(), std::vector<unsigned char>(sfb::sink::max_line, 'x')));
    EXPECT_EQ(reader.next(line, 1s), sfb::sink::line_reader::status::oversized);
}

TEST(Sink, VerifiesEveryByteOfEveryPassAndReportsHostCpu) {
    running_sink sink("secret");
    std::string error;
    const auto session = remote_sink::connect(sink.address(), "secret", error);
    ASSERT_TRUE(session) << error;
    EXPECT_NE(context_value(*session, "kernel_release"), "(missing)");
    EXPECT_EQ(context_value(*session, "interface"), "lo");
    EXPECT_NE(context_value(*session, "rmem_max"), "(missing)");
    EXPECT_EQ(session->local_route().name, "lo");
    const auto file = file_bytes(300'000);
    for (const auto mode : {receive_mode::copy, receive_mode::discard}) {
        const bool verify = mode == receive_mode::copy;
        auto data = session->open_data({}, config_for(file.size(), mode, verify), error);
        ASSERT_TRUE(data.sender) << error;
        for (std::uint64_t pass = 1; pass <= 3; ++pass) {
            ASSERT_TRUE(send_all(data.sender.get(), file));
            ASSERT_TRUE(data.receiver->wait_for_total(pass * file.size(), 5s))
                << data.receiver->error();
        }
        EXPECT_EQ(data.receiver->bytes_verified(), verify ? 3 * file.size() : 0U);
        EXPECT_GT(data.receiver->cpu_us(), 0.0);
        ASSERT_TRUE(data.receiver->receiver_host_cpu());
        EXPECT_GT(data.receiver->receiver_host_cpu()->busy, 0.0);
        ::shutdown(data.sender.get(), SHUT_WR);
        ASSERT_TRUE(data.receiver->finish(5s)) << data.receiver->error();
        EXPECT_EQ(data.receiver->bytes_received(), 3 * file.size());
    }
}

TEST(Sink, ReportsTheFirstWrongByte) {
    running_sink sink("secret");
    std::string error;
    const auto session = remote_sink::connect(sink.address(), "secret", error);
    ASSERT_TRUE(session) << error;
    auto file = file_bytes(100'000);
    auto data = session->open_data({}, config_for(file.size(), receive_mode::copy, true), error);
    ASSERT_TRUE(data.sender) << error;
    ASSERT_TRUE(send_all(data.sender.get(), file));
    ASSERT_TRUE(data.receiver->wait_for_total(file.size(), 5s));
    file[4242] ^= 0x10;
    ASSERT_TRUE(send_all(data.sender.get(), file));
    EXPECT_FALSE(data.receiver->wait_for_total(2 * file.size(), 5s));
    EXPECT_NE(data.receiver->error().find("byte 4242 of pass 2"), std::string::npos)
        << data.receiver->error();
}

TEST(Sink, RefusesAWrongTokenAndServesTheNextClient) {
    running_sink sink("secret");
    std::string error;
    EXPECT_FALSE(remote_sink::connect(sink.address(), "guess", error));
    EXPECT_NE(error.find("wrong token"), std::string::npos) << error;
    EXPECT_FALSE(remote_sink::connect(sink.address(), "", error));
    const auto session = remote_sink::connect(sink.address(), "secret", error);
    EXPECT_TRUE(session) << error;
}

TEST(Sink, OneSessionAtATimeOthersAreToldBusy) {
    running_sink sink("secret");
    std::string error;
    auto first = remote_sink::connect(sink.address(), "secret", error);
    ASSERT_TRUE(first) << error;
    EXPECT_FALSE(remote_sink::connect(sink.address(), "secret", error));
    EXPECT_NE(error.find("busy"), std::string::npos) << error;
    first.reset();
    EXPECT_TRUE(sink.connect_when_free(error)) << error;
}

TEST(Sink, AClientGoneMidPassLeavesTheSinkServing) {
    running_sink sink("secret");
    std::string error;
    {
        auto session = remote_sink::connect(sink.address(), "secret", error);
        ASSERT_TRUE(session) << error;
        auto data = session->open_data({}, config_for(1 << 20, receive_mode::copy, true), error);
        ASSERT_TRUE(data.sender) << error;
        const auto half = file_bytes(1 << 19);
        ASSERT_TRUE(send_all(data.sender.get(), half));
        // Both connections close abruptly here, half-way through the pass.
    }
    const auto next = sink.connect_when_free(error);
    ASSERT_TRUE(next) << error;
    const auto file = file_bytes(4096);
    auto data = next->open_data({}, config_for(file.size(), receive_mode::copy, true), error);
    ASSERT_TRUE(data.sender) << error;
    ASSERT_TRUE(send_all(data.sender.get(), file));
    EXPECT_TRUE(data.receiver->wait_for_total(file.size(), 5s)) << data.receiver->error();
}

TEST(Sink, ClosesASilentDataConnection) {
    running_sink sink("secret", 1s);
    std::string error;
    auto session = remote_sink::connect(sink.address(), "secret", error);
    ASSERT_TRUE(session) << error;
    auto data = session->open_data({}, config_for(4096, receive_mode::copy, false), error);
    ASSERT_TRUE(data.sender) << error;
    // No byte for longer than the idle timeout: the sink closes without a report.
    EXPECT_FALSE(data.receiver->wait_for_total(4096, 5s));
    EXPECT_NE(data.receiver->error().find("closed"), std::string::npos) << data.receiver->error();
}

TEST(Sink, StopsWithASessionOpen) {
    auto sink = std::make_unique<running_sink>("secret");
    std::string error;
    auto session = remote_sink::connect(sink->address(), "secret", error);
    ASSERT_TRUE(session) << error;
    auto data = session->open_data({}, config_for(4096, receive_mode::copy, false), error);
    ASSERT_TRUE(data.sender) << error;
    sink->stop();
    EXPECT_FALSE(data.receiver->wait_for_total(4096, 5s));
}

TEST(Sink, UnreachableSinkIsAClearError) {
    // A port that was just free: bind one, note it, close it.
    running_sink sink("secret");
    const std::string address = sink.address();
    sink.stop();
    std::string error;
    EXPECT_FALSE(remote_sink::connect(address, "secret", error));
    EXPECT_NE(error.find("cannot reach the sink"), std::string::npos) << error;
    EXPECT_FALSE(remote_sink::connect("no-colon", "", error));
    EXPECT_NE(error.find("HOST:PORT"), std::string::npos) << error;
}

// Runs only with CAP_NET_ADMIN (root in CI); elsewhere it is skipped with the reason.
TEST(Veth, CarriesBytesAcrossThePairWithTheRequestedMtu) {
    std::string error;
    auto* network = sfb::bench::veth_network::get(1500, error);
    if (network == nullptr) {
        GTEST_SKIP() << "no veth pair: " << error;
    }
    for (const bool ipv6 : {false, true}) {
        auto pair = network->connect(ipv6, {}, error);
        ASSERT_TRUE(pair.sender) << error;
        const auto info = sfb::bench::interface_of_socket(pair.sender.get());
        EXPECT_EQ(info.mtu, "1500");
        EXPECT_EQ(info.driver, "veth");
        const auto file = file_bytes(200'000);
        ASSERT_TRUE(send_all(pair.sender.get(), file));
        ::shutdown(pair.sender.get(), SHUT_WR);
        std::vector<unsigned char> got;
        unsigned char buffer[65536];
        for (;;) {
            const ssize_t n = ::recv(pair.receiver.get(), buffer, sizeof buffer, 0);
            ASSERT_GE(n, 0);
            if (n == 0) {
                break;
            }
            got.insert(got.end(), buffer, buffer + n);
        }
        EXPECT_EQ(got, file);
    }
    std::string other;
    EXPECT_EQ(sfb::bench::veth_network::get(9000, other), nullptr);
    EXPECT_NE(other.find("MTU 1500"), std::string::npos) << other;
}

}  // namespace
