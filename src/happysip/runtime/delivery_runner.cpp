#include "happysip/runtime/delivery_runner.hpp"

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <utility>
#include <vector>

#include "happysip/runtime/dns_client.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/udp_transport.hpp"

namespace happysip::runtime {

using client::DeliveryAction;
using eyeballs::Candidate;
using eyeballs::Transport;

Instant steady_now() {
    return Instant{
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

namespace {

std::chrono::steady_clock::time_point to_steady(Instant t) {
    return std::chrono::steady_clock::time_point{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch())};
}

using PoolKey = std::tuple<Transport, std::string, std::uint16_t>;

}  // namespace

struct DeliveryRunner::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::io_context& io_, UdpTransport& udp_, DnsClient& dns_, TlsClientConfig tls_)
        : io(io_), udp(udp_), dns(dns_), tls(std::move(tls_)), timer(io_) {}

    asio::io_context& io;
    UdpTransport& udp;
    DnsClient& dns;
    TlsClientConfig tls;
    asio::steady_timer timer;

    client::RequestDelivery* delivery = nullptr;
    std::function<void()> done;
    std::uint64_t generation = 0;  // callbacks of an earlier delivery are ignored
    std::map<std::size_t, std::shared_ptr<StreamConnection>> connections;  // by attempt
    std::map<PoolKey, std::shared_ptr<StreamConnection>> pool;

    // Runs `f(delivery)` if it is still the delivery of generation `gen`, then carries out
    // whatever the delivery asked for.
    template <class F>
    auto guarded(F f) {
        return [weak = weak_from_this(), gen = generation, f = std::move(f)](auto&&... args) {
            auto self = weak.lock();
            if (!self || self->generation != gen || self->delivery == nullptr) return;
            f(*self->delivery, std::forward<decltype(args)>(args)...);
            self->process();
        };
    }

    void process();
    void query(const client::DnsQuery& q);
    void open_connection(std::size_t attempt, const Candidate& candidate);
    void adopt(std::size_t attempt, const std::shared_ptr<StreamConnection>& connection);
    void transmit(const client::Transmit& t);
    void finished();
    void arm_timer();
};

void DeliveryRunner::Impl::process() {
    if (delivery == nullptr) return;
    // Handling one action can feed the delivery synchronously (a failed send): loop.
    for (int round = 0; round < 16; ++round) {
        auto actions = delivery->take_actions();
        if (actions.empty()) break;
        for (auto& action : actions) {
            if (auto* q = std::get_if<client::QueryDns>(&action)) {
                query(q->query);
            } else if (auto* o = std::get_if<client::OpenConnection>(&action)) {
                open_connection(o->attempt, o->candidate);
            } else if (auto* t = std::get_if<client::Transmit>(&action)) {
                transmit(*t);
            } else if (auto* c = std::get_if<client::CloseConnection>(&action)) {
                if (auto it = connections.find(c->attempt); it != connections.end()) {
                    it->second->close();
                    connections.erase(it);
                }
            } else if (std::holds_alternative<client::Finished>(action)) {
                return finished();
            }
        }
    }
    arm_timer();
}

void DeliveryRunner::Impl::query(const client::DnsQuery& q) {
    const auto id = q.id;
    switch (q.type) {
        case client::DnsType::naptr:
            return dns.query_naptr(
                q.name,
                guarded([id](client::RequestDelivery& d, DnsResult<resolve::NaptrRecord> r) {
                    d.on_naptr(id, std::move(r.records), failure_text(r), steady_now());
                }));
        case client::DnsType::srv:
            return dns.query_srv(
                q.name, guarded([id](client::RequestDelivery& d, DnsResult<resolve::SrvRecord> r) {
                    d.on_srv(id, std::move(r.records), failure_text(r), steady_now());
                }));
        case client::DnsType::aaaa:
        case client::DnsType::a: {
            const auto family =
                q.type == client::DnsType::aaaa ? eyeballs::Family::ipv6 : eyeballs::Family::ipv4;
            return dns.query_address(
                q.name, family,
                guarded([id](client::RequestDelivery& d, DnsResult<resolve::AddressRecord> r) {
                    d.on_address(id, std::move(r.records), failure_text(r), steady_now());
                }));
        }
    }
}

void DeliveryRunner::Impl::open_connection(std::size_t attempt, const Candidate& candidate) {
    const PoolKey key{candidate.transport, candidate.address, candidate.port};
    if (auto it = pool.find(key); it != pool.end()) {
        auto connection = it->second;
        pool.erase(it);
        if (connection->is_open()) {
            adopt(attempt, connection);
            const std::string local =
                connection->local_endpoint() ? to_hostport(*connection->local_endpoint()) : "";
            asio::post(io, guarded([attempt, local](client::RequestDelivery& d) {
                           d.on_connected(attempt, local, steady_now());
                       }));
            return;
        }
    }
    std::error_code ec;
    const auto address = to_asio_address(candidate.address, ec);
    if (ec) {
        asio::post(io, guarded([attempt, what = ec.message()](client::RequestDelivery& d) {
                       d.on_connect_failed(attempt, what, steady_now());
                   }));
        return;
    }
    std::optional<TlsClientConfig> tls_config;
    if (candidate.transport == Transport::tls) tls_config = tls;
    // The handler needs the connection for its local address: a shared slot filled below.
    auto slot = std::make_shared<std::weak_ptr<StreamConnection>>();
    auto connection = StreamConnection::connect(
        io, asio::ip::tcp::endpoint(address, candidate.port), std::move(tls_config),
        guarded(
            [attempt, slot](client::RequestDelivery& d, std::error_code error, std::string detail) {
                if (error) {
                    return d.on_connect_failed(attempt, detail.empty() ? error.message() : detail,
                                               steady_now());
                }
                auto c = slot->lock();
                const std::string local =
                    c && c->local_endpoint() ? to_hostport(*c->local_endpoint()) : std::string();
                d.on_connected(attempt, local, steady_now());
            }));
    *slot = connection;
    adopt(attempt, connection);
}

void DeliveryRunner::Impl::adopt(std::size_t attempt,
                                 const std::shared_ptr<StreamConnection>& connection) {
    connections[attempt] = connection;
    connection->on_message(guarded([](client::RequestDelivery& d, sip::Message m) {
        if (m.is_response()) d.on_response(m, steady_now());
    }));
    connection->on_closed(
        guarded([attempt](client::RequestDelivery& d, std::error_code, std::string detail) {
            d.on_transport_error(attempt, "connection closed: " + detail, steady_now());
        }));
}

void DeliveryRunner::Impl::transmit(const client::Transmit& t) {
    if (t.candidate.transport != Transport::udp) {
        if (auto it = connections.find(t.attempt); it != connections.end()) {
            it->second->send(t.bytes);
        }
        return;
    }
    std::error_code ec;
    const auto address = to_asio_address(t.candidate.address, ec);
    if (ec) return;
    udp.send(asio::ip::udp::endpoint(address, t.candidate.port), t.bytes,
             guarded([attempt = t.attempt](client::RequestDelivery& d, std::error_code error) {
                 if (error) d.on_transport_error(attempt, error.message(), steady_now());
             }));
}

// The winner's connection goes to the pool for the next request; the others close.
void DeliveryRunner::Impl::finished() {
    timer.cancel();
    const auto winner = delivery->winner();
    for (auto& [attempt, connection] : connections) {
        if (winner && attempt == *winner && connection->is_open() &&
            delivery->outcome() == client::Outcome::response) {
            const Candidate& c = delivery->attempts()[attempt].candidate;
            connection->on_message({});
            connection->on_closed({});
            pool[PoolKey{c.transport, c.address, c.port}] = connection;
        } else {
            connection->close();
        }
    }
    connections.clear();
    delivery = nullptr;
    ++generation;
    if (auto callback = std::exchange(done, {})) asio::post(io, std::move(callback));
}

void DeliveryRunner::Impl::arm_timer() {
    const auto deadline = delivery ? delivery->next_deadline() : std::nullopt;
    if (!deadline) {
        timer.cancel();
        return;
    }
    timer.expires_at(to_steady(*deadline));
    timer.async_wait([weak = weak_from_this(), gen = generation](std::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->generation != gen || self->delivery == nullptr) return;
        self->delivery->on_timer(steady_now());
        self->process();
    });
}

DeliveryRunner::DeliveryRunner(asio::io_context& io, UdpTransport& udp, DnsClient& dns,
                               TlsClientConfig tls)
    : impl_(std::make_shared<Impl>(io, udp, dns, std::move(tls))) {}

DeliveryRunner::~DeliveryRunner() {
    close();
}

std::string DeliveryRunner::udp_sent_by(const Candidate& candidate) const {
    const auto local = impl_->udp.local_endpoint(candidate.family);
    if (!local) return {};
    std::error_code ec;
    const auto remote = to_asio_address(candidate.address, ec);
    if (ec) return {};
    // connect() on a UDP socket sends nothing: it only asks the kernel for the route.
    asio::ip::udp::socket probe(impl_->io);
    probe.open(remote.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4(), ec);
    if (!ec) probe.connect(asio::ip::udp::endpoint(remote, candidate.port), ec);
    asio::ip::address source = local->address();
    if (!ec) {
        auto bound = probe.local_endpoint(ec);
        if (!ec) source = bound.address();
    }
    return to_hostport(source, local->port());
}

void DeliveryRunner::run(client::RequestDelivery& delivery, std::function<void()> done) {
    Impl& impl = *impl_;
    ++impl.generation;
    impl.delivery = &delivery;
    impl.done = std::move(done);
    impl.udp.on_message([weak = std::weak_ptr<Impl>(impl_)](sip::Message m,
                                                            const asio::ip::udp::endpoint&,
                                                            const asio::ip::address&) {
        auto self = weak.lock();
        if (!self || self->delivery == nullptr || !m.is_response()) return;
        self->delivery->on_response(m, steady_now());
        self->process();
    });
    delivery.start(steady_now());
    impl.process();
}

void DeliveryRunner::close() {
    if (!impl_) return;
    impl_->timer.cancel();
    for (auto& [key, connection] : impl_->pool)
        connection->close();
    impl_->pool.clear();
    for (auto& [attempt, connection] : impl_->connections)
        connection->close();
    impl_->connections.clear();
}

}  // namespace happysip::runtime
