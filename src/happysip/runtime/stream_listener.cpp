#include "happysip/runtime/stream_listener.hpp"

#include <algorithm>
#include <asio/ip/v6_only.hpp>
#include <utility>
#include <vector>

namespace happysip::runtime {

struct StreamListener::State : std::enable_shared_from_this<StreamListener::State> {
    explicit State(asio::io_context& io) : acceptor(io) {}

    void accept_next() {
        acceptor.async_accept(
            [self = shared_from_this()](std::error_code ec, asio::ip::tcp::socket socket) {
                if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
                // Other accept errors (EMFILE, ECONNABORTED) concern one connection: go on.
                if (!ec) self->hand_over(std::move(socket));
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

void StreamListener::close() {
    std::error_code ignored;
    state_->acceptor.close(ignored);
    for (auto& weak : std::exchange(state_->handshaking, {}))
        if (auto c = weak.lock(); c && !c->is_open()) c->close();
}

}  // namespace happysip::runtime
