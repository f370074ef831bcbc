// sendfile_loop_bench's command line: the flags (usage_text in loop_options.cpp lists them)
// and the options they give. A bad flag ends the program with a message and exit status 2.
#pragma once

#include <cstdint>
#include <string>

namespace sfb::loop_bench {

enum class variant { bare, library, send };
enum class placement { none, same, split };
enum class shape { pass, stream };

struct options {
    std::uint64_t size = 64ULL << 20;
    std::uint64_t block = 64ULL << 10;
    int rounds = 10;
    std::string dir;
    double max_syscalls_per_block = 0;  // 0: not checked
    variant a = variant::bare;
    variant b = variant::library;
    placement where = placement::none;
    shape run_shape = shape::pass;
    bool discard = false;
    std::uint64_t recv_size = 128ULL << 10;  // bench_sendfile's receiver reads 128 KiB
    double seconds = 0;                      // 0: one pass per run
    bool fresh = false;                      // a new connection for every run
    bool warm_pass = false;                  // and one untimed pass on it first
    bool sync = false;                       // fsync the file after writing it
    bool reopen = false;                     // send: read(2) from the file opened again
    bool sleep = false;                      // wait for the receiver on a condition variable
    int rcvbuf = 0;                          // SO_RCVBUF of the receiving socket; 0: autotuning
    bool handshake = false;                  // the receiver runs, pinned, before the first byte
    std::string congestion = "cubic";        // TCP_CONGESTION of the sending socket, or "system"
};

// The options the command line gives: --help prints the usage and exits 0, a bad flag or value
// prints what is wrong and the usage and exits 2.
options parse(int argc, char** argv);

}  // namespace sfb::loop_bench
