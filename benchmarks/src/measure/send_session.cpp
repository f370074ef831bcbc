#include "send_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "cpu_meter.h"
#include "ktls_paths.h"
#include "syscall_count.h"
#include "transport_route.h"

namespace sfb::bench {

std::unique_ptr<send_session> send_session::open(const session_config& config,
                                                 const bench_file& file, std::string& error) {
    std::unique_ptr<send_session> session(new send_session(config, file));
    receiver_config receiver{};
    receiver.mode = config.bench.receiver;
    receiver.pass_bytes = file.size();
    receiver.verify = config.verify;
    receiver.cpu = config.receiver_cpu;
    receiver.sample_cpus = config.sample_cpus;
    receiver.counters = config.thread_counters;
    if (is_remote(config.bench.transport_kind)) {
        if (config.remote == nullptr) {
            error = "a remote transport needs --sfb_remote";
            return nullptr;
        }
        remote_connection data = config.remote->open_data(config.sockets, receiver, error);
        if (!data.sender) {
            return nullptr;
        }
        session->sender_ = std::move(data.sender);
        session->receiver_ = std::move(data.receiver);
    } else {
        connection pair =
            connect_local(config.bench.transport_kind, config.sockets, config.mtu, error);
        if (!pair.sender) {
            return nullptr;
        }
        // Both ends become kernel TLS before the receiver thread reads a byte (ktls_paths.h).
        if (is_ktls(config.bench.path) &&
            enable_ktls(pair.sender.get(), pair.receiver.get(), error) != 0) {
            return nullptr;
        }
        session->sender_ = std::move(pair.sender);
        try {
            session->receiver_ =
                std::make_unique<loopback_receiver>(std::move(pair.receiver), receiver);
        } catch (const std::system_error& failed) {
            // std::thread throws when the receiver thread cannot be created (EAGAIN).
            error = std::string("cannot start the receiver thread: ") + failed.what();
            return nullptr;
        }
    }
    if (const std::string failed = session->receiver_->error(); !failed.empty()) {
        error = failed;
        return nullptr;
    }
    // open() runs on the sending thread, and pid 0 counts the calling thread.
    session->sender_counters_ = thread_counters::open(config.thread_counters);
    session->path_ =
        make_send_path(config.bench.path, session->sender_.get(), file, config.bench.block, error);
    if (!session->path_) {
        return nullptr;
    }
    return session;
}

send_session::~send_session() {
    if (!finished_) {
        finish();
    }
}

bool send_session::drop_cache() {
    if (const int err = path_->drop_cache(); err != 0) {
        error_ = std::string("dropping the file from the page cache: ") + std::strerror(err);
        return false;
    }
    return true;
}

bool send_session::set_cork(bool on) {
    const int value = on ? 1 : 0;
    if (::setsockopt(sender_.get(), IPPROTO_TCP, TCP_CORK, &value, sizeof value) != 0) {
        error_ = std::string("setsockopt(TCP_CORK): ") + std::strerror(errno);
        return false;
    }
    return true;
}

bool send_session::run_pass() {
    const std::uint64_t pass = totals_.passes + 1;
    const std::uint64_t calls_before = thread_syscalls();
    const bool cork = config_.cork && is_tcp(config_.bench.transport_kind);
    if (cork && !set_cork(true)) {
        return false;
    }
    const pass_outcome outcome = path_->send_pass();
    if (cork && outcome.error == 0 && !set_cork(false)) {
        return false;
    }
    totals_.syscalls += thread_syscalls() - calls_before;
    totals_.zerocopy_completions += outcome.zerocopy_completions;
    totals_.zerocopy_copied += outcome.zerocopy_copied;
    if (config_.inject_cpu_us > 0) {
        burn_thread_cpu(config_.inject_cpu_us);
    }
    if (outcome.error != 0) {
        error_ = "pass " + std::to_string(pass) + ": " + outcome.failed_call + " failed after " +
                 std::to_string(outcome.file_bytes) + " of " + std::to_string(file_.size()) +
                 " bytes: " + std::strerror(outcome.error);
        return false;
    }
    if (outcome.file_bytes != file_.size()) {
        error_ = "pass " + std::to_string(pass) + ": the path sent " +
                 std::to_string(outcome.file_bytes) + " bytes of a " +
                 std::to_string(file_.size()) + "-byte file";
        return false;
    }
    expected_ += file_.size();
    if (!receiver_->wait_for_total(expected_, config_.stall)) {
        error_ = "pass " + std::to_string(pass) + " (" + std::to_string(file_.size()) +
                 " bytes): " + receiver_->error();
        return false;
    }
    totals_.passes = pass;
    return true;
}

bool send_session::finish() {
    finished_ = true;
    if (!receiver_) {
        // open() failed before the receiver existed (e.g. no descriptor left for the
        // connection): nothing was sent and there is nothing to wait for.
        sender_.reset();
        return false;
    }
    ::shutdown(sender_.get(), SHUT_WR);
    const bool ended = receiver_->finish(config_.stall);
    const std::uint64_t received = receiver_->bytes_received();
    sender_.reset();
    if (!ended) {
        if (error_.empty()) {
            error_ = "at teardown: " + receiver_->error();
        }
        return false;
    }
    // Bytes that arrive after the last pass was counted (a path that sent more than it said)
    // show up only here.
    if (error_.empty() && received != expected_) {
        error_ = "at teardown: the receiver counted " + std::to_string(received) +
                 " bytes in all, the passes sent " + std::to_string(expected_);
        return false;
    }
    return error_.empty();
}

}  // namespace sfb::bench
