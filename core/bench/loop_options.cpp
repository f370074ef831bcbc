#include "loop_options.h"

#include <sfb/tcp_congestion.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sfb::loop_bench {

namespace {

constexpr const char* usage_text =
    "usage: sendfile_loop_bench [--size BYTES] [--block BYTES] [--rounds N] [--dir DIR]\n"
    "         [--variants A,B] (bare, library, send; default bare,library)\n"
    "         [--placement none|same|split] [--receiver copy|discard] [--recv-size BYTES]\n"
    "         [--shape pass|stream] [--seconds S] [--fresh-connection yes|warm|no]\n"
    "         [--wait spin|sleep] [--reopen yes|no] [--fsync yes|no] [--rcvbuf BYTES]\n"
    "         [--handshake yes|no] [--congestion NAME|system]\n"
    "         [--max-syscalls-per-block N]\n"
    "  --fresh-connection yes  a new connection and receiver thread for every run\n"
    "                     warm as yes, with one untimed pass on it first (as bench_sendfile)\n"
    "  --wait sleep            wait for the receiver on a condition variable (default spin)\n"
    "  --reopen yes            send reads with read(2) from the file opened again\n"
    "  --fsync yes             fsync the file after writing it\n"
    "  --rcvbuf BYTES          SO_RCVBUF of the receiving socket (default: autotuning)\n"
    "  --handshake yes         send only once the receiver thread runs on its CPU\n"
    "  --congestion NAME       TCP congestion control of the sending socket (default cubic,\n"
    "                          as bench_sendfile; system: the system default)\n";

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "sendfile_loop_bench: %s\n%s", message.c_str(), usage_text);
    std::exit(2);
}

std::uint64_t parse_size(const std::string& flag, const char* text) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    std::uint64_t scale = 1;
    if (end != nullptr && (*end == 'K' || *end == 'k')) {
        scale = 1024;
        ++end;
    } else if (end != nullptr && (*end == 'M' || *end == 'm')) {
        scale = 1024 * 1024;
        ++end;
    }
    if (errno != 0 || end == text || *end != '\0' || value == 0 || text[0] == '-' ||
        value > (1ULL << 40) / scale) {
        usage_error(flag + " wants a size from 1 to 1T, got '" + text + "'");
    }
    return value * scale;
}

variant parse_variant(const std::string& name) {
    if (name == "bare" || name == "library" || name == "send") {
        return name == "bare"      ? variant::bare
               : name == "library" ? variant::library
                                   : variant::send;
    }
    usage_error("--variants takes two of bare, library and send, got '" + name + "'");
}

// A flag that takes `a` or `b`: true when `value` is `truth`; anything else is a usage error.
bool pick(const std::string& flag, const std::string& value, const char* a, const char* b,
          const char* truth) {
    if (value != a && value != b) {
        usage_error(flag + " takes " + a + " or " + b + ", got '" + value + "'");
    }
    return value == truth;
}

// The flags that choose what is compared and how; false for any other flag.
bool parse_shape_flag(const std::string& flag, const std::string& value, options& o) {
    if (flag == "--variants") {
        const auto comma = value.find(',');
        if (comma == std::string::npos) {
            usage_error("--variants takes A,B, got '" + value + "'");
        }
        o.a = parse_variant(value.substr(0, comma));
        o.b = parse_variant(value.substr(comma + 1));
    } else if (flag == "--placement") {
        if (value != "none" && value != "same" && value != "split") {
            usage_error("--placement takes none, same or split, got '" + value + "'");
        }
        o.where = value == "same"    ? placement::same
                  : value == "split" ? placement::split
                                     : placement::none;
    } else if (flag == "--receiver") {
        o.discard = pick(flag, value, "copy", "discard", "discard");
    } else if (flag == "--shape") {
        o.run_shape = pick(flag, value, "pass", "stream", "stream") ? shape::stream : shape::pass;
    } else if (flag == "--fresh-connection") {
        if (value != "yes" && value != "warm" && value != "no") {
            usage_error("--fresh-connection takes yes, warm or no, got '" + value + "'");
        }
        o.fresh = value != "no";
        o.warm_pass = value == "warm";
    } else if (flag == "--wait") {
        o.sleep = pick(flag, value, "spin", "sleep", "sleep");
    } else if (flag == "--handshake") {
        o.handshake = pick(flag, value, "yes", "no", "yes");
    } else if (flag == "--reopen") {
        o.reopen = pick(flag, value, "yes", "no", "yes");
    } else if (flag == "--fsync") {
        o.sync = pick(flag, value, "yes", "no", "yes");
    } else if (flag == "--congestion") {
        if (!congestion_name_valid(value)) {
            usage_error(
                "--congestion takes a congestion control's name (such as cubic) or "
                "system, got '" +
                value + "'");
        }
        o.congestion = value;
    } else if (flag == "--seconds") {
        char* end = nullptr;
        o.seconds = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0' || !(o.seconds > 0) || o.seconds > 600) {
            usage_error("--seconds wants a number above 0 and up to 600, got '" + value + "'");
        }
    } else {
        return false;
    }
    return true;
}

}  // namespace

options parse(int argc, char** argv) {
    options o;
    const char* tmp = std::getenv("TMPDIR");
    o.dir = tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp";
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--help" || flag == "-h") {
            std::fputs(usage_text, stdout);
            std::exit(0);
        }
        if (i + 1 >= argc) {
            usage_error("missing value after " + flag);
        }
        const char* value = argv[++i];
        if (parse_shape_flag(flag, value, o)) {
            continue;
        }
        if (flag == "--recv-size") {
            o.recv_size = parse_size(flag, value);
            if (o.recv_size > (64ULL << 20)) {
                usage_error("--recv-size wants 1 to 64M");
            }
        } else if (flag == "--size") {
            o.size = parse_size(flag, value);
        } else if (flag == "--block") {
            o.block = parse_size(flag, value);
        } else if (flag == "--rounds") {
            char* end = nullptr;
            const long rounds = std::strtol(value, &end, 10);
            o.rounds = end != value && *end == '\0' && rounds >= 1 && rounds <= 100000
                           ? static_cast<int>(rounds)
                           : 0;
            if (o.rounds == 0) {
                usage_error("--rounds wants 1 to 100000, got '" + std::string(value) + "'");
            }
        } else if (flag == "--rcvbuf") {
            const std::uint64_t bytes = parse_size(flag, value);
            if (bytes > (1ULL << 30)) {
                usage_error("--rcvbuf wants 1 to 1G");
            }
            o.rcvbuf = static_cast<int>(bytes);
        } else if (flag == "--dir") {
            o.dir = value;
        } else if (flag == "--max-syscalls-per-block") {
            char* end = nullptr;
            o.max_syscalls_per_block = std::strtod(value, &end);
            if (end == value || *end != '\0' || !(o.max_syscalls_per_block > 0) ||
                o.max_syscalls_per_block > 1000) {
                usage_error("--max-syscalls-per-block wants a number from 0 to 1000");
            }
        } else {
            usage_error("unknown flag " + flag);
        }
    }
    return o;
}

}  // namespace sfb::loop_bench
