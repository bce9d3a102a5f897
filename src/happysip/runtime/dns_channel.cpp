#include "happysip/runtime/dns_channel.hpp"

#include <mutex>
#include <optional>
#include <utility>

namespace happysip::runtime {
namespace {

constexpr int k_class_in = 1;

// ares_library_init is not thread-safe and only needed once per process; it is never
// undone (the library stays usable until exit).
int init_library_once() {
    static std::once_flag once;
    static int status = ARES_SUCCESS;
    std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
    return status;
}

// One query's handler, handed to c-ares as its callback argument and taken back in
// on_answer: c-ares calls every callback exactly once (answer, error, cancel or destroy).
struct PendingQuery {
    DnsChannel::AnswerHandler handler;
};

// How many servers a channel would use: the given ones, else resolv.conf's.
std::optional<int> server_count(const std::string& servers_csv, std::string& error) {
    ares_channel probe = nullptr;
    ares_options opts{};
    if (const int rc = ares_init_options(&probe, &opts, 0); rc != ARES_SUCCESS) {
        error = std::string("c-ares channel init failed: ") + ares_strerror(rc);
        return std::nullopt;
    }
    int rc = ARES_SUCCESS;
    if (!servers_csv.empty()) rc = ares_set_servers_ports_csv(probe, servers_csv.c_str());
    ares_addr_port_node* list = nullptr;
    if (rc == ARES_SUCCESS) rc = ares_get_servers_ports(probe, &list);
    int count = 0;
    for (auto* node = list; node != nullptr; node = node->next)
        ++count;
    ares_free_data(list);
    ares_destroy(probe);
    if (rc != ARES_SUCCESS) {
        error = "c-ares rejected the DNS servers \"" + servers_csv + "\": " + ares_strerror(rc);
        return std::nullopt;
    }
    return count;
}

}  // namespace

DnsChannel::DnsChannel(asio::io_context& io)
    : io_(io), timer_(io), self_(std::make_shared<DnsChannel*>(this)) {}

std::unique_ptr<DnsChannel> DnsChannel::create(asio::io_context& io, const Options& options,
                                               std::string& error) {
    if (const int rc = init_library_once(); rc != ARES_SUCCESS) {
        error = std::string("c-ares library init failed: ") + ares_strerror(rc);
        return nullptr;
    }
    const auto servers = server_count(options.servers_csv, error);
    if (!servers) return nullptr;
    std::unique_ptr<DnsChannel> channel(new DnsChannel(io));
    ares_options opts{};
    opts.sock_state_cb = &DnsChannel::on_socket_state;
    opts.sock_state_cb_data = channel.get();
    opts.timeout = static_cast<int>(options.timeout.count());
    opts.tries = options.tries;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    if (*servers == 1) {
        // c-ares 1.18 answers SERVFAIL/REFUSED by moving to the next server, and when all
        // have failed reports ARES_ECONNREFUSED, losing the RCODE. With one server there
        // is nowhere to move to: let the RCODE through (ARES_ESERVFAIL, ARES_EREFUSED).
        opts.flags = ARES_FLAG_NOCHECKRESP;
        mask |= ARES_OPT_FLAGS;
    }
    if (const int rc = ares_init_options(&channel->channel_, &opts, mask); rc != ARES_SUCCESS) {
        channel->channel_ = nullptr;
        error = std::string("c-ares channel init failed: ") + ares_strerror(rc);
        return nullptr;
    }
    if (!options.servers_csv.empty()) {
        const int rc = ares_set_servers_ports_csv(channel->channel_, options.servers_csv.c_str());
        if (rc != ARES_SUCCESS) {
            error = "c-ares rejected the DNS servers \"" + options.servers_csv +
                    "\": " + ares_strerror(rc);
            return nullptr;
        }
    }
    return channel;
}

DnsChannel::~DnsChannel() {
    self_.reset();
    timer_.cancel();
    // Calls every pending handler with ARES_EDESTRUCTION and reports each socket closed
    // (on_socket_state releases its descriptor before c-ares closes the fd).
    if (channel_ != nullptr) ares_destroy(channel_);
    for (auto& [fd, watcher] : watchers_)
        watcher.descriptor.release();
}

void DnsChannel::query(const std::string& name, int type, AnswerHandler handler) {
    auto pending = std::make_unique<PendingQuery>(PendingQuery{std::move(handler)});
    // Ownership passes to c-ares until on_answer takes it back.
    ares_query(channel_, name.c_str(), k_class_in, type, &DnsChannel::on_answer, pending.release());
    reschedule_timer();
}

void DnsChannel::cancel_all() {
    ares_cancel(channel_);
    reschedule_timer();
}

void DnsChannel::on_answer(void* arg, int status, int /*timeouts*/, unsigned char* answer,
                           int length) {
    std::unique_ptr<PendingQuery> pending(static_cast<PendingQuery*>(arg));
    std::span<const unsigned char> bytes;
    if (answer != nullptr && length > 0)
        bytes = std::span<const unsigned char>(answer, static_cast<std::size_t>(length));
    pending->handler(status, bytes);
}

void DnsChannel::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<DnsChannel*>(data)->watch(fd, readable != 0, writable != 0);
}

void DnsChannel::watch(ares_socket_t fd, bool read, bool write) {
    auto it = watchers_.find(fd);
    if (!read && !write) {
        // c-ares is about to close fd: hand it back untouched (release cancels our waits
        // and removes it from the reactor without closing it).
        if (it != watchers_.end()) {
            it->second.descriptor.release();
            watchers_.erase(it);
        }
        return;
    }
    if (it == watchers_.end()) {
        asio::posix::stream_descriptor descriptor(io_);
        std::error_code ec;
        descriptor.assign(fd, ec);
        // Not watchable (should not happen for sockets): c-ares' own timeout ends the query.
        if (ec) return;
        it = watchers_.emplace(fd, Watcher{std::move(descriptor), next_generation_++}).first;
    }
    it->second.want_read = read;
    it->second.want_write = write;
    arm(fd, it->second);
}

void DnsChannel::arm(ares_socket_t fd, Watcher& watcher) {
    if (watcher.want_read && !watcher.read_pending) arm_one(fd, watcher, true);
    if (watcher.want_write && !watcher.write_pending) arm_one(fd, watcher, false);
}

void DnsChannel::arm_one(ares_socket_t fd, Watcher& watcher, bool readable) {
    (readable ? watcher.read_pending : watcher.write_pending) = true;
    const Token token = self_;
    const std::uint64_t generation = watcher.generation;
    watcher.descriptor.async_wait(readable ? asio::posix::stream_descriptor::wait_read
                                           : asio::posix::stream_descriptor::wait_write,
                                  [token, fd, generation, readable](const std::error_code& ec) {
                                      if (auto self = token.lock())
                                          (*self)->on_ready(fd, generation, readable, ec);
                                  });
}

void DnsChannel::on_ready(ares_socket_t fd, std::uint64_t generation, bool readable,
                          const std::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    auto it = watchers_.find(fd);
    if (it == watchers_.end() || it->second.generation != generation) return;  // stale
    Watcher& watcher = it->second;
    (readable ? watcher.read_pending : watcher.write_pending) = false;
    const bool wanted = readable ? watcher.want_read : watcher.want_write;
    if (wanted) {
        // c-ares reads or writes, and on an error closes the socket and retries elsewhere;
        // answers are delivered from in here through on_answer.
        ares_process_fd(channel_, readable ? fd : ARES_SOCKET_BAD, readable ? ARES_SOCKET_BAD : fd);
    }
    // The socket may be gone, or its number already reused, after ares_process_fd.
    it = watchers_.find(fd);
    if (!ec && it != watchers_.end() && it->second.generation == generation) arm(fd, it->second);
    reschedule_timer();
}

void DnsChannel::reschedule_timer() {
    timeval tv{};
    if (ares_timeout(channel_, nullptr, &tv) == nullptr) {
        timer_.cancel();  // no query pending
        return;
    }
    timer_.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    const Token token = self_;
    timer_.async_wait([token](const std::error_code& ec) {
        if (ec) return;
        auto self = token.lock();
        if (!self) return;
        // No socket is ready: c-ares only looks at its timeouts (retries, next server).
        ares_process_fd((*self)->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        (*self)->reschedule_timer();
    });
}

}  // namespace happysip::runtime
