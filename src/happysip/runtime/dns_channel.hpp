// One c-ares channel driven by an Asio io_context: c-ares tells us (ARES_OPT_SOCK_STATE_CB)
// which of its sockets to watch; each is wrapped in a posix::stream_descriptor only to
// async_wait on it, and released (never closed) when c-ares lets go of it. One
// steady_timer follows ares_timeout() for retransmissions and timeouts. Single-threaded.
// Internal to runtime/: DnsClient is the interface the rest of the stack uses.
#pragma once

// Standard headers first: Asio picks its allocator (aligned_alloc or operator new) from
// libstdc++'s macros, and every translation unit must see the same choice or memory is
// freed with the wrong function (ASan: alloc-dealloc-mismatch).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>

#include <ares.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

namespace happysip::runtime {

class DnsChannel {
  public:
    // Called once per query from inside c-ares (ares_query, ares_process_fd, ares_cancel
    // or the destructor's ares_destroy): with ARES_SUCCESS and the raw response, or a
    // c-ares error status (the response, when there was one, is still passed).
    using AnswerHandler = std::function<void(int ares_status, std::span<const unsigned char>)>;

    struct Options {
        std::string servers_csv;  // empty: the system's resolv.conf
        std::chrono::milliseconds timeout{2000};
        int tries = 2;
    };

    static std::unique_ptr<DnsChannel> create(asio::io_context& io, const Options& options,
                                              std::string& error);
    ~DnsChannel();
    DnsChannel(const DnsChannel&) = delete;
    DnsChannel& operator=(const DnsChannel&) = delete;

    // ares_query: class IN, `name` as given (no search list), recursion desired.
    void query(const std::string& name, int type, AnswerHandler handler);
    // Every pending query's handler runs now with ARES_ECANCELLED.
    void cancel_all();

  private:
    struct Watcher {
        asio::posix::stream_descriptor descriptor;
        std::uint64_t generation = 0;  // fds are reused: tells a stale wait from a live one
        bool want_read = false;
        bool want_write = false;
        bool read_pending = false;
        bool write_pending = false;
    };
    using Token = std::weak_ptr<DnsChannel*>;

    explicit DnsChannel(asio::io_context& io);

    static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
    static void on_answer(void* arg, int status, int timeouts, unsigned char* answer, int length);

    void watch(ares_socket_t fd, bool read, bool write);
    void arm(ares_socket_t fd, Watcher& watcher);
    void arm_one(ares_socket_t fd, Watcher& watcher, bool readable);
    void on_ready(ares_socket_t fd, std::uint64_t generation, bool readable,
                  const std::error_code& ec);
    void reschedule_timer();

    asio::io_context& io_;
    ares_channel channel_ = nullptr;
    std::map<ares_socket_t, Watcher> watchers_;
    std::uint64_t next_generation_ = 1;
    asio::steady_timer timer_;
    // Asio handlers hold a weak reference: one already queued when the channel goes away
    // finds it expired and does nothing.
    std::shared_ptr<DnsChannel*> self_;
};

}  // namespace happysip::runtime
