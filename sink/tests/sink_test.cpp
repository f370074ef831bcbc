// sfb-sink's server and the sender's side of the protocol, end to end over real loopback
// sockets in this process (remote_sink and remote_receiver against a sink_server), plus the
// protocol's parsers and the veth pair. The two-namespace runs of the real programs are in
// remote_netns_test.sh.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sfb/printable.h>
#include <sfb/unique_fd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
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
    explicit running_sink(std::string token, std::chrono::milliseconds idle = 10s,
                          std::size_t max_connections = 16,
                          std::chrono::milliseconds max_session = 600s)
        : token_(std::move(token)) {
        sfb::sink::sink_options options;
        options.host = "127.0.0.1";
        options.port = "0";
        options.token = token_;
        options.handshake_timeout = 1s;
        options.max_connections = max_connections;
        options.max_session = max_session;
        options.idle_timeout = idle;
        std::string error;
        EXPECT_EQ(server_.listen(options, error), sfb::sink::sink_server::listen_status::listening)
            << error;
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

// A raw TCP connection to `address` ("127.0.0.1:PORT"), for playing a hostile peer.
unique_fd connect_raw(const std::string& address) {
    const auto host_port = sfb::sink::split_host_port(address);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port->second)));
    ::inet_pton(AF_INET, host_port->first.c_str(), &in.sin_addr);
    unique_fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&in), sizeof in) != 0) {
        return {};
    }
    return fd;
}

// What the peer sends until it closes, or until `timeout` passes.
std::string read_until_closed(int fd, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string got;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
            return got;
        }
        char buffer[4096];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            return got;
        }
        got.append(buffer, static_cast<std::size_t>(n));
    }
}

// No control character but '\n', and valid UTF-8 (printable() output is ASCII or UTF-8).
bool safe_to_print(std::string_view text) {
    for (std::size_t end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
        if (!sfb::is_plain_text(text.substr(0, end))) {
            return false;
        }
        text.remove_prefix(end + 1);
    }
    return sfb::is_plain_text(text);
}

TEST(SinkProtocol, ControlHandshakeWithAnEmptyTokenSaysTheTokenIsMissing) {
    std::string error;
    for (const char* line : {"SFB-SINK 1 CONTROL ", "SFB-SINK 1 CONTROL"}) {
        EXPECT_FALSE(sfb::sink::parse_handshake(line, error));
        EXPECT_NE(error.find("missing token"), std::string::npos) << line << ": " << error;
    }
    EXPECT_FALSE(sfb::sink::parse_handshake("SFB-SINK 2 CONTROL abc", error));
    EXPECT_NE(error.find("unsupported protocol version"), std::string::npos) << error;
    const auto control = sfb::sink::parse_handshake("SFB-SINK 1 CONTROL abc", error);
    ASSERT_TRUE(control) << error;
    EXPECT_TRUE(control->control);
    EXPECT_EQ(control->token, "abc");
}

TEST(SinkProtocol, DataHandshakeNumbersOutOfRangeAreRefusedByValue) {
    std::string error;
    for (const char* value : {"1099511627777", "18446744073709551616", "0", "-1"}) {
        const std::string line = std::string("SFB-SINK 1 DATA abc copy 0 ") + value + " 0 -1";
        EXPECT_FALSE(sfb::sink::parse_data_request(line, error)) << line;
        EXPECT_NE(error.find(std::string("\"") + value + "\""), std::string::npos) << error;
    }
    for (const char* value : {"1073741825", "-1", "4294967296", "2147483648"}) {
        const std::string line = std::string("SFB-SINK 1 DATA abc copy 0 10 ") + value + " -1";
        EXPECT_FALSE(sfb::sink::parse_data_request(line, error)) << line;
        EXPECT_NE(error.find(std::string("\"") + value + "\""), std::string::npos) << error;
    }
    for (const char* value : {"65536", "-2", "4294967295", "+1"}) {
        const std::string line = std::string("SFB-SINK 1 DATA abc copy 0 10 0 ") + value;
        EXPECT_FALSE(sfb::sink::parse_data_request(line, error)) << line;
        EXPECT_NE(error.find(std::string("\"") + value + "\""), std::string::npos) << error;
    }
    EXPECT_FALSE(sfb::sink::parse_data_request("SFB-SINK 1 DATA a\x01 copy 0 10 0 -1", error));
}

TEST(SinkProtocol, PortsAreCheckedNotWrapped) {
    EXPECT_EQ(sfb::sink::parse_port("7900", false), 7900);
    EXPECT_EQ(sfb::sink::parse_port("65535", false), 65535);
    EXPECT_EQ(sfb::sink::parse_port("0", true), 0);
    for (const char* bad : {"0", "65536", "70000", "-1", "+80", "", "80x", "4294967377"}) {
        EXPECT_FALSE(sfb::sink::parse_port(bad, false)) << bad;
    }
}

TEST(SinkProtocol, ReportsMustMoveForwardWithinWhatWasSent) {
    using sfb::sink::pass_report;
    std::string error;
    const pass_report first{100, 100, 10, 5, 1};
    EXPECT_TRUE(sfb::sink::report_follows({}, first, false, 100, 100, error)) << error;
    EXPECT_FALSE(sfb::sink::report_follows(first, first, false, 100, 200, error));
    EXPECT_NE(error.find("no new pass"), std::string::npos) << error;
    EXPECT_FALSE(sfb::sink::report_follows(first, {200, 200, 9, 5, 1}, false, 100, 200, error));
    EXPECT_NE(error.find("backwards"), std::string::npos) << error;
    EXPECT_FALSE(sfb::sink::report_follows(first, {200, 201, 10, 5, 1}, false, 100, 200, error));
    EXPECT_FALSE(sfb::sink::report_follows(first, {300, 300, 10, 5, 1}, false, 100, 200, error));
    EXPECT_NE(error.find("more than the 200 sent"), std::string::npos) << error;
    EXPECT_TRUE(sfb::sink::report_follows(first, {100, 100, 11, 0, 0}, true, 100, 200, error))
        << error;
}

TEST(SinkProtocol, PeerWordsAreEscapedAndCut) {
    const auto refused = sfb::sink::parse_answer("ERR \x1b[2J\xff" + std::string(600, 'x'));
    EXPECT_EQ(refused.what, sfb::sink::answer::kind::refused);
    EXPECT_TRUE(safe_to_print(refused.argument)) << refused.argument;
    EXPECT_LT(refused.argument.size(), 300U);
    EXPECT_EQ(sfb::sink::parse_answer("OK ../x").what, sfb::sink::answer::kind::other);
    std::string error;
    EXPECT_FALSE(sfb::sink::parse_context_line("CONTEXT Bad-Key value", error));
    EXPECT_FALSE(sfb::sink::parse_context_line("CONTEXT " + std::string(65, 'k') + " v", error));
    const auto entry = sfb::sink::parse_context_line("CONTEXT cpu_model a\x1b b\xff", error);
    ASSERT_TRUE(entry) << error;
    EXPECT_EQ(entry->first, "cpu_model");
    EXPECT_EQ(entry->second, "a\\x1b b\\xff");
    EXPECT_FALSE(sfb::sink::parse_handshake("SFB-SINK \x1b[2J DATA", error));
    EXPECT_TRUE(safe_to_print(error)) << error;
}

TEST(Sink, AnEmptyTokenIsAnsweredWithTheMissingToken) {
    running_sink sink("secret");
    const unique_fd peer = connect_raw(sink.address());
    ASSERT_TRUE(peer);
    ASSERT_TRUE(sfb::sink::send_line(peer.get(), "SFB-SINK 1 CONTROL "));
    const std::string answer = read_until_closed(peer.get(), 3s);
    EXPECT_EQ(answer.rfind("ERR missing token", 0), 0U) << answer;
}

TEST(Sink, HostileHandshakesGetPrintableBoundedAnswers) {
    running_sink sink("secret");
    for (const std::string& line :
         {std::string("SFB-SINK \x1b[2J\xff\xfe 1"), std::string("SFB-SINK 1 \xc0\xaf\x07 x"),
          std::string("SFB-SINK 1 DATA abc copy 0 1\x1b 0 -1")}) {
        const unique_fd peer = connect_raw(sink.address());
        ASSERT_TRUE(peer);
        ASSERT_TRUE(sfb::sink::send_line(peer.get(), line));
        const std::string answer = read_until_closed(peer.get(), 3s);
        EXPECT_EQ(answer.rfind("ERR ", 0), 0U) << answer;
        EXPECT_TRUE(safe_to_print(answer)) << answer;
        EXPECT_LE(answer.size(), sfb::sink::max_line);
    }
}

// The handshake timeout (1 s here) is a total: a byte every 100 ms does not extend it.
TEST(Sink, ATrickledHandshakeEndsAtItsTotalDeadline) {
    running_sink sink("secret");
    const unique_fd peer = connect_raw(sink.address());
    ASSERT_TRUE(peer);
    const auto start = std::chrono::steady_clock::now();
    const std::string hello = "SFB-SINK 1 CONTROL secret-but-slowly-sent-one-byte-at-a-time";
    bool closed = false;
    for (const char c : hello) {
        if (::send(peer.get(), &c, 1, MSG_NOSIGNAL) != 1) {
            closed = true;
            break;
        }
        pollfd p{peer.get(), POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) {
            closed = true;
            break;
        }
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(closed) << "the sink kept a trickled handshake alive";
    EXPECT_LT(took, 2s);
    EXPECT_NE(read_until_closed(peer.get(), 2s).find("handshake timeout"), std::string::npos);
}

// A flood of refused peers: at most about 20 lines a second reach the log, then a count.
TEST(Sink, RefusalsFloodingTheLogAreRateLimited) {
    running_sink sink("secret", 10s, 1024);
    testing::internal::CaptureStderr();
    for (int i = 0; i < 150; ++i) {
        const unique_fd peer = connect_raw(sink.address());
        ASSERT_TRUE(peer);
        ASSERT_TRUE(sfb::sink::send_line(peer.get(), "GET / HTTP/1.0"));
        read_until_closed(peer.get(), 3s);
    }
    std::string error;
    EXPECT_TRUE(remote_sink::connect(sink.address(), "secret", error)) << error;
    // The next line after a quiet second carries the count of the lines left out.
    std::this_thread::sleep_for(1100ms);
    const unique_fd last = connect_raw(sink.address());
    ASSERT_TRUE(sfb::sink::send_line(last.get(), "GET / HTTP/1.0"));
    read_until_closed(last.get(), 3s);
    const std::string log = testing::internal::GetCapturedStderr();
    const auto lines = std::count(log.begin(), log.end(), '\n');
    EXPECT_LT(lines, 100) << log;
    EXPECT_NE(log.find("log line(s) left out"), std::string::npos) << log;
}

// While accept() fails with EMFILE the sink backs off instead of spinning on a listener that
// stays readable, logs a bounded number of lines, and serves the queued client afterwards.
TEST(Sink, AcceptFailingForWantOfDescriptorsBacksOffAndRecovers) {
    running_sink sink("secret");
    unique_fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(client);
    testing::internal::CaptureStderr();
    // One refusal logged while descriptors are free: under UBSan the first check of a type
    // (the log's ostream) needs a pipe, which it could not get once they run out.
    {
        const unique_fd warm = connect_raw(sink.address());
        ASSERT_TRUE(sfb::sink::send_line(warm.get(), "GET / HTTP/1.0"));
        read_until_closed(warm.get(), 3s);
    }
    // The worker that refused it may still be letting go of descriptors: let it finish.
    std::this_thread::sleep_for(1500ms);
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    std::vector<unique_fd> hog;
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(client.get()) + 64;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    for (;;) {
        unique_fd fd(::dup(client.get()));
        if (!fd) {
            break;
        }
        hog.push_back(std::move(fd));
    }
    const auto address = sfb::sink::split_host_port(sink.address());
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address->second)));
    ::inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    ASSERT_EQ(::connect(client.get(), reinterpret_cast<const sockaddr*>(&in), sizeof in), 0);
    rusage before{};
    ::getrusage(RUSAGE_SELF, &before);
    std::this_thread::sleep_for(1500ms);
    rusage after{};
    ::getrusage(RUSAGE_SELF, &after);
    hog.clear();
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    const auto cpu_us = [](const rusage& r) {
        return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec +
               r.ru_stime.tv_usec;
    };
    EXPECT_LT(cpu_us(after) - cpu_us(before), 300'000L) << "the sink spun on accept()";
    ASSERT_TRUE(sfb::sink::send_line(client.get(), "SFB-SINK 1 CONTROL secret"));
    const std::string answer = read_until_closed(client.get(), 3s);
    EXPECT_EQ(answer.rfind("OK ", 0), 0U) << answer;
    const std::string log = testing::internal::GetCapturedStderr();
    const auto lines = std::count(log.begin(), log.end(), '\n');
    EXPECT_GE(lines, 1) << log;
    EXPECT_LT(lines, 20) << log;
}

// A sender that keeps its session open past --max-session loses it: the next one is served.
TEST(Sink, ASessionEndsAtItsLimit) {
    running_sink sink("secret", 10s, 16, 1s);
    std::string error;
    const auto first = remote_sink::connect(sink.address(), "secret", error);
    ASSERT_TRUE(first) << error;
    auto data = first->open_data({}, config_for(4096, receive_mode::copy, false), error);
    ASSERT_TRUE(data.sender) << error;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(data.receiver->wait_for_total(4096, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    EXPECT_TRUE(sink.connect_when_free(error)) << error;
}

// A stand-in for a hostile sink on 127.0.0.1: the first connection is handed to `control`,
// the second (if any) to `data`; both stay open until the test ends.
class fake_sink {
  public:
    using script = std::function<void(int fd, const std::atomic<bool>& stop)>;
    explicit fake_sink(script control, script data = {}) {
        listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in in{};
        in.sin_family = AF_INET;
        ::inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
        EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&in), sizeof in), 0);
        EXPECT_EQ(::listen(listener_.get(), 4), 0);
        socklen_t length = sizeof in;
        ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&in), &length);
        address_ = "127.0.0.1:" + std::to_string(ntohs(in.sin_port));
        thread_ = std::thread(
            [this, control = std::move(control), data = std::move(data)] { run(control, data); });
    }
    ~fake_sink() {
        stop_ = true;
        ::shutdown(listener_.get(), SHUT_RDWR);
        thread_.join();
    }
    const std::string& address() const { return address_; }

  private:
    void run(const script& control, const script& data) {
        for (const script* each : {&control, &data}) {
            pollfd p{listener_.get(), POLLIN, 0};
            if (!*each || ::poll(&p, 1, 20000) <= 0 || stop_) {
                return;
            }
            unique_fd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!fd) {
                return;
            }
            sfb::sink::line_reader reader(fd.get());
            std::string hello;
            reader.next(hello, 5s);
            (*each)(fd.get(), stop_);
            open_.push_back(std::move(fd));
        }
    }

    unique_fd listener_;
    std::string address_;
    std::atomic<bool> stop_{false};
    std::vector<unique_fd> open_;
    std::thread thread_;
};

void answer_session(int fd, const std::atomic<bool>&) {
    sfb::sink::send_line(fd, "OK abc");
    sfb::sink::send_line(fd, "END");
}

TEST(Remote, ASinkSendingEndlessContextIsCutOffAtTheCap) {
    fake_sink sink([](int fd, const std::atomic<bool>& stop) {
        sfb::sink::send_line(fd, "OK abc");
        for (int i = 0; i < 5000 && !stop; ++i) {
            if (!sfb::sink::send_line(fd, "CONTEXT key" + std::to_string(i) + " value")) {
                return;
            }
        }
        sfb::sink::send_line(fd, "END");
    });
    std::string error;
    EXPECT_FALSE(remote_sink::connect(sink.address(), "", error));
    EXPECT_NE(error.find("more than 256 context lines"), std::string::npos) << error;
}

// One context line every 500 ms keeps each line within its time but not the handshake: the
// sender gives up at the handshake's total deadline (10 s), not when the sink stops at 15 s.
TEST(Remote, ATricklingSinkCannotHoldTheHandshakePastItsDeadline) {
    fake_sink sink([](int fd, const std::atomic<bool>& stop) {
        sfb::sink::send_line(fd, "OK abc");
        for (int i = 0; i < 30 && !stop; ++i) {
            sfb::sink::send_line(fd, "CONTEXT key" + std::to_string(i) + " value");
            std::this_thread::sleep_for(500ms);
        }
        sfb::sink::send_line(fd, "END");
    });
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    EXPECT_FALSE(remote_sink::connect(sink.address(), "", error));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 12s);
    EXPECT_NE(error.find("no answer in time"), std::string::npos) << error;
}

// Reports a real sink never sends are refused, and the sink's words are escaped.
TEST(Remote, ReportsFromAHostileSinkAreCheckedAndEscaped) {
    struct hostile_case {
        std::vector<std::string> lines;
        std::string error;
    };
    const std::vector<hostile_case> cases = {
        {{"PASS 100 100 1 1 1", "PASS 100 100 1 1 1"}, "no new pass"},
        {{"PASS 100 150 1 1 1"}, "more bytes verified"},
        {{"PASS 300 0 1 1 1"}, "more than the 200 sent"},
        {{"PASS 100 0 5 1 1", "PASS 200 0 4 1 1"}, "went backwards"},
        {{"FAIL \x1b[2J\xff" + std::string(400, 'x')}, "\\x1b[2J\\xff"},
        {{"PASS 18446744073709551616 0 1 1 1"}, "malformed report"},
    };
    for (const auto& each : cases) {
        fake_sink sink(answer_session, [&](int fd, const std::atomic<bool>&) {
            sfb::sink::send_line(fd, "OK");
            for (const auto& line : each.lines) {
                sfb::sink::send_line(fd, line);
            }
        });
        std::string error;
        const auto session = remote_sink::connect(sink.address(), "", error);
        ASSERT_TRUE(session) << error;
        auto data = session->open_data({}, config_for(100, receive_mode::discard, false), error);
        ASSERT_TRUE(data.sender) << error;
        EXPECT_FALSE(data.receiver->wait_for_total(200, 2s));
        const std::string got = data.receiver->error();
        EXPECT_NE(got.find(each.error), std::string::npos) << got;
        EXPECT_TRUE(safe_to_print(got)) << got;
        EXPECT_LT(got.size(), 400U) << got;
    }
}

TEST(Remote, AnOutOfRangePortIsNamedNotWrapped) {
    std::string error;
    for (const char* port : {"65536", "70000", "0", "-1"}) {
        EXPECT_FALSE(remote_sink::connect(std::string("127.0.0.1:") + port, "", error));
        EXPECT_NE(error.find(std::string("\"") + port + "\" is not a port"), std::string::npos)
            << error;
    }
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
