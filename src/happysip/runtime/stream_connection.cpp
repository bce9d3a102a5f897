#include "happysip/runtime/stream_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <utility>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/tls_context.hpp"

namespace happysip::runtime {

namespace {

// Plain TCP reads land here, one buffer per thread instead of one per connection: the
// bytes are copied into the connection's framer before any handler runs.
constexpr std::size_t k_shared_read_size = 64 * 1024;
// Reads per readiness: a peer that keeps the socket full yields to the others.
constexpr int k_reads_per_wakeup = 4;

std::array<char, k_shared_read_size>& shared_read_buffer() {
    thread_local std::array<char, k_shared_read_size> buffer;
    return buffer;
}

}  // namespace

std::shared_ptr<StreamConnection> StreamConnection::connect(asio::io_context& io,
                                                            const asio::ip::tcp::endpoint& remote,
                                                            std::optional<TlsClientConfig> tls,
                                                            ConnectHandler on_connected) {
    auto c = std::make_shared<StreamConnection>(Private{}, asio::ip::tcp::socket(io));
    c->remote_ = remote;
    c->connect_handler_ = std::move(on_connected);
    if (tls) {
        TlsContextResult made = make_client_context(*tls);
        if (!made.context) {
            c->state_ = State::closed;
            asio::post(io, [c, detail = "TLS: " + made.error] {
                c->finish_connect(std::make_error_code(std::errc::invalid_argument), detail);
            });
            return c;
        }
        c->tls_context_ = std::move(made.context);
        c->tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(c->socket_,
                                                                              *c->tls_context_);
        c->server_name_ = tls->server_name;
        c->verify_identity_ = tls->verify;
    }
    c->socket_.async_connect(remote, [c](std::error_code ec) { c->on_tcp_connected(ec); });
    return c;
}

std::shared_ptr<StreamConnection> StreamConnection::accept(asio::ip::tcp::socket socket,
                                                           std::shared_ptr<asio::ssl::context> tls,
                                                           AcceptHandler on_ready) {
    auto c = std::make_shared<StreamConnection>(Private{}, std::move(socket));
    c->server_side_ = true;
    // Handed back the shared_ptr so the listener need not keep one while handshaking.
    c->connect_handler_ = [raw = c.get(), h = std::move(on_ready)](std::error_code ec,
                                                                   std::string detail) {
        if (h) h(raw->shared_from_this(), ec, std::move(detail));
    };
    std::error_code ec;
    c->remote_ = c->socket_.remote_endpoint(ec);
    if (!ec) c->local_ = c->socket_.local_endpoint(ec);
    // Without TCP_NODELAY a response written right after TLS 1.3's session tickets waits
    // for the peer's delayed ACK (~40 ms): Nagle holds small writes while data is unacked.
    if (!ec) c->socket_.set_option(asio::ip::tcp::no_delay(true), ec);
    if (ec) {
        c->state_ = State::closed;
        asio::post(c->socket_.get_executor(), [c, ec] {
            c->finish_connect(ec, "accepted connection already gone: " + ec.message());
        });
        return c;
    }
    if (!tls) {
        asio::post(c->socket_.get_executor(), [c] { c->become_open(); });
        return c;
    }
    c->tls_context_ = std::move(tls);
    c->tls_ =
        std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(c->socket_, *c->tls_context_);
    c->handshake_timer_ = std::make_unique<asio::steady_timer>(c->socket_.get_executor());
    c->handshake_timer_->expires_after(k_server_handshake_timeout);
    c->handshake_timer_->async_wait([c](std::error_code e) {
        if (e || c->state_ != State::handshaking) return;
        c->handshake_timed_out_ = true;
        std::error_code ignored;
        c->socket_.close(ignored);  // the handshake completes with an error
    });
    c->start_handshake(asio::ssl::stream_base::server);
    return c;
}

StreamConnection::StreamConnection(Private, asio::ip::tcp::socket socket)
    : socket_(std::move(socket)) {}

void StreamConnection::on_tcp_connected(std::error_code ec) {
    if (state_ == State::closed) {
        finish_connect(asio::error::operation_aborted, "closed before connected");
        return;
    }
    if (ec) {
        state_ = State::closed;
        std::error_code ignored;
        socket_.close(ignored);
        finish_connect(ec, "TCP connect to " + to_hostport(remote_) + ": " + ec.message());
        return;
    }
    std::error_code e;
    local_ = socket_.local_endpoint(e);
    socket_.set_option(asio::ip::tcp::no_delay(true), e);  // SIP messages are written whole
    if (!tls_) {
        become_open();
        return;
    }
    // RFC 6066 §3: SNI carries a host name, never an address literal.
    std::error_code not_ip;
    to_asio_address(server_name_, not_ip);
    if (!server_name_.empty() && not_ip)
        SSL_set_tlsext_host_name(tls_->native_handle(), server_name_.c_str());
    start_handshake(asio::ssl::stream_base::client);
}

void StreamConnection::start_handshake(asio::ssl::stream_base::handshake_type type) {
    state_ = State::handshaking;
    tls_->async_handshake(
        type, [self = shared_from_this()](std::error_code ec) { self->on_handshake(ec); });
}

void StreamConnection::on_handshake(std::error_code ec) {
    handshake_timer_.reset();  // cancels its wait
    if (handshake_timed_out_) {
        state_ = State::closed;
        finish_connect(asio::error::timed_out, "TLS handshake timed out");
        return;
    }
    if (state_ == State::closed) {
        finish_connect(asio::error::operation_aborted, "closed during the TLS handshake");
        return;
    }
    std::string detail = ec ? handshake_failure(ec) : check_peer_identity();
    if (!detail.empty()) {
        state_ = State::closed;
        std::error_code ignored;
        socket_.close(ignored);
        finish_connect(ec ? ec : std::make_error_code(std::errc::permission_denied), detail);
        return;
    }
    become_open();
}

std::string StreamConnection::handshake_failure(std::error_code ec) {
    long verify = SSL_get_verify_result(tls_->native_handle());
    if (!server_side_ && verify_identity_ && verify != X509_V_OK)
        return std::string("TLS: certificate of ") + to_hostport(remote_) +
               " not trusted: " + X509_verify_cert_error_string(verify);
    std::string ossl = openssl_error_text();
    return "TLS handshake with " + to_hostport(remote_) + " failed: " + ec.message() +
           (ossl.empty() ? "" : " (" + ossl + ")");
}

// RFC 5922 §7.3: after the chain verified, the server's identity must be the SIP domain
// the client meant to reach.
std::string StreamConnection::check_peer_identity() {
    if (server_side_ || !verify_identity_) return {};
    if (server_name_.empty()) return "TLS: no sip domain given to verify the certificate against";
    X509* cert = SSL_get1_peer_certificate(tls_->native_handle());
    if (!cert) return "TLS: " + to_hostport(remote_) + " sent no certificate";
    std::string detail;
    if (!certificate_matches(cert, server_name_)) {
        detail = "TLS: certificate does not match sip domain " + server_name_;
        std::string names;
        for (const std::string& id : sip_domain_identities(cert))
            names += (names.empty() ? "" : ", ") + id;
        detail += names.empty() ? " (it names no domain)" : " (it names " + names + ")";
    }
    X509_free(cert);
    return detail;
}

void StreamConnection::become_open() {
    state_ = State::open;
    activity_.opened = activity_.last_received = std::chrono::steady_clock::now();
    if (tls_) {
        // OpenSSL's own record buffers are freed while the connection is idle.
        SSL_set_mode(tls_->native_handle(), SSL_MODE_RELEASE_BUFFERS);
        tls_read_buffer_ = std::make_unique<char[]>(k_tls_read_buffer_size);
    } else {
        std::error_code ignored;
        socket_.non_blocking(true, ignored);  // reads after readiness must never block
    }
    finish_connect({}, {});
    if (state_ != State::open) return;  // the handler closed it
    start_read();
    if (!writing_ && !queued_.empty()) write_next();
}

void StreamConnection::finish_connect(std::error_code ec, std::string detail) {
    ConnectHandler h = std::exchange(connect_handler_, nullptr);
    if (h) h(ec, std::move(detail));
}

void StreamConnection::start_read() {
    if (tls_) {
        tls_->async_read_some(asio::buffer(tls_read_buffer_.get(), k_tls_read_buffer_size),
                              [self = shared_from_this()](std::error_code ec, std::size_t n) {
                                  self->on_read(ec, n);
                              });
        return;
    }
    socket_.async_wait(asio::socket_base::wait_read,
                       [self = shared_from_this()](std::error_code ec) { self->on_readable(ec); });
}

void StreamConnection::on_readable(std::error_code ec) {
    if (state_ != State::open) return;
    if (ec) return read_failed(ec);
    auto& buffer = shared_read_buffer();
    for (int i = 0; i < k_reads_per_wakeup; ++i) {
        std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) break;
        if (ec) return read_failed(ec);
        if (!deliver(std::string_view(buffer.data(), n))) return;
        if (n < buffer.size()) break;  // drained
    }
    start_read();
}

void StreamConnection::on_read(std::error_code ec, std::size_t n) {
    if (state_ != State::open) return;
    if (ec) return read_failed(ec);
    if (deliver(std::string_view(tls_read_buffer_.get(), n))) start_read();
}

void StreamConnection::read_failed(std::error_code ec) {
    // A TLS peer that closes without close_notify is reported as stream_truncated;
    // for SIP that is an ordinary close (RFC 5246 §7.2.1 lets the initiator not wait).
    bool orderly = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
                   ec == asio::error::connection_reset;
    fail(ec, orderly ? "closed by peer" : "read: " + ec.message());
}

// Frames what arrived and hands it over; false once the connection is closed.
bool StreamConnection::deliver(std::string_view bytes) {
    activity_.last_received = std::chrono::steady_clock::now();
    framer_.feed(bytes);
    if (!handle_frames()) return false;
    // Between messages nothing is buffered: a fresh framer gives the buffer that held the
    // last message back (an idle flow keeps no message-sized allocation).
    if (framer_.buffered() == 0) framer_ = sip::StreamFramer{};
    return true;
}

// Returns false once the connection is closed (by a framing error or by a handler).
bool StreamConnection::handle_frames() {
    for (;;) {
        if (state_ != State::open) return false;
        sip::StreamFramer::Event ev = framer_.next();
        switch (ev.kind) {
            case sip::StreamFramer::Kind::need_more:
                return true;
            case sip::StreamFramer::Kind::message: {
                activity_.message_seen = true;
                auto parsed = sip::parse_message(std::move(ev.frame));  // kept on failure
                if (parsed) {
                    if (on_message_) on_message_(std::move(*parsed));
                } else if (on_bad_message_) {
                    on_bad_message_(parsed.error().to_string(), ev.frame);
                }
                break;
            }
            case sip::StreamFramer::Kind::ping:
                activity_.ping_seen = true;
                send("\r\n");  // RFC 5626 §4.4.1: the pong
                break;
            case sip::StreamFramer::Kind::pong:
                if (on_pong_) on_pong_();
                break;
            case sip::StreamFramer::Kind::error:
                fail(std::make_error_code(std::errc::bad_message),
                     "framing: " + ev.error.to_string());
                return false;
        }
    }
}

void StreamConnection::send(std::string bytes) {
    if (state_ == State::closed) return;
    if (queued_.empty())
        queued_ = std::move(bytes);
    else
        queued_ += bytes;
    if (state_ == State::open && !writing_) write_next();
}

void StreamConnection::write_next() {
    writing_ = true;
    writing_buffer_.swap(queued_);  // queued_ is empty after a completed write
    with_stream([this](auto& stream) {
        asio::async_write(stream, asio::buffer(writing_buffer_),
                          [self = shared_from_this()](std::error_code ec, std::size_t) {
                              self->writing_ = false;
                              // Released, not cleared: an idle flow keeps no write buffer.
                              std::string().swap(self->writing_buffer_);
                              if (self->state_ != State::open) return;
                              if (ec) {
                                  self->fail(ec, "write: " + ec.message());
                                  return;
                              }
                              if (!self->queued_.empty()) self->write_next();
                          });
    });
}

void StreamConnection::on_message(std::function<void(sip::Message)> handler) {
    on_message_ = std::move(handler);
}
void StreamConnection::on_bad_message(std::function<void(std::string, std::string_view)> handler) {
    on_bad_message_ = std::move(handler);
}
void StreamConnection::on_pong(std::function<void()> handler) {
    on_pong_ = std::move(handler);
}
void StreamConnection::on_closed(CloseHandler handler) {
    on_closed_ = std::move(handler);
}

void StreamConnection::close() {
    close(asio::error::operation_aborted, "closed locally");
}

void StreamConnection::close(std::error_code reason, std::string detail) {
    if (state_ == State::closed) return;
    bool was_open = state_ == State::open;
    state_ = State::closed;
    if (handshake_timer_) handshake_timer_->cancel();
    std::error_code ignored;
    socket_.close(ignored);  // pending connect/handshake complete with operation_aborted
    if (was_open) report_closed(reason, std::move(detail));
}

void StreamConnection::fail(std::error_code ec, std::string detail) {
    if (state_ == State::closed) return;
    state_ = State::closed;
    std::error_code ignored;
    socket_.close(ignored);
    report_closed(ec, std::move(detail));
}

// Posted, so that a handler calling close() is never re-entered by on_closed.
void StreamConnection::report_closed(std::error_code ec, std::string detail) {
    std::string().swap(queued_);  // a pending write points into writing_buffer_, not here
    asio::post(socket_.get_executor(), [self = shared_from_this(), ec, d = std::move(detail)] {
        CloseHandler h = std::exchange(self->on_closed_, nullptr);
        self->on_message_ = nullptr;
        self->on_bad_message_ = nullptr;
        self->on_pong_ = nullptr;
        if (h) h(ec, d);
    });
}

}  // namespace happysip::runtime
