// SipServer's listeners and connections: listen() opens a UDP transport or a TCP/TLS
// listener and wires it to receive(); serve() adopts each accepted (or outgoing)
// connection; the idle sweep closes the connections and flows that went silent
// (RFC 5626 §4.4.1). The request path itself is in sip_server.cpp.
#include <algorithm>

#include "happysip/runtime/bad_request_reply.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/udp_transport.hpp"

namespace happysip::runtime {

using eyeballs::Transport;

SipServer::Listening SipServer::listen(const ListenSpec& spec,
                                       std::shared_ptr<asio::ssl::context> tls) {
    std::error_code ec;
    std::string local;
    if (spec.transport == Transport::udp) {
        // Flow keys number the socket with a byte; listeners past 255 share the last number.
        const auto socket = static_cast<std::uint8_t>(std::min<std::size_t>(udp_.size(), 255));
        auto& t = udp_.emplace_back(std::make_unique<UdpTransport>(io_));
        ec = t->open({spec.at.address, spec.at.port});
        if (!ec) {
            local = to_hostport(*t->local_endpoint(family_of(spec.at.address)));
            // RFC 5626 §4.4.2: every datagram from a tracked flow refreshes it.
            t->on_keepalive(
                [this, socket](const asio::ip::udp::endpoint& from) { heard_udp(socket, from); });
            // `to`: on a wildcard listener the address the request was sent to (which of
            // the host's), else the listener's own.
            const std::uint16_t port = t->local_endpoint(family_of(spec.at.address))->port();
            t->on_message([this, raw = t.get(), socket, port](sip::Message m,
                                                              const asio::ip::udp::endpoint& from,
                                                              const asio::ip::address& to) {
                heard_udp(socket, from);
                Route route;
                route.source = {Transport::udp, from.address(), from.port(), to, port};
                route.udp = raw;
                route.udp_source = from;
                receive(std::move(m), std::move(route));
            });
            t->on_send_error([this](std::error_code failure, const asio::ip::udp::endpoint& to) {
                log("send_failed", to_hostport(to) + ": " + failure.message());
            });
            t->on_bad_datagram([this, raw = t.get(), socket](
                                   std::string detail, const asio::ip::udp::endpoint& from,
                                   const asio::ip::address& to, std::string_view datagram) {
                heard_udp(socket, from);
                log("bad_datagram", to_hostport(from) + ": " + detail);
                // Stateless, to the source address (RFC 3581 behaviour): the Via may be the
                // very thing that did not parse.
                if (auto reply = bad_request_reply(datagram, detail))
                    raw->send_from(to, from, *reply);
            });
        }
    } else {
        if (spec.transport == Transport::tls && !tls)
            return {{}, spec.text + " needs a TLS certificate and key"};
        auto& l = listeners_.emplace_back(std::make_unique<StreamListener>(io_));
        ec = l->open({spec.at.address, spec.at.port},
                     spec.transport == Transport::tls ? std::move(tls) : nullptr);
        if (!ec) {
            local = to_hostport(*l->local_endpoint());
            l->on_accept([this](std::shared_ptr<StreamConnection> c) { serve(std::move(c)); });
            l->on_error([this](std::error_code, std::string detail, const auto& remote) {
                if (remote.port() == 0) return log("accept_failed", detail);  // EMFILE...
                log("tls_handshake_failed", to_hostport(remote) + ": " + detail);
            });
        }
    }
    if (ec) return {{}, "cannot listen on " + spec.text + ": " + ec.message()};
    return {std::string(eyeballs::to_string(spec.transport)) + ":" + local, {}};
}

void SipServer::serve(std::shared_ptr<StreamConnection> c) {
    if (stopping_) {
        // A connect that completed during the grace period: what waits on it fails now,
        // not at Timer B/F (on_closed is not wired yet, so nothing else would tell).
        fail_pending(c, "server stopping");
        c->close();
        return;
    }
    connections_.add(c);
    arm_idle_sweep();
    Route route;
    const auto local = c->local_endpoint().value_or(asio::ip::tcp::endpoint());
    route.source = {c->is_tls() ? Transport::tls : Transport::tcp, c->remote_endpoint().address(),
                    c->remote_endpoint().port(), local.address(), local.port()};
    route.stream = c;
    std::string peer = route.source.text();
    if (c->is_tls()) count_tls_handshake(*c, peer);
    // RFC 3261 §18.4: the requests still waiting for an answer over it fail now.
    c->on_closed([this, alive = std::weak_ptr<bool>(alive_), weak = std::weak_ptr(c),
                  peer = std::move(peer)](std::error_code, const std::string& detail) {
        if (alive.expired()) return;  // closed with the server
        fail_pending(weak, peer + ": connection closed (" + detail + ")");
    });
    c->on_message([this, route](sip::Message m) { receive(std::move(m), Route(route)); });
    c->on_bad_message([this, remote = route.source.remote_text(), weak = std::weak_ptr(c)](
                          std::string detail, std::string_view frame) {
        log("bad_message", remote + ": " + detail);
        if (auto reply = bad_request_reply(frame, detail)) {
            if (auto connection = weak.lock()) connection->send(*reply);
        }
    });
}

// Resumed handshakes cost a fraction of full ones (docs/benchmarks.md): how many of each a
// server sees tells whether its clients keep their sessions.
void SipServer::count_tls_handshake(const StreamConnection& c, const std::string& peer) {
    const bool resumed = c.tls_resumed();
    ++(resumed ? counters_.tls_resumed_handshakes : counters_.tls_full_handshakes);
    if (debug_) debug_("tls_handshake", peer + ": resumed=" + (resumed ? "yes" : "no"));
}

// One timer for every connection (a server may hold 100,000 flows): armed while the table
// tracks any; each run looks only at the connections whose deadline has come.
void SipServer::arm_idle_sweep() {
    const bool any =
        options_.first_message_timeout.count() > 0 || options_.flow_idle_timeout.count() > 0;
    if (sweep_armed_ || closed_ || !any || options_.idle_sweep_interval.count() <= 0) return;
    sweep_armed_ = true;
    sweep_timer_.expires_after(options_.idle_sweep_interval);
    sweep_timer_.async_wait([this](std::error_code ec) {
        // Cancelled: the server may be gone already (it cancels in close_all, never re-arms).
        if (ec) return;
        sweep_armed_ = false;
        if (closed_) return;
        sweep_idle();
        if (connections_.idle_tracked() || !udp_flows_.empty()) arm_idle_sweep();
    });
}

void SipServer::sweep_idle() {
    using Reason = ConnectionTable::IdleReason;
    const auto now = std::chrono::steady_clock::now();
    ConnectionTable::IdleLimits limits{options_.first_message_timeout, options_.flow_idle_timeout};
    connections_.close_idle(
        now, limits,
        [this](const std::shared_ptr<StreamConnection>& c, Reason reason,
               ConnectionTable::Duration silent) {
            const bool flow = reason == Reason::flow_silent;
            ++(flow ? counters_.idle_flows_closed : counters_.no_message_closed);
            std::string peer = (c->is_tls() ? "tls:" : "tcp:") + to_hostport(c->remote_endpoint());
            // RFC 5626 §4.4.1: a flow whose keep-alives stopped has failed.
            if (flow)
                return log_idle("flow_idle_closed", peer, "no keep-alive or message for ", silent);
            log_idle("connection_idle_closed", peer, "no SIP message in ", silent);
        });
    sweep_udp_flows(now);
}

// "tcp:192.0.2.1:5060: no keep-alive or message for 130.0 s"
void SipServer::log_idle(std::string_view event, const std::string& peer, std::string_view what,
                         std::chrono::steady_clock::duration silent) const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(silent).count();
    log(event, peer + ": " + std::string(what) + std::to_string(ms / 1000) + "." +
                   std::to_string(ms % 1000 / 100) + " s");
}

}  // namespace happysip::runtime
