#include "happysip/runtime/stream_listener.hpp"

#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <asio/steady_timer.hpp>
#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "happysip/runtime/endpoint.hpp"

namespace happysip::runtime {

namespace {

// The process or the system is out of descriptors or memory: the connection stays in the
// backlog and accept() fails again at once until something is freed.
// (Asio's errors are in its own system category, which std::errc does not compare with.)
bool out_of_resources(std::error_code ec) {
    if (ec.category() != asio::error::get_system_category()) return false;
    int e = ec.value();
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

}  // namespace

struct StreamListener::State : std::enable_shared_from_this<StreamListener::State> {
    explicit State(asio::io_context& io) : acceptor(io), retry_timer(io) {}

    void accept_next() {
        acceptor.async_accept(
            [self = shared_from_this()](std::error_code ec, asio::ip::tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
                if (!ec) {
                    self->starved = false;
                    self->hand_over(std::move(socket));
                } else {
                    ++self->failed_accepts;
                    if (out_of_resources(ec)) return self->back_off(ec);
                    // Others (ECONNABORTED) concern one connection: go on.
                }
                self->accept_next();
            });
    }

    // Retrying at once would spin at full CPU while the descriptor table stays full; a
    // pause lets the process close some. Reported once per such stretch.
    void back_off(std::error_code ec) {
        if (!starved && on_error) {
            std::error_code ignored;
            on_error(ec,
                     "accept on " + to_hostport(acceptor.local_endpoint(ignored)) +
                         " failed: " + ec.message() + "; retrying every " +
                         std::to_string(k_accept_retry_delay.count()) + " ms",
                     {});
        }
        starved = true;
        retry_timer.expires_after(k_accept_retry_delay);
        retry_timer.async_wait([self = shared_from_this()](std::error_code e) {
            if (e || !self->acceptor.is_open()) return;
            self->accept_next();
        });
    }

    void hand_over(asio::ip::tcp::socket socket) {
        std::weak_ptr<State> weak = shared_from_this();
        std::erase_if(handshaking, [](const auto& w) { return w.expired(); });
        auto pending =
            StreamConnection::accept(std::move(socket), tls,
                                     [weak](const std::shared_ptr<StreamConnection>& c,
                                            std::error_code ec, std::string detail) {
                                         auto self = weak.lock();
                                         if (!self || !self->acceptor.is_open()) {
                                             c->close();
                                             return;
                                         }
                                         if (ec) {
                                             if (self->on_error)
                                                 self->on_error(ec, detail, c->remote_endpoint());
                                             return;
                                         }
                                         if (self->on_accept)
                                             self->on_accept(c);
                                         else
                                             c->close();  // nobody to serve it
                                     });
        if (tls) handshaking.push_back(pending);
    }

    // Connections still in their TLS handshake: closing the listener ends them too, so
    // that io.run() returns without waiting for the handshake timeout.
    std::vector<std::weak_ptr<StreamConnection>> handshaking;

    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer retry_timer;  // the pause after an out_of_resources() accept
    bool starved = false;            // since the last accept that succeeded
    std::uint64_t failed_accepts = 0;
    std::shared_ptr<asio::ssl::context> tls;
    AcceptHandler on_accept;
    ErrorHandler on_error;
};

StreamListener::StreamListener(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

StreamListener::~StreamListener() {
    close();
}

std::error_code StreamListener::open(const asio::ip::tcp::endpoint& local,
                                     std::shared_ptr<asio::ssl::context> tls) {
    asio::ip::tcp::acceptor& a = state_->acceptor;
    if (a.is_open()) return asio::error::already_open;
    std::error_code ec;
    a.open(local.protocol(), ec);
    if (!ec) a.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec && local.address().is_v6()) a.set_option(asio::ip::v6_only(true), ec);
    if (!ec) a.bind(local, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::error_code ignored;
        a.close(ignored);
        return ec;
    }
    state_->tls = std::move(tls);
    state_->accept_next();
    return {};
}

void StreamListener::on_accept(AcceptHandler handler) {
    state_->on_accept = std::move(handler);
}
void StreamListener::on_error(ErrorHandler handler) {
    state_->on_error = std::move(handler);
}

std::optional<asio::ip::tcp::endpoint> StreamListener::local_endpoint() const {
    std::error_code ec;
    auto ep = state_->acceptor.local_endpoint(ec);
    if (ec) return std::nullopt;
    return ep;
}

bool StreamListener::is_tls() const {
    return state_->tls != nullptr;
}

std::uint64_t StreamListener::failed_accepts() const {
    return state_->failed_accepts;
}

void StreamListener::close() {
    std::error_code ignored;
    state_->acceptor.close(ignored);
    state_->retry_timer.cancel();
    for (auto& weak : std::exchange(state_->handshaking, {}))
        if (auto c = weak.lock(); c && !c->is_open()) c->close();
}

}  // namespace happysip::runtime
