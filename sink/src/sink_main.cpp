// sfb-sink: the receiving end of bench_sendfile --sfb_remote on another host. See
// sink/README.md for the protocol, the safety rules and how to run it.
//
// Exit status: 0 after SIGINT or SIGTERM (a clean stop), 1 when the system will not let it
// listen, 2 for a bad command line (an address it must not listen on included).
#include <sfb/printable.h>
#include <sfb/unique_fd.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <charconv>
#include <cstring>
#include <iostream>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "protocol.h"
#include "sink_server.h"

namespace {

constexpr const char* usage = R"(usage: sfb-sink --listen ADDR:PORT [--token TOKEN] [options]

Receives the data connections of bench_sendfile --sfb_remote=ADDR:PORT and reports, per pass,
the bytes counted (and verified), its receiving thread's CPU time and this host's system CPU.
It never writes what it receives anywhere.

  --listen ADDR:PORT         the one address to listen on ([ADDR]:PORT for IPv6; PORT 0
                             picks a free port); a wildcard, broadcast or multicast
                             address is refused
  --token TOKEN              the token senders must present (--sfb_token); up to 128
                             characters from [A-Za-z0-9._-]. On a non-loopback address
                             without --token, a random token is generated and printed.
  --handshake-timeout SEC    a connection silent this long before its handshake is refused
                             (default 5)
  --idle-timeout SEC         a data connection silent this long is closed (default 60)
  --max-session SEC          a session ends this long after it started, its connections
                             closed (1 to 604800, default 86400: one day)
  --max-connections N        connections served at once, handshakes included (default 16)
  --help                     this text

One session (one bench_sendfile run) at a time; others are answered BUSY. Every refusal is
logged on stderr with its reason. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.
Exit status: 0 stopped by a signal, 1 the system would not let it listen (address not on
this host, port taken), 2 bad command line (a wildcard, broadcast or multicast address
included).
)";

// A value of the command line in a message: escaped and cut.
std::string shown(std::string_view value) {
    return "\"" + sfb::printable(value, 60) + "\"";
}

bool parse_seconds(std::string_view text, std::chrono::milliseconds& out, unsigned most) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value == 0 ||
        value > most) {
        return false;
    }
    out = std::chrono::seconds(value);
    return true;
}

int bad_usage(const std::string& message) {
    std::cerr << "sfb-sink: " << message << " (try --help)\n";
    return 2;
}

// One option and its value into `options` (`listen` for --listen); the error, naming the
// value, or an empty string.
std::string parse_option(std::string_view arg, std::string_view value,
                         sfb::sink::sink_options& options, std::string& listen) {
    if (arg == "--listen") {
        listen = value;
        return value.empty() ? "--listen: expected ADDR:PORT" : "";
    }
    if (arg == "--token") {
        options.token = value;
        return sfb::sink::valid_token(value)
                   ? ""
                   : "--token: " + shown(value) + " is not 1 to 128 characters from [A-Za-z0-9._-]";
    }
    if (arg == "--handshake-timeout" || arg == "--idle-timeout") {
        auto& out = arg == "--handshake-timeout" ? options.handshake_timeout : options.idle_timeout;
        return parse_seconds(value, out, 86400)
                   ? ""
                   : std::string(arg) + ": " + shown(value) +
                         " is not a whole number of seconds from 1 to 86400";
    }
    if (arg == "--max-session") {
        return parse_seconds(value, options.max_session, 604800)
                   ? ""
                   : "--max-session: " + shown(value) +
                         " is not a whole number of seconds from 1 to 604800";
    }
    if (arg == "--max-connections") {
        unsigned count = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), count);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || count < 2 ||
            count > 1024) {
            return "--max-connections: " + shown(value) + " is not a count from 2 to 1024";
        }
        options.max_connections = count;
        return "";
    }
    return "unknown option " + shown(arg);
}

// Reads the command line into `options`; returns kGoOn, or the exit status (0 after --help,
// 2 after a usage error, which it printed).
constexpr int kGoOn = -1;
int parse_command_line(int argc, char** argv, sfb::sink::sink_options& options) {
    std::string listen;
    std::set<std::string_view> given;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::cout << usage;
            return 0;
        }
        if (i + 1 >= argc) {
            return bad_usage(arg.starts_with("--") ? shown(arg) + " needs a value"
                                                   : "unexpected argument " + shown(arg));
        }
        // Given twice, an option would say two things; neither is picked silently.
        if (!given.insert(arg).second) {
            return bad_usage(shown(arg) + " given more than once");
        }
        if (const std::string error = parse_option(arg, argv[++i], options, listen);
            !error.empty()) {
            return bad_usage(error);
        }
    }
    if (listen.empty()) {
        return bad_usage("--listen ADDR:PORT is required");
    }
    auto host_port = sfb::sink::split_host_port(listen);
    if (!host_port) {
        return bad_usage("--listen: " + shown(listen) + " is not ADDR:PORT");
    }
    if (!sfb::sink::parse_port(host_port->second, true)) {
        return bad_usage(sfb::sink::port_error("--listen", host_port->second, true));
    }
    std::tie(options.host, options.port) = std::move(*host_port);
    return kGoOn;
}

}  // namespace

int main(int argc, char** argv) {
    sfb::sink::sink_options options;
    if (const int status = parse_command_line(argc, argv, options); status != kGoOn) {
        return status;
    }

    // The signals go to a signalfd that the serving loop polls, so no thread is interrupted
    // at an arbitrary point; the mask is set before any thread starts so every thread has it.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigset_t ignored;
    sigemptyset(&ignored);
    sigaddset(&ignored, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &ignored, nullptr);
    if (::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
        std::cerr << "sfb-sink: cannot block SIGINT and SIGTERM\n";
        return 1;
    }
    const sfb::unique_fd stop(::signalfd(-1, &stop_signals, SFD_CLOEXEC));
    if (!stop) {
        std::cerr << "sfb-sink: signalfd: " << std::strerror(errno) << "\n";
        return 1;
    }

    sfb::sink::sink_server server;
    std::string error;
    if (const auto status = server.listen(options, error);
        status != sfb::sink::sink_server::listen_status::listening) {
        std::cerr << "sfb-sink: " << error << "\n";
        return status == sfb::sink::sink_server::listen_status::refused ? 2 : 1;
    }
    std::cout << "sfb-sink: listening on " << server.bound() << " (protocol "
              << sfb::sink::protocol_version << ")\n";
    if (server.token_generated()) {
        std::cout << "sfb-sink: generated token " << server.token()
                  << " (bench_sendfile --sfb_token=" << server.token() << ")\n";
    }
    std::cout.flush();
    server.serve(stop.get());
    std::cout << "sfb-sink: stopped\n";
    return 0;
}
