#include "happysip/runtime/udp_transport.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "happysip/runtime/burst_scope.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/stun/keepalive_responder.hpp"

namespace happysip::runtime {

namespace {
// RFC 3261 §18.1.1 lets a UDP message reach 65535 bytes less the headers.
constexpr std::size_t k_max_datagram = 65535;
// Datagrams read in one go once the socket is readable: fewer trips through the reactor
// under load, and a burst is one handler, so work posted by the first datagram's handler
// (a group commit of registrations) runs once after the whole burst.
constexpr std::size_t k_burst = 32;
// Datagrams per recvmmsg(2), each into a buffer of k_max_datagram: a burst is up to four
// calls. A call that returns fewer than this found the queue empty, so no call is spent
// on the EAGAIN that used to end every burst (one per datagram at low rates).
constexpr std::size_t k_read_batch = 8;
// Datagrams handed to the kernel per sendmmsg(2).
constexpr std::size_t k_send_batch = 64;
// Socket buffers for bursts: the kernel default (208 KiB) overflows at a few thousand
// calls per second while the single-threaded loop is busy, and every dropped datagram
// costs a 500 ms retransmission (Timer A/E).
constexpr int k_socket_buffer = 8 << 20;

// SO_RCVBUFFORCE/SO_SNDBUFFORCE pass net.core.[rw]mem_max when we may (CAP_NET_ADMIN);
// otherwise the plain options take what the limit allows.
void enlarge_buffers(int fd) {
    const int size = k_socket_buffer;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

bool is_crlf_keepalive(std::string_view d) noexcept {
    return !d.empty() && d.find_first_not_of("\r\n") == std::string_view::npos;
}

// Room for one IP_PKTINFO or IPV6_PKTINFO control message, aligned for cmsghdr so that an
// array of them keeps each aligned.
struct alignas(cmsghdr) PktinfoControl {
    char bytes[CMSG_SPACE(sizeof(in6_pktinfo))];
};
static_assert(sizeof(in6_pktinfo) >= sizeof(in_pktinfo));

// Asks the kernel for each datagram's destination address (ip(7), ipv6(7)).
std::error_code enable_pktinfo(int fd, bool v6) {
    const int on = 1;
    const int r = v6 ? ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on)
                     : ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    if (r != 0) return {errno, std::system_category()};
    return {};
}

// The local address a received datagram's control data names, the one to answer from:
// for IPv4 the kernel's ipi_spec_dst (the destination itself, or for a broadcast the
// receiving interface's address), for IPv6 the destination unless it is multicast.
// Unspecified when there is none.
asio::ip::address destination_of(msghdr& h) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            asio::ip::address_v4::bytes_type bytes;
            std::memcpy(bytes.data(), &info.ipi_spec_dst, bytes.size());
            return asio::ip::address_v4(bytes);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            in6_pktinfo info;
            std::memcpy(&info, CMSG_DATA(c), sizeof info);
            asio::ip::address_v6::bytes_type bytes;
            std::memcpy(bytes.data(), &info.ipi6_addr, bytes.size());
            const asio::ip::address_v6 to(bytes);
            if (to.is_multicast()) return {};
            return to;
        }
    }
    return {};
}

// One control message of `level`/`type` carrying `data`, as `h`'s only one.
template <class Data>
void put_control(msghdr& h, PktinfoControl& control, int level, int type, const Data& data) {
    static_assert(sizeof(Data) <= sizeof(in6_pktinfo));
    auto* c = reinterpret_cast<cmsghdr*>(control.bytes);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sizeof data);
    std::memcpy(CMSG_DATA(c), &data, sizeof data);
    h.msg_control = control.bytes;
    h.msg_controllen = CMSG_SPACE(sizeof data);
}

// Makes `h` leave from `from` (ip(7) IP_PKTINFO's ipi_spec_dst, ipv6(7) IPV6_PKTINFO).
void set_source(msghdr& h, PktinfoControl& control, const asio::ip::address& from) {
    if (from.is_v4()) {
        in_pktinfo info{};
        const auto bytes = from.to_v4().to_bytes();
        std::memcpy(&info.ipi_spec_dst, bytes.data(), bytes.size());
        put_control(h, control, IPPROTO_IP, IP_PKTINFO, info);
    } else {
        in6_pktinfo info{};
        const auto bytes = from.to_v6().to_bytes();
        std::memcpy(&info.ipi6_addr, bytes.data(), bytes.size());
        put_control(h, control, IPPROTO_IPV6, IPV6_PKTINFO, info);
    }
}
}  // namespace

struct UdpTransport::State : std::enable_shared_from_this<UdpTransport::State> {
    struct Outgoing {
        asio::ip::udp::endpoint to;
        std::string bytes;
        std::function<void(std::error_code)> done;
        asio::ip::address from;  // unspecified: routing picks (always, but on a wildcard)
    };
    struct Socket {
        explicit Socket(asio::io_context& io) : socket(io) {}
        asio::ip::udp::socket socket;
        // Where it is bound (the real port when 0 was asked), read once: a proxy asks for
        // it for every Via and Record-Route it writes, and each ask was a getsockname(2).
        asio::ip::udp::endpoint local;
        // Bound to 0.0.0.0 or [::]: datagrams come with their destination (IP_PKTINFO).
        bool wildcard = false;
        // recvmmsg's buffers and sources. Not zeroed: only the pages datagrams land on
        // become resident.
        std::unique_ptr<char[]> buffers =
            std::make_unique_for_overwrite<char[]>(k_read_batch * k_max_datagram);
        std::array<asio::ip::udp::endpoint, k_read_batch> sources{};
        std::array<std::string_view, k_read_batch> received{};  // views into `buffers`
        // On a wildcard socket: where each was sent, and the control data that said so.
        std::array<asio::ip::address, k_read_batch> destinations{};
        std::array<PktinfoControl, k_read_batch> control{};
        // Sends queue up while a handler runs and leave together, one sendmmsg per batch,
        // once it returns: one system call (and one chance for the woken peer to preempt
        // us) per batch instead of per datagram.
        std::vector<Outgoing> out;
        // The last flush's batch, emptied: the next takes it, so a burst's sends do not
        // allocate a vector each time.
        std::vector<Outgoing> spare;
        bool flush_posted = false;
        // The transport's SendErrorHandler (a copy per socket: a flush may outlive State).
        SendErrorHandler on_send_error;
    };

    explicit State(asio::io_context& io_) : io(io_) {}

    std::shared_ptr<Socket>& slot(eyeballs::Family f) {
        return f == eyeballs::Family::ipv6 ? v6 : v4;
    }

    // Waits for the socket to be readable, then reads a burst. asio's epoll is
    // edge-triggered, but its async_wait re-arms the descriptor (EPOLL_CTL_MOD), which makes
    // the kernel look at the queue again: datagrams left behind are never stranded. A
    // burst that stops at k_burst still goes on through post(), which costs no system call.
    void receive(std::shared_ptr<Socket> s) {
        Socket& sock = *s;
        sock.socket.async_wait(asio::socket_base::wait_read,
                               [self = shared_from_this(), s = std::move(s)](std::error_code ec) {
                                   if (ec == asio::error::operation_aborted || !s->socket.is_open())
                                       return;
                                   self->read_burst(s);
                               });
    }

    void read_burst(const std::shared_ptr<Socket>& s) {
        bool drained = false;
        {
            // The sends and group commits of the burst's messages run when it ends, in one
            // go, not as handlers of their own (burst_scope.hpp).
            BurstScope scope;
            drained = read_into(s);
        }
        if (!s->socket.is_open()) return;
        if (drained)
            receive(s);
        else
            asio::post(io, [self = shared_from_this(), s] {
                if (s->socket.is_open()) self->read_burst(s);
            });
    }

    // Reads and delivers up to k_burst datagrams; true when the queue was found empty.
    bool read_into(const std::shared_ptr<Socket>& s) {
        bool drained = false;
        for (std::size_t total = 0; total < k_burst && s->socket.is_open();) {
            const int got = read_batch(*s);
            if (got < 0 && errno == EINTR) continue;
            // EAGAIN: nothing there (a datagram read by the previous burst left its edge).
            // Other failures of an unconnected socket (ICMP errors are not queued on it
            // without IP_RECVERR) leave nothing to read now either.
            if (got < 0) {
                drained = true;
                break;
            }
            for (int i = 0; i < got && s->socket.is_open(); ++i) {
                const auto n = static_cast<std::size_t>(i);
                deliver(s, s->sources[n], s->wildcard ? s->destinations[n] : s->local.address(),
                        s->received[n]);
            }
            total += static_cast<std::size_t>(got);
            if (static_cast<std::size_t>(got) < k_read_batch) {
                drained = true;
                break;
            }
        }
        return drained;
    }

    // One recvmmsg(2) into the socket's buffers: how many datagrams (their bytes and
    // sources in the socket's `received` and `sources`), or -1 with errno.
    int read_batch(Socket& sock) {
        std::array<mmsghdr, k_read_batch> msgs{};
        std::array<iovec, k_read_batch> iov{};
        for (std::size_t i = 0; i < k_read_batch; ++i) {
            iov[i] = {sock.buffers.get() + i * k_max_datagram, k_max_datagram};
            msgs[i].msg_hdr.msg_name = sock.sources[i].data();
            msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(sock.sources[i].capacity());
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            if (sock.wildcard) {
                msgs[i].msg_hdr.msg_control = sock.control[i].bytes;
                msgs[i].msg_hdr.msg_controllen = sizeof sock.control[i].bytes;
            }
        }
        const int got = ::recvmmsg(sock.socket.native_handle(), msgs.data(),
                                   static_cast<unsigned>(k_read_batch), MSG_DONTWAIT, nullptr);
        for (int i = 0; i < got; ++i) {
            const auto n = static_cast<std::size_t>(i);
            sock.sources[n].resize(msgs[n].msg_hdr.msg_namelen);
            sock.received[n] =
                std::string_view(sock.buffers.get() + n * k_max_datagram, msgs[n].msg_len);
            if (sock.wildcard) sock.destinations[n] = destination_of(msgs[n].msg_hdr);
        }
        return got;
    }

    void deliver(const std::shared_ptr<Socket>& s, const asio::ip::udp::endpoint& from,
                 const asio::ip::address& to, std::string_view datagram) {
        // Every datagram pays for this test: for SIP it ends at the first byte (a start
        // line or CRLF, never below 4).
        if (stun::looks_like_stun(datagram)) {
            if (on_keepalive) on_keepalive(from);
            answer_stun(s, from, to, datagram);
            return;
        }
        if (is_crlf_keepalive(datagram)) {
            ++counters.crlf;
            if (on_keepalive) on_keepalive(from);
            return;
        }
        auto parsed = sip::parse_message(datagram);
        if (!parsed) {
            if (on_bad) on_bad(parsed.error().to_string(), from, to, datagram);
            return;
        }
        if (on_message) on_message(std::move(*parsed), from, to);
    }

    // RFC 5626 §8 / RFC 5389 §7.3: the answer goes to the datagram's source only, from the
    // socket and address it arrived on (the NAT's binding is to those), and exists only for
    // requests (never for a response, so two servers cannot bounce a message between them).
    void answer_stun(const std::shared_ptr<Socket>& s, const asio::ip::udp::endpoint& from,
                     const asio::ip::address& to, std::string_view datagram) {
        stun::Reply reply = stun::answer_keepalive(datagram, stun_address(from));
        switch (reply.kind) {
            case stun::ReplyKind::binding_success:
                ++counters.stun_success;
                break;
            case stun::ReplyKind::bad_request:
            case stun::ReplyKind::unknown_attribute:
                ++counters.stun_error;
                break;
            case stun::ReplyKind::ignored:
                ++counters.stun_ignored;
                return;
        }
        queue(s, {from, std::move(reply.bytes), {}, s->wildcard ? to : asio::ip::address()});
    }

    // Queues one datagram; the flush runs at the end of the UDP burst being handled, or
    // once the current handler returns.
    void queue(const std::shared_ptr<Socket>& s, Outgoing o) {
        s->out.push_back(std::move(o));
        if (!s->flush_posted) {
            s->flush_posted = true;
            if (!BurstScope::defer([s] { flush(s); })) asio::post(io, [s] { flush(s); });
        }
    }

    // Hands the queued datagrams to the kernel; `done` of each runs here, after its
    // sendmmsg. A full socket buffer (EAGAIN) waits for the socket to be writable.
    static void flush(const std::shared_ptr<Socket>& s) {
        s->flush_posted = false;
        // Taken out first: a `done` may queue new datagrams (they get their own flush).
        std::vector<Outgoing> batch = std::exchange(s->out, std::move(s->spare));
        s->spare = {};
        std::size_t next = 0;
        bool blocked = false;
        while (next < batch.size() && s->socket.is_open()) {
            const std::size_t n = std::min(k_send_batch, batch.size() - next);
            std::array<mmsghdr, k_send_batch> msgs{};
            std::array<iovec, k_send_batch> iov{};
            std::array<PktinfoControl, k_send_batch> control;  // written where used
            for (std::size_t i = 0; i < n; ++i) {
                Outgoing& o = batch[next + i];
                iov[i] = {o.bytes.data(), o.bytes.size()};
                msgs[i].msg_hdr.msg_name = o.to.data();
                msgs[i].msg_hdr.msg_namelen = static_cast<socklen_t>(o.to.size());
                msgs[i].msg_hdr.msg_iov = &iov[i];
                msgs[i].msg_hdr.msg_iovlen = 1;
                if (!o.from.is_unspecified()) set_source(msgs[i].msg_hdr, control[i], o.from);
            }
            const int sent = ::sendmmsg(s->socket.native_handle(), msgs.data(),
                                        static_cast<unsigned>(n), MSG_DONTWAIT);
            if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                blocked = true;
                break;
            }
            if (sent < 0) {  // the first datagram failed (EPERM, ENETUNREACH...): skip it
                const std::error_code failure(errno, std::system_category());
                if (auto& done = batch[next].done) {
                    done(failure);
                } else if (s->on_send_error) {
                    s->on_send_error(failure, batch[next].to);
                }
                ++next;
                continue;
            }
            // sendmmsg(2): after a partial send the next call reports the failing one.
            for (int i = 0; i < sent; ++i)
                if (auto& done = batch[next + static_cast<std::size_t>(i)].done) done({});
            next += static_cast<std::size_t>(sent);
        }
        if (!s->socket.is_open()) return;
        if (blocked)  // the unsent ones go first, before anything queued meanwhile
            s->out.insert(s->out.begin(), std::make_move_iterator(batch.begin() + next),
                          std::make_move_iterator(batch.end()));
        batch.clear();
        if (s->spare.capacity() < batch.capacity()) s->spare = std::move(batch);
        if (s->out.empty() || s->flush_posted) return;
        s->flush_posted = true;
        if (blocked)
            s->socket.async_wait(asio::socket_base::wait_write, [s](std::error_code) { flush(s); });
        else
            asio::post(s->socket.get_executor(), [s] { flush(s); });
    }

    asio::io_context& io;
    std::shared_ptr<Socket> v4;
    std::shared_ptr<Socket> v6;
    MessageHandler on_message;
    SendErrorHandler on_send_error;
    BadDatagramHandler on_bad;
    KeepaliveHandler on_keepalive;
    KeepaliveCounters counters;
};

bool is_udp_keepalive(std::string_view d) noexcept {
    return stun::looks_like_stun(d) || is_crlf_keepalive(d);
}

stun::TransportAddress stun_address(const asio::ip::udp::endpoint& ep) {
    if (ep.address().is_v4())
        return stun::TransportAddress::v4(ep.address().to_v4().to_bytes(), ep.port());
    return stun::TransportAddress::v6(ep.address().to_v6().to_bytes(), ep.port());
}

UdpTransport::UdpTransport(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

UdpTransport::~UdpTransport() {
    close();
}

std::error_code UdpTransport::open(const asio::ip::udp::endpoint& local) {
    auto& slot = state_->slot(family_of(local.address()));
    if (slot && slot->socket.is_open()) return asio::error::already_open;
    auto s = std::make_shared<State::Socket>(state_->io);
    s->on_send_error = state_->on_send_error;
    std::error_code ec;
    s->socket.open(local.protocol(), ec);
    if (ec) return ec;
    if (local.address().is_v6()) s->socket.set_option(asio::ip::v6_only(true), ec);
    s->wildcard = local.address().is_unspecified();
    if (!ec && s->wildcard) ec = enable_pktinfo(s->socket.native_handle(), local.address().is_v6());
    if (!ec) s->socket.bind(local, ec);
    if (!ec) s->socket.non_blocking(true, ec);  // the burst reads must never wait
    if (!ec) enlarge_buffers(s->socket.native_handle());
    if (!ec) s->local = s->socket.local_endpoint(ec);
    if (ec) {
        std::error_code ignored;
        s->socket.close(ignored);
        return ec;
    }
    slot = s;
    state_->receive(std::move(s));
    return {};
}

std::optional<asio::ip::udp::endpoint> UdpTransport::local_endpoint(eyeballs::Family f) const {
    const auto& s = state_->slot(f);
    if (!s || !s->socket.is_open()) return std::nullopt;
    return s->local;
}

void UdpTransport::send(const asio::ip::udp::endpoint& to, std::string bytes,
                        std::function<void(std::error_code)> done) {
    send_from({}, to, std::move(bytes), std::move(done));
}

void UdpTransport::send_from(const asio::ip::address& from, const asio::ip::udp::endpoint& to,
                             std::string bytes, std::function<void(std::error_code)> done) {
    auto s = state_->slot(family_of(to.address()));
    if (!s || !s->socket.is_open()) {
        if (done) {
            asio::post(state_->io, [done = std::move(done)] {
                done(asio::error::address_family_not_supported);
            });
        } else if (state_->on_send_error) {
            asio::post(state_->io, [handler = state_->on_send_error, to] {
                handler(asio::error::address_family_not_supported, to);
            });
        }
        return;
    }
    // A v4-mapped destination goes out of the IPv4 socket as the plain IPv4 address.
    const bool mapped = to.address().is_v6() && to.address().to_v6().is_v4_mapped();
    asio::ip::udp::endpoint dest = to;
    if (mapped)
        dest = {asio::ip::make_address_v4(asio::ip::v4_mapped, to.address().to_v6()), to.port()};
    // A source only where routing would otherwise pick one, and of the datagram's family.
    const bool pick =
        s->wildcard && !mapped && !from.is_unspecified() && from.is_v4() == to.address().is_v4();
    state_->queue(s, {dest, std::move(bytes), std::move(done), pick ? from : asio::ip::address()});
}

void UdpTransport::on_send_error(SendErrorHandler handler) {
    state_->on_send_error = std::move(handler);
    for (auto* s : {&state_->v4, &state_->v6})
        if (*s) (*s)->on_send_error = state_->on_send_error;
}

void UdpTransport::on_message(MessageHandler handler) {
    state_->on_message = std::move(handler);
}

void UdpTransport::on_bad_datagram(BadDatagramHandler handler) {
    state_->on_bad = std::move(handler);
}

void UdpTransport::on_keepalive(KeepaliveHandler handler) {
    state_->on_keepalive = std::move(handler);
}

const UdpTransport::KeepaliveCounters& UdpTransport::keepalive_counters() const noexcept {
    return state_->counters;
}

void UdpTransport::close() {
    for (auto* slot : {&state_->v4, &state_->v6}) {
        if (!*slot) continue;
        std::error_code ignored;
        (*slot)->socket.close(ignored);
    }
}

}  // namespace happysip::runtime
