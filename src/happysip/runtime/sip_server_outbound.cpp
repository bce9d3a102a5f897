// The client half of SipServer: requests it sends for a proxy (RFC 3261 §18.1.1) from its
// own listeners, so that responses and later requests from the peer reach a socket we
// serve. The server half is sip_server.cpp.
#include <asio/post.hpp>
#include <utility>

#include "happysip/runtime/response_route.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/sip/via.hpp"

namespace happysip::runtime {

using eyeballs::Transport;

std::string Destination::text() const {
    return std::string(eyeballs::to_string(transport)) + ":" + to_hostport(address, port);
}

std::optional<Destination> parse_destination(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto transport = transport_named(text.substr(0, colon));
    if (!transport) return std::nullopt;
    Destination d;
    d.transport = *transport;
    std::error_code ec;
    auto hostport = parse_hostport(text.substr(colon + 1), 0, ec);
    if (!hostport || hostport->port == 0) return std::nullopt;
    d.address = hostport->address;
    d.port = hostport->port;
    return d;
}

bool SipServer::forward_response(const sip::Message& response) {
    if (closed_) return false;
    auto vias = response.values(sip::HeaderId::via);
    if (vias.empty()) return false;
    auto via = sip::parse_via(vias.front());
    if (!via) return false;
    if (via->transport_is("UDP")) {
        auto to = udp_response_destination(response);
        const UdpSource source = to ? udp_source_for(to->address(), to->port()) : UdpSource{};
        if (!source.udp) return false;
        source.udp->send_from(source.from, *to, response.serialize(),
                              [this, d = to_hostport(*to)](std::error_code ec) {
                                  if (ec) log("send_failed", "udp:" + d + ": " + ec.message());
                              });
        return true;
    }
    const bool tls = via->transport_is("TLS");
    if (!tls && !via->transport_is("TCP")) return false;
    std::error_code ec;
    auto address = to_asio_address(via->received ? *via->received : via->host.address(), ec);
    if (ec) return false;
    const std::uint16_t port = via->rport ? *via->rport : via->port.value_or(tls ? 5061 : 5060);
    auto c = connections_.find(tls ? Transport::tls : Transport::tcp,
                               asio::ip::tcp::endpoint(address, port));
    if (!c) return false;
    c->send(response.serialize());
    return true;
}

bool SipServer::flow_alive(const Destination& to) {
    if (closed_) return false;
    if (to.transport == Transport::udp)
        return udp_for(to.address) != nullptr && (!to.existing_flow_only || udp_flow_alive(to));
    return connections_.find(to.transport, asio::ip::tcp::endpoint(to.address, to.port)) != nullptr;
}

bool SipServer::mark_flow(const RequestSource& source) {
    if (closed_) return false;
    if (source.transport == Transport::udp) return mark_udp_flow(source);
    auto c = connections_.find(source.transport,
                               asio::ip::tcp::endpoint(source.remote_address, source.remote_port));
    if (!c) return false;
    c->mark_flow();
    return true;
}

SipServer::UdpSource SipServer::udp_source_for(const asio::ip::address& to,
                                               std::uint16_t port) const {
    if (port != 0 && !udp_flows_.empty()) {
        const UdpFlowLookup flow = find_udp_flow(to, port);
        if (flow.alive) return {udp_[*flow.alive].get(), flow.local};
    }
    eyeballs::Family family = family_of(to);
    for (const auto& t : udp_)
        if (t->local_endpoint(family)) return {t.get(), {}};
    return {};
}

namespace {

// The local address the kernel would send from to reach `to` (a UDP connect sends nothing).
std::optional<asio::ip::address> routed_source(asio::io_context& io, const asio::ip::address& to) {
    std::error_code ec;
    asio::ip::udp::socket probe(io);
    probe.open(to.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
    if (!ec) probe.connect(asio::ip::udp::endpoint(to, 5060), ec);
    if (ec) return std::nullopt;
    auto local = probe.local_endpoint(ec);
    if (ec) return std::nullopt;
    return local.address();
}

}  // namespace

// Asking the kernel is four system calls (socket, connect, getsockname, close) for every
// request a wildcard listener forwards; routes change rarely, so an answer is kept for
// k_routed_source_ttl (after a route change a Via may name the old address that long; it
// is still ours while the interface is up). Bounded: the map is emptied when full.
std::optional<asio::ip::address> SipServer::routed_source_cached(
    const asio::ip::address& to) const {
    constexpr auto k_routed_source_ttl = std::chrono::seconds(30);
    constexpr std::size_t k_routed_source_max = 4096;
    const auto now = std::chrono::steady_clock::now();
    if (auto it = routed_sources_.find(to); it != routed_sources_.end() && it->second.until > now)
        return it->second.source;
    auto source = routed_source(io_, to);
    if (!source) return std::nullopt;
    if (routed_sources_.size() >= k_routed_source_max) routed_sources_.clear();
    routed_sources_[to] = {*source, now + k_routed_source_ttl};
    return source;
}

std::string SipServer::via_sent_by(Transport transport, const asio::ip::address& to) const {
    return via_sent_by(transport, to, 0);
}

std::string SipServer::via_sent_by(const Destination& to) const {
    return via_sent_by(to.transport, to.address, to.port);
}

std::string SipServer::via_sent_by(Transport transport, const asio::ip::address& to,
                                   std::uint16_t to_port) const {
    eyeballs::Family family = family_of(to);
    std::optional<asio::ip::address> address;
    std::uint16_t port = 0;
    if (transport == Transport::udp) {
        const UdpSource source = udp_source_for(to, to_port);
        if (source.udp) {
            auto local = source.udp->local_endpoint(family);
            // A wildcard listener: the address a UA's flow was registered to, if any.
            address = source.from.is_unspecified() ? local->address() : source.from;
            port = local->port();
        }
    } else {
        for (const auto& l : listeners_) {
            auto local = l->local_endpoint();
            if (local && l->is_tls() == (transport == Transport::tls) &&
                family_of(local->address()) == family) {
                address = local->address();
                port = local->port();
                break;
            }
        }
    }
    if (!address) return {};
    if (address->is_unspecified()) address = routed_source_cached(to);  // a wildcard's pick
    if (!address) return {};
    return to_hostport(*address, port);
}

void SipServer::send_request(const Destination& to, std::string bytes,
                             std::function<void(std::string)> on_error, std::string transaction) {
    auto fail = [this, &on_error](std::string detail) {
        if (on_error) asio::post(io_, [cb = std::move(on_error), d = std::move(detail)] { cb(d); });
    };
    if (closed_) return fail("server closed");
    if (to.transport != Transport::udp)
        return send_stream(to, std::move(bytes), std::move(on_error), std::move(transaction));
    const UdpSource source = udp_source_for(to.address, to.port);
    if (!source.udp) return fail("no UDP listener for " + to.text());
    // RFC 5626 §5.3: not over a flow known to have failed (the proxy checks flow_alive
    // first; this keeps a late request from going out on it anyway).
    if (to.existing_flow_only && !udp_flow_alive(to)) {
        log("flow_failed", to.text() + ": no keep-alive or message");
        return fail(to.text() + ": flow failed (no keep-alive or message)");
    }
    source.udp->send_from(source.from, {to.address, to.port}, std::move(bytes),
                          [this, to, on_error = std::move(on_error)](std::error_code ec) {
                              if (!ec) return;
                              log("send_failed", to.text() + ": " + ec.message());
                              if (on_error) on_error(to.text() + ": " + ec.message());
                          });
}

namespace {

// Why StreamConnection::send refused, in words for on_error.
std::string send_refused(const Destination& to, std::error_code ec) {
    if (ec == std::errc::no_buffer_space)
        return to.text() + ": not sent: more than " +
               std::to_string(StreamConnection::k_max_queued_before_open) +
               " bytes would wait for the connection to come up";
    return to.text() + ": not sent: " + ec.message();
}

}  // namespace

void SipServer::send_stream(const Destination& to, std::string bytes,
                            std::function<void(std::string)> on_error, std::string transaction) {
    auto refused = [this, &to, &on_error](std::error_code ec) {
        std::string detail = send_refused(to, ec);
        log("send_failed", detail);
        if (on_error) asio::post(io_, [cb = std::move(on_error), d = std::move(detail)] { cb(d); });
    };
    // Once a connection took the bytes, a named request's error is its connection's end.
    auto taken = [this, &on_error, &transaction](const std::shared_ptr<StreamConnection>& c) {
        if (!transaction.empty()) pending_.add(std::move(transaction), c, std::move(on_error));
    };
    asio::ip::tcp::endpoint remote(to.address, to.port);
    if (auto c = connections_.find(to.transport, remote)) {
        if (auto ec = c->send(std::move(bytes))) return refused(ec);
        return taken(c);
    }
    if (to.existing_flow_only) {
        log("flow_failed", to.text() + ": the connection is gone");
        if (on_error)
            asio::post(io_, [cb = std::move(on_error), d = to.text()] {
                cb(d + ": flow failed (connection closed)");
            });
        return;
    }
    ConnectionTable::Key key{to.transport, remote};
    if (auto it = connecting_.find(key); it != connecting_.end()) {
        if (auto c = it->second.lock()) {
            // Queued until the connection is up, within StreamConnection's bound.
            if (auto ec = c->send(std::move(bytes))) return refused(ec);
            return taken(c);
        }
        connecting_.erase(it);
    }
    // Never queued whatever comes: no connection for it.
    if (bytes.size() > StreamConnection::k_max_queued_before_open)
        return refused(std::make_error_code(std::errc::no_buffer_space));
    std::optional<TlsClientConfig> tls;
    if (to.transport == Transport::tls)
        tls = TlsClientConfig{to.server_name.empty() ? to.address.to_string() : to.server_name,
                              options_.tls_ca_file, options_.tls_verify};
    // A named request's on_error is filed with the connection (taken, below), so that the
    // connect's failure reaches it and every other request queued on it alike.
    auto first_error = transaction.empty() ? std::move(on_error) : nullptr;
    auto c = StreamConnection::connect(
        io_, remote, tls,
        [this, alive = std::weak_ptr<bool>(alive_), key, to, on_error = std::move(first_error)](
            std::error_code ec, std::string detail) mutable {
            // The server was destroyed with this connect pending (close_all ended it): its
            // members are gone, and so, most likely, is whatever on_error would report to.
            if (alive.expired()) return;
            auto it = connecting_.find(key);
            std::weak_ptr<StreamConnection> weak;
            if (it != connecting_.end()) weak = std::exchange(it->second, {});
            auto connection = weak.lock();
            if (it != connecting_.end()) connecting_.erase(it);
            if (ec) {
                log("connect_failed", to.text() + ": " + detail);
                if (on_error) on_error(detail);
                fail_pending(weak, detail);
                return;
            }
            if (connection)
                serve(std::move(connection));
            else  // gone before it came up: keyed by owner, its requests are still found
                fail_pending(weak, "connection closed before it was up");
        });
    connecting_[key] = c;
    c->send(std::move(bytes));  // within the bound: checked above
    taken(c);
}

void SipServer::fail_pending(const std::weak_ptr<StreamConnection>& connection,
                             const std::string& why) {
    if (pending_.empty() || closed_) return;
    // Taken first: a handler may send (and file) new requests, or release others.
    auto handlers = pending_.take(connection);
    counters_.pending_requests_failed += handlers.size();
    for (auto& on_error : handlers)
        on_error(why);
}

}  // namespace happysip::runtime
