#include "options.h"

#include <sched.h>
#include <sfb/printable.h>
#include <sfb/tcp_congestion.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <tuple>

#include "protocol.h"

namespace sfb::bench {

namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
constexpr std::uint64_t GiB = 1024 * MiB;
constexpr double kMaxInjectUs = 1e6;  // one second of burnt CPU per pass

std::vector<std::string_view> split(std::string_view list) {
    std::vector<std::string_view> items;
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto item = list.substr(0, comma);
        if (!item.empty()) {
            items.push_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
    return items;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parse_bool(std::string_view text) {
    if (text.empty() || text == "true" || text == "1" || text == "yes") {
        return true;
    }
    if (text == "false" || text == "0" || text == "no") {
        return false;
    }
    return std::nullopt;
}

// Parses a comma-separated list with `parse_one`; false on any bad item.
template <typename T, typename Parser>
bool parse_list(std::string_view text, std::vector<T>& out, Parser parse_one) {
    std::vector<T> items;
    for (const auto item : split(text)) {
        const auto value = parse_one(item);
        if (!value) {
            return false;
        }
        items.push_back(*value);
    }
    if (items.empty()) {
        return false;
    }
    out = std::move(items);
    return true;
}

std::optional<cache_mode> parse_cache(std::string_view name) {
    if (name == "warm") {
        return cache_mode::warm;
    }
    if (name == "cold") {
        return cache_mode::cold;
    }
    return std::nullopt;
}

std::vector<std::uint64_t> powers_of_four(std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> sizes;
    for (std::uint64_t size = from; size <= to; size *= 4) {
        sizes.push_back(size);
    }
    return sizes;
}

// A flag that takes a comma-separated list: --sfb_<name>, the field it fills, how one item
// parses, and what the error says is expected.
template <class T, class Parse>
struct list_flag {
    std::string_view name;
    std::vector<T> suite_options::*values;
    Parse parse_one;
    std::string_view expected;
};

// The flags that take lists of the plan's values (and where its threads run); nullopt for
// any other flag.
template <class Bad>
std::optional<bool> parse_plan_flag(std::string_view name, std::string_view value,
                                    suite_options& options, Bad bad) {
    const auto positive_size = [](std::string_view s) -> std::optional<std::uint64_t> {
        const auto size = parse_size(s);
        return size && *size > 0 ? size : std::nullopt;
    };
    // 0 would otherwise be read as 'file', a meaning the user did not write.
    const auto block_size = [](std::string_view s) -> std::optional<std::uint64_t> {
        const auto size = parse_size(s);
        return size && (*size > 0 || s == "file") ? size : std::nullopt;
    };
    const auto connection_count = [](std::string_view s) -> std::optional<int> {
        const auto n = parse_number<int>(s);
        return n && *n >= 1 && *n <= 256 ? n : std::nullopt;
    };
    const std::tuple flags{
        list_flag{"paths", &suite_options::paths, parse_path,
                  "a comma-separated list of paths (see --help)"},
        list_flag{"file_sizes", &suite_options::file_sizes, positive_size,
                  "sizes from 1 byte to 1024G, e.g. 4096,64K,1M,1G"},
        list_flag{"block_sizes", &suite_options::block_sizes, block_size,
                  "sizes from 1 byte to 1024G, e.g. 4K,64K,1M, or 'file' for the whole file"},
        list_flag{"receiver", &suite_options::receivers, parse_receive_mode, "copy and/or discard"},
        list_flag{"transport", &suite_options::transports, parse_transport,
                  "tcp4, tcp6 and/or unix"},
        list_flag{"cache", &suite_options::caches, parse_cache, "warm and/or cold"},
        list_flag{"connections", &suite_options::connections, connection_count,
                  "counts from 1 to 256"},
        list_flag{"placement", &suite_options::placements, parse_placement,
                  "same, split and/or free"},
    };
    std::optional<bool> done;
    const auto try_flag = [&](const auto& flag) {
        if (name != flag.name) {
            return false;
        }
        done = parse_list(value, options.*flag.values, flag.parse_one) || bad(flag.expected);
        return true;
    };
    std::apply([&](const auto&... each) { (try_flag(each) || ...); }, flags);
    return done;
}

// The flags of the connection: the remote sink, the interface and the socket buffers;
// nullopt for any other flag.
template <class Bad>
std::optional<bool> parse_connection_flag(std::string_view name, std::string_view value,
                                          suite_options& options, Bad bad) {
    if (name == "remote") {
        // The port is checked here, not when connecting: getaddrinfo would wrap 65536 to 0.
        const auto host_port = sink::split_host_port(value);
        if (!host_port || !sink::parse_port(host_port->second, false)) {
            return bad("HOST:PORT of an sfb-sink ([ADDR]:PORT for IPv6), the port from 1 to 65535");
        }
        options.remote = std::string(value);
        return true;
    }
    if (name == "token") {
        options.token = std::string(value);
        return sink::valid_token(value) ||
               bad("the token sfb-sink printed or was given (1 to 128 characters from "
                   "[A-Za-z0-9._-])");
    }
    if (name == "mtu") {
        const auto mtu = parse_number<int>(value);
        if (!mtu || *mtu < 68 || *mtu > 65535) {
            return bad("an MTU from 68 to 65535");
        }
        options.mtu = *mtu;
        return true;
    }
    if (name == "dir") {
        if (value.empty()) {
            return bad("a directory");
        }
        options.directory = std::string(value);
        return true;
    }
    if (name == "pin") {
        std::vector<int> cpus;
        if (!parse_list(value, cpus, parse_number<int>) || cpus.size() != 2 || cpus[0] < 0 ||
            cpus[1] < 0 || cpus[0] >= CPU_SETSIZE || cpus[1] >= CPU_SETSIZE) {
            return bad("SENDER_CPU,RECEIVER_CPU, each a CPU number from 0");
        }
        options.sender_cpu = cpus[0];
        options.receiver_cpu = cpus[1];
        return true;
    }
    if (name == "tcp_congestion") {
        if (!congestion_name_valid(value)) {
            return bad("a TCP congestion control's name (such as cubic or reno) or system");
        }
        options.congestion = std::string(value);
        return true;
    }
    if (name == "sndbuf" || name == "rcvbuf") {
        const auto size = parse_size(value);
        if (!size || *size > (1ULL << 30)) {
            return bad("a buffer size in bytes up to 1G (0 = kernel autotuning)");
        }
        (name == "sndbuf" ? options.sndbuf : options.rcvbuf) = static_cast<int>(*size);
        return true;
    }
    return std::nullopt;
}

// The flags of each pass: its writes, the injected CPU time and the switches; nullopt for
// any other flag.
template <class Bad>
std::optional<bool> parse_pass_flag(std::string_view name, std::string_view value,
                                    suite_options& options, Bad bad) {
    if (name == "write_chunk") {
        const auto size = parse_size(value);
        if (!size || *size < 512 || *size > (256ULL << 20)) {
            return bad("a write size from 512 bytes to 256M");
        }
        options.write_chunk = *size;
        return true;
    }
    if (name == "inject_cpu_us") {
        const auto colon = value.find(':');
        const auto path = parse_path(value.substr(0, colon));
        const auto usec = colon == std::string_view::npos
                              ? std::nullopt
                              : parse_number<double>(value.substr(colon + 1));
        // from_chars also reads "inf" and "nan": a pass that burns forever would hang the run.
        if (!path || !usec || !std::isfinite(*usec) || *usec < 0 || *usec > kMaxInjectUs) {
            return bad("PATH:USEC with USEC from 0 to 1000000, e.g. sendfile:50");
        }
        options.inject_cpu_us[*path] = *usec;
        return true;
    }
    bool* flag = name == "full"       ? &options.full
                 : name == "verify"   ? &options.verify
                 : name == "nodelay"  ? &options.nodelay
                 : name == "cork"     ? &options.cork
                 : name == "sampling" ? &options.sampling
                                      : nullptr;
    if (flag != nullptr) {
        const auto on = parse_bool(value);
        if (!on) {
            return bad("true or false");
        }
        *flag = *on;
        return true;
    }
    return std::nullopt;
}

bool parse_flag(std::string_view name, std::string_view value, suite_options& options,
                std::string& error) {
    const auto bad = [&](std::string_view expected) {
        error = "--sfb_" + sfb::printable(name, 64) + "=" + sfb::printable(value, 128) +
                ": expected " + std::string(expected);
        return false;
    };
    if (name == "counters") {
        // What the console shows; JSON always holds every counter.
        if (value != "compact" && value != "all") {
            return bad("compact or all");
        }
        options.all_counters = value == "all";
        return true;
    }
    if (name == "thread_counters") {
        const auto set = parse_thread_counter_set(value);
        if (!set) {
            return bad("hardware, task-clock or off");
        }
        options.thread_counters = *set;
        return true;
    }
    std::optional<bool> done = parse_plan_flag(name, value, options, bad);
    if (!done) {
        done = parse_connection_flag(name, value, options, bad);
    }
    if (!done) {
        done = parse_pass_flag(name, value, options, bad);
    }
    if (done) {
        return *done;
    }
    error = "unknown flag --sfb_" + sfb::printable(name, 64) + " (see --help)";
    return false;
}

// --sfb_pin's CPUs must exist here (the receiver's on the sink's host is the sink's to check):
// the modulo that spreads connections over the CPUs must not also move a CPU the user named.
bool pinned_cpus_exist(const suite_options& options, std::string& error) {
    const int cpus = online_cpus();
    const bool remote = !options.remote.empty();
    if (options.sender_cpu >= cpus || (!remote && options.receiver_cpu >= cpus)) {
        error = "--sfb_pin=" + std::to_string(options.sender_cpu) + "," +
                std::to_string(options.receiver_cpu) + ": this machine has CPUs 0 to " +
                std::to_string(cpus - 1);
        return false;
    }
    return true;
}

std::optional<std::uint64_t> read_proc_number(const char* path) {
    std::FILE* file = std::fopen(path, "re");
    if (file == nullptr) {
        return std::nullopt;
    }
    unsigned long long value = 0;
    const bool read = std::fscanf(file, "%llu", &value) == 1;
    std::fclose(file);
    return read ? std::optional<std::uint64_t>(value) : std::nullopt;
}

// A congestion control the kernel lacks, or withholds from this process, would fail every
// benchmark's connection: it is refused here, with the reason.
bool congestion_usable(const suite_options& options, std::string& error) {
    const int e = congestion_available(options.congestion);
    if (e != 0) {
        error = "--sfb_tcp_congestion=" + options.congestion + ": " + std::strerror(e) +
                (e == ENOENT  ? " (see net.ipv4.tcp_available_congestion_control)"
                 : e == EPERM ? " (see net.ipv4.tcp_allowed_congestion_control)"
                              : "");
    }
    return e == 0;
}

// The kernel caps SO_SNDBUF and SO_RCVBUF at net.core.wmem_max and rmem_max without an error
// (socket(7)): a larger request would measure a buffer the user did not ask for, so it is
// refused here. The receiving socket of --sfb_remote is on the sink's host and checked there.
bool buffers_within_kernel_caps(const suite_options& options, std::string& error) {
    const auto over_cap = [&](const char* flag, int bytes, const char* sysctl) {
        const std::string path = "/proc/sys/net/core/" + std::string(sysctl);
        const auto cap = bytes > 0 ? read_proc_number(path.c_str()) : std::nullopt;
        if (!cap || static_cast<std::uint64_t>(bytes) <= *cap) {
            return false;
        }
        error = std::string(flag) + "=" + std::to_string(bytes) + ": above net.core." + sysctl +
                " (" + std::to_string(*cap) +
                "), which the kernel would silently use instead; "
                "raise it (sysctl -w net.core." +
                sysctl + "=" + std::to_string(bytes) + ") or ask for less";
        return true;
    };
    return !over_cap("--sfb_sndbuf", options.sndbuf, "wmem_max") &&
           (!options.remote.empty() || !over_cap("--sfb_rcvbuf", options.rcvbuf, "rmem_max"));
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
    if (text == "file") {
        return 0;
    }
    std::uint64_t scale = 1;
    for (const auto& [suffix, factor] : {std::pair<std::string_view, std::uint64_t>{"KiB", KiB},
                                         {"MiB", MiB},
                                         {"GiB", GiB},
                                         {"K", KiB},
                                         {"M", MiB},
                                         {"G", GiB}}) {
        if (text.size() > suffix.size() && text.ends_with(suffix)) {
            scale = factor;
            text.remove_suffix(suffix.size());
            break;
        }
    }
    const auto number = parse_number<std::uint64_t>(text);
    if (!number || *number > (1ULL << 40) / scale) {
        return std::nullopt;
    }
    return *number * scale;
}

bool parse_suite_flags(int& argc, char** argv, suite_options& options, std::string& error) {
    constexpr std::string_view prefix = "--sfb_";
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (!arg.starts_with(prefix)) {
            argv[kept++] = argv[i];
            continue;
        }
        const auto body = arg.substr(prefix.size());
        const auto equals = body.find('=');
        const auto name = body.substr(0, equals);
        const auto value =
            equals == std::string_view::npos ? std::string_view{} : body.substr(equals + 1);
        if (!parse_flag(name, value, options, error)) {
            return false;
        }
        if (!options.flags_given.empty()) {
            options.flags_given += ' ';
        }
        // The JSON is meant to be shared; the sink's token is not.
        options.flags_given += name == "token" ? std::string("--sfb_token=(hidden)") : arg;
    }
    argc = kept;
    argv[argc] = nullptr;
    if (options.receivers.empty()) {
        options.receivers = options.verify ? std::vector{receive_mode::copy}
                                           : std::vector{receive_mode::discard, receive_mode::copy};
    }
    if (!options.placements.empty() && options.sender_cpu >= 0) {
        error =
            "--sfb_placement and --sfb_pin both say where the threads run: give one of "
            "them";
        return false;
    }
    for (const placement p : options.placements) {
        if (!placement_fits(p, online_cpus())) {
            error = "--sfb_placement=" + std::string(placement_name(p)) +
                    " needs two CPUs; this machine has " + std::to_string(online_cpus());
            return false;
        }
    }
    if (!pinned_cpus_exist(options, error) || !buffers_within_kernel_caps(options, error) ||
        !congestion_usable(options, error)) {
        return false;
    }
    if (!options.remote.empty()) {
        if (options.flags_given.find("--sfb_transport=") != std::string::npos) {
            error = "--sfb_remote sets the transport (remote4 or remote6); drop --sfb_transport";
            return false;
        }
        // remote6 when the sink's address turns out to be IPv6 (main resolves it).
        options.transports = {transport::remote4};
    } else if (!options.token.empty()) {
        error = "--sfb_token is for --sfb_remote";
        return false;
    }
    if (options.verify && std::find(options.receivers.begin(), options.receivers.end(),
                                    receive_mode::discard) != options.receivers.end()) {
        error =
            "--sfb_verify needs --sfb_receiver=copy: a discard receiver (MSG_TRUNC) never "
            "sees the bytes it drops";
        return false;
    }
    return true;
}

std::string suite_usage() {
    return R"(bench_sendfile: how fast each way of sending a file over a loopback socket goes.
One iteration sends the whole file once; real_time is wall time per pass, cpu_time the
sending thread's CPU time per pass, bytes_per_second comes from wall time.

Suite flags (lists are comma-separated; sizes take K, M, G suffixes, powers of 1024):
  --sfb_paths=LIST         read_write, read_send, sendfile, sendfile_emulated, mmap_send,
                           splice, msg_zerocopy, io_uring_send, io_uring_send_zc,
                           io_uring_splice, ktls_sendfile, ktls_send (default: all this
                           machine can run)
  --sfb_file_sizes=LIST    file sizes (default plan: 64K and 64M; see README)
  --sfb_block_sizes=LIST   bytes per call, or 'file' for the whole file in one call
  --sfb_receiver=LIST      copy (recv into a buffer), discard (recv MSG_TRUNC, TCP only)
                           (default: discard,copy; copy with --sfb_verify)
  --sfb_transport=LIST     tcp4 (127.0.0.1), tcp6 (::1), unix (abstract Unix socket),
                           veth4, veth6 (across a veth pair into a private network
                           namespace; needs CAP_NET_ADMIN) (default: tcp4)
  --sfb_mtu=BYTES          MTU of the veth pair (default: 1500)
  --sfb_remote=HOST:PORT   send to sfb-sink on another host instead (transport remote4
                           or remote6; see sink/README.md)
  --sfb_token=TOKEN        the token sfb-sink printed or was given
  --sfb_cache=LIST         warm, cold (posix_fadvise DONTNEED before every pass, untimed)
                           (default: warm)
  --sfb_dir=DIR            where the files go (default: /var/tmp; /dev/shm for tmpfs)
  --sfb_write_chunk=BYTES  pwrite() size that creates the files (default: 1M); small writes
                           leave small page-cache folios (see README)
  --sfb_full               the full sweep: files 4K..1G, blocks 4K..whole file (x4 steps)
  --sfb_verify             check every received byte against the file (slower)
  --sfb_placement=LIST     where the sender and receiver threads run: same (one CPU),
                           split (two CPUs), free (the scheduler decides)
                           (default: same, and split where there are two CPUs)
  --sfb_pin=S,R            pin connection i's sender to CPU S+i, its receiver to R+i
                           (modulo the CPU count); instead of --sfb_placement
  --sfb_sampling=BOOL      per-pass times, where the threads ran, other processes' CPU
                           (default: true; false to check what they cost)
  --sfb_counters=WHICH     the console output: compact (default: per benchmark MB/s, sender
                           and receiver CPU per pass, service demand and flags, then every
                           path against read_send) or all (Google's rows, every counter);
                           JSON always holds every counter
  --sfb_thread_counters=SET
                           per-thread perf_event_open counters of the sender and the
                           receiver: hardware (instructions and cycles), task-clock (the
                           same code with a software event, for machines without a PMU)
                           or off (default: hardware; the context key thread_counters
                           says why none were recorded)
  --sfb_connections=LIST   parallel sender+receiver pairs (Google Benchmark threads)
  --sfb_sndbuf=BYTES       SO_SNDBUF of the sending socket (default: autotuning)
  --sfb_rcvbuf=BYTES       SO_RCVBUF of the receiving socket (default: autotuning)
  --sfb_nodelay            TCP_NODELAY on the sending socket
  --sfb_tcp_congestion=NAME
                           TCP congestion control of the sending socket (default cubic;
                           system: net.ipv4.tcp_congestion_control, which on loopback
                           can decide the figures: benchmarks/README.md)
  --sfb_cork               TCP_CORK on during each pass, off at its end
  --sfb_inject_cpu_us=PATH:USEC
                           test hook: burn USEC (0..1000000) of sender CPU per pass in
                           PATH only

bench_sendfile runs with --benchmark_min_time=0.3 unless the command line says otherwise.
Google Benchmark 1.7.1 takes --benchmark_min_time in plain seconds (0.3, not 0.3s; no
iteration counts such as 100x). Times are in microseconds unless --benchmark_time_unit
(ns, us, ms, s) says otherwise. Exit status: 0 all ran, 1 a benchmark failed (the JSON is
complete and names it) or every selected benchmark was skipped on this machine, 2 bad flags
or a --benchmark_filter that matches nothing (the JSON then holds the context and an empty
benchmarks list). Numbers are range-checked: --benchmark_repetitions 1..1000,
--benchmark_min_time and --benchmark_min_warmup_time 0..3600 seconds.

Google Benchmark flags:
)";
}

std::vector<placement> planned_placements(const suite_options& options) {
    if (options.sender_cpu >= 0) {
        return {options.sender_cpu == options.receiver_cpu ? placement::same : placement::split};
    }
    return options.placements.empty() ? default_placements(online_cpus()) : options.placements;
}

std::vector<benchmark_case> plan_benchmarks(const suite_options& options,
                                            std::vector<std::string>& left_out) {
    const std::vector<path_id> paths =
        options.paths.empty() ? std::vector<path_id>(all_paths.begin(), all_paths.end())
                              : options.paths;
    struct size_group {
        std::vector<path_id> paths;
        std::vector<std::uint64_t> files;
        std::vector<std::uint64_t> blocks;
        std::vector<receive_mode> receivers;
    };
    std::vector<size_group> groups;
    if (options.full || !options.file_sizes.empty() || !options.block_sizes.empty()) {
        size_group uniform{paths, options.file_sizes, options.block_sizes, options.receivers};
        if (uniform.files.empty()) {
            uniform.files = options.full ? powers_of_four(4 * KiB, GiB) : std::vector{64 * MiB};
        }
        if (uniform.blocks.empty()) {
            uniform.blocks = options.full ? powers_of_four(4 * KiB, GiB) : std::vector{64 * KiB};
        }
        groups.push_back(uniform);
    } else {
        // The default plan: pysendfile's three paths at three block sizes on a large file,
        // every other path at 64 KiB blocks, and every path on a small file sent in one call.
        const auto is_original = [](path_id p) {
            return p == path_id::read_write || p == path_id::read_send || p == path_id::sendfile;
        };
        size_group original{{}, {64 * MiB}, {4 * KiB, 64 * KiB, MiB}, options.receivers};
        size_group others{{}, {64 * MiB}, {64 * KiB}, options.receivers};
        for (const path_id p : paths) {
            (is_original(p) ? original : others).paths.push_back(p);
        }
        const bool discard_chosen = std::find(options.receivers.begin(), options.receivers.end(),
                                              receive_mode::discard) != options.receivers.end();
        size_group small{paths,
                         {64 * KiB},
                         {64 * KiB},
                         discard_chosen ? std::vector{receive_mode::discard} : options.receivers};
        groups = {original, others, small};
    }

    const std::vector<placement> placements = planned_placements(options);
    std::vector<benchmark_case> cases;
    std::set<std::string> seen;
    bool unix_discard = false;
    for (const auto& group : groups) {
        for (const path_id p : group.paths) {
            for (const transport t : options.transports) {
                for (const receive_mode r : group.receivers) {
                    if (t == transport::unix_stream && r == receive_mode::discard) {
                        unix_discard = true;
                        continue;
                    }
                    for (const cache_mode c : options.caches) {
                        for (const std::uint64_t file : group.files) {
                            for (const std::uint64_t requested : group.blocks) {
                                const std::uint64_t block =
                                    requested == 0 ? file : std::min(requested, file);
                                for (const int conns : options.connections) {
                                    for (const placement where : placements) {
                                        benchmark_case bc{p, t, r, c, file, block, conns, where};
                                        if (seen.insert(bc.name()).second) {
                                            cases.push_back(bc);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if (unix_discard) {
        left_out.emplace_back(
            "*/unix/discard: AF_UNIX stream sockets ignore MSG_TRUNC and copy the data anyway, "
            "so a discard receiver cannot exist there (use --sfb_receiver=copy)");
    }
    return cases;
}

}  // namespace sfb::bench
