#include "happysip/runtime/stream_connection.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/ssl/error.hpp>
#include <asio/write.hpp>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <utility>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/runtime/tls_session_cache.hpp"
#include "happysip/runtime/tls_socket_bio.hpp"

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

// "10 s", "200 ms": a deadline as an operator wrote it.
std::string duration_text(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
    return std::to_string(d.count()) + " ms";
}

}  // namespace

// RFC 5246 §7.2.1: since TLS 1.1 a connection that ended without close_notify (a peer
// or a network that dropped it: a failed flow) leaves its session fit for resumption.
// OpenSSL still voids the session of an SSL freed before it sent a close_notify, also in
// the client's cache; marked as sent, the session stays good. A fatal alert, either way,
// has voided the session already when it was sent or read.
void StreamConnection::SslFree::operator()(ssl_st* ssl) const {
    if (SSL_is_init_finished(ssl)) SSL_set_shutdown(ssl, SSL_get_shutdown(ssl) | SSL_SENT_SHUTDOWN);
    SSL_free(ssl);
}

std::shared_ptr<StreamConnection> StreamConnection::connect(asio::io_context& io,
                                                            const asio::ip::tcp::endpoint& remote,
                                                            std::optional<TlsClientConfig> tls,
                                                            ConnectHandler on_connected,
                                                            std::chrono::milliseconds deadline) {
    auto c = std::make_shared<StreamConnection>(Private{}, asio::ip::tcp::socket(io));
    c->remote_ = remote;
    c->connect_handler_ = std::move(on_connected);
    if (tls) {
        TlsContextResult made = shared_client_context(*tls);
        if (!made.context) {
            c->give_up(std::make_error_code(std::errc::invalid_argument), "TLS: " + made.error);
            return c;
        }
        c->tls_context_ = std::move(made.context);
        if (std::string failed = c->new_ssl(); !failed.empty()) {
            c->give_up(std::make_error_code(std::errc::not_enough_memory), failed);
            return c;
        }
        c->server_name_ = tls->server_name;
        c->verify_identity_ = tls->verify;
        // The session of the last connection to this name and endpoint, if one is kept.
        offer_client_session(c->ssl_.get(),
                             client_session_key(tls->server_name, to_hostport(remote)));
    }
    c->arm_deadline(deadline);
    c->socket_.async_connect(remote, [c](std::error_code ec) { c->on_tcp_connected(ec); });
    return c;
}

std::shared_ptr<StreamConnection> StreamConnection::accept(
    asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls, AcceptHandler on_ready,
    std::chrono::milliseconds handshake_deadline) {
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
        c->give_up(ec, "accepted connection already gone: " + ec.message());
        return c;
    }
    if (!tls) {
        asio::post(c->socket_.get_executor(), [c] { c->become_open(); });
        return c;
    }
    c->tls_context_ = std::move(tls);
    if (std::string failed = c->new_ssl(); !failed.empty()) {
        c->give_up(std::make_error_code(std::errc::not_enough_memory), failed);
        return c;
    }
    c->arm_deadline(handshake_deadline);
    c->start_handshake(true);
    return c;
}

StreamConnection::StreamConnection(Private, asio::ip::tcp::socket socket)
    : socket_(std::move(socket)) {}

// SSL_new fails only when OpenSSL is out of memory: that connection fails, nothing crashes.
std::string StreamConnection::new_ssl() {
    ssl_.reset(SSL_new(tls_context_->native_handle()));
    if (ssl_) return {};
    std::string why = openssl_error_text();
    return "TLS: cannot create a session" + (why.empty() ? std::string() : ": " + why);
}

// A connection that ends before its connect or handshake began; the handler runs later,
// as always.
void StreamConnection::give_up(std::error_code ec, std::string detail) {
    state_ = State::closed;
    close_socket();
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), ec, d = std::move(detail)]() mutable {
                   self->finish_connect(ec, std::move(d));
               });
}

void StreamConnection::arm_deadline(std::chrono::milliseconds after) {
    deadline_ = after;
    deadline_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), after);
    deadline_timer_->async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec) self->on_deadline();
    });
}

// Closing the socket ends the pending connect or handshake wait (operation_aborted), and
// its handler reports deadline_passed_. A handshake step already posted reports it too.
void StreamConnection::on_deadline() {
    if (state_ != State::connecting && state_ != State::handshaking) return;
    deadline_passed_ = (state_ == State::connecting ? "TCP connect to " : "TLS handshake with ") +
                       to_hostport(remote_) + " timed out after " + duration_text(deadline_);
    state_ = State::closed;
    close_socket();
}

void StreamConnection::on_tcp_connected(std::error_code ec) {
    if (!deadline_passed_.empty()) {
        finish_connect(asio::error::timed_out, deadline_passed_);
        return;
    }
    if (state_ == State::closed) {
        finish_connect(asio::error::operation_aborted, "closed before connected");
        return;
    }
    if (ec) {
        state_ = State::closed;
        close_socket();
        finish_connect(ec, "TCP connect to " + to_hostport(remote_) + ": " + ec.message());
        return;
    }
    std::error_code e;
    local_ = socket_.local_endpoint(e);
    socket_.set_option(asio::ip::tcp::no_delay(true), e);  // SIP messages are written whole
    if (!is_tls()) {
        become_open();
        return;
    }
    // RFC 6066 §3: SNI carries a host name, never an address literal.
    std::error_code not_ip;
    to_asio_address(server_name_, not_ip);
    if (!server_name_.empty() && not_ip) SSL_set_tlsext_host_name(ssl_.get(), server_name_.c_str());
    start_handshake(false);
}

// OpenSSL reads and writes the socket itself (no buffers in between); we only wait for
// the readiness it asks for. The socket is non-blocking, so every SSL_* call returns.
void StreamConnection::start_handshake(bool server) {
    state_ = State::handshaking;
    std::error_code ec;
    socket_.non_blocking(true, ec);
    BIO* bio = ec ? nullptr : new_tls_socket_bio(static_cast<int>(socket_.native_handle()));
    if (!ec && !bio) ec = std::make_error_code(std::errc::not_enough_memory);
    if (ec) {
        asio::post(socket_.get_executor(), [self = shared_from_this(), ec] {
            self->on_handshake(ec, "TLS handshake with " + to_hostport(self->remote_) +
                                       " could not start: " + ec.message());
        });
        return;
    }
    SSL_set_bio(ssl_.get(), bio, bio);  // one reference, owned by the SSL
    // An idle connection keeps no record buffers (the rest of the SSL object remains).
    SSL_set_mode(ssl_.get(), SSL_MODE_RELEASE_BUFFERS);
    // One recv() per wake-up instead of one for a record's header and one for its body.
    SSL_set_read_ahead(ssl_.get(), 1);
    server ? SSL_set_accept_state(ssl_.get()) : SSL_set_connect_state(ssl_.get());
    continue_handshake();
}

void StreamConnection::continue_handshake() {
    clear_tls_errors();
    int r = SSL_do_handshake(ssl_.get());
    int saved_errno = errno;
    if (r == 1) {
        // Posted: the connect/accept handler never runs inside connect() or accept().
        asio::post(socket_.get_executor(),
                   [self = shared_from_this()] { self->on_handshake({}, {}); });
        return;
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        auto wait =
            e == SSL_ERROR_WANT_READ ? asio::socket_base::wait_read : asio::socket_base::wait_write;
        socket_.async_wait(wait, [self = shared_from_this()](std::error_code ec) {
            if (ec || self->state_ != State::handshaking) {
                if (!ec) ec = asio::error::operation_aborted;
                return self->on_handshake(ec, self->handshake_failure(ec));
            }
            self->continue_handshake();
        });
        return;
    }
    // The words now: this thread's error queue is the next SSL call's by the time a posted
    // handler runs.
    std::error_code ec = tls_io_error(e, saved_errno);
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), ec, detail = handshake_failure(ec)]() mutable {
                   self->on_handshake(ec, std::move(detail));
               });
}

// `detail`: the failure in words when `ec` is set.
void StreamConnection::on_handshake(std::error_code ec, std::string detail) {
    if (!deadline_passed_.empty()) {
        finish_connect(asio::error::timed_out, deadline_passed_);
        return;
    }
    if (state_ == State::closed) {
        finish_connect(asio::error::operation_aborted, "closed during the TLS handshake");
        return;
    }
    if (!ec) detail = check_peer_identity();
    // RFC 5922 §7.3: only a session whose server passed the check is kept for the next
    // connection; a session offered to a server that failed it is forgotten.
    if (!server_side_ && detail.empty())
        client_session_verified(ssl_.get());
    else if (!server_side_)
        client_session_failed(ssl_.get());
    if (!detail.empty()) {
        state_ = State::closed;
        close_socket();
        finish_connect(ec ? ec : std::make_error_code(std::errc::permission_denied), detail);
        return;
    }
    become_open();
}

std::string StreamConnection::handshake_failure(std::error_code ec) {
    long verify = SSL_get_verify_result(ssl_.get());
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
    X509* cert = SSL_get1_peer_certificate(ssl_.get());
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

bool StreamConnection::tls_resumed() const {
    return ssl_ && SSL_session_reused(ssl_.get()) == 1;
}

void StreamConnection::become_open() {
    state_ = State::open;
    activity_.opened = activity_.last_received = std::chrono::steady_clock::now();
    std::error_code ignored;
    socket_.non_blocking(true, ignored);  // reads after readiness must never block
    finish_connect({}, {});
    if (state_ != State::open) return;                // the handler closed it
    if (!writing_ && !queued_.empty()) write_next();  // sent before the connection was up
    if (state_ != State::open) return;
    // With read-ahead OpenSSL may hold application data that came with the handshake's
    // last flight: no readiness would report it.
    if (ssl_)
        on_readable({});
    else
        start_read();
}

void StreamConnection::finish_connect(std::error_code ec, std::string detail) {
    deadline_timer_.reset();  // cancels its wait: the connection is up or gone
    ConnectHandler h = std::exchange(connect_handler_, nullptr);
    if (h) h(ec, std::move(detail));
}

void StreamConnection::start_read(bool want_write) {
    socket_.async_wait(want_write ? asio::socket_base::wait_write : asio::socket_base::wait_read,
                       [self = shared_from_this()](std::error_code ec) { self->on_readable(ec); });
}

// One non-blocking read: bytes, or would_block (TLS may need the socket writable first:
// `want_write`), or the error that ends the connection.
std::size_t StreamConnection::receive(char* into, std::size_t size, std::error_code& ec,
                                      bool& want_write) {
    want_write = false;
    if (!ssl_) {
        std::size_t n = socket_.read_some(asio::buffer(into, size), ec);
        if (ec == asio::error::try_again) ec = asio::error::would_block;
        return n;
    }
    clear_tls_errors();
    int r = SSL_read(ssl_.get(), into, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    int saved_errno = errno;
    if (r > 0) {
        ec.clear();
        return static_cast<std::size_t>(r);
    }
    int e = SSL_get_error(ssl_.get(), r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        want_write = e == SSL_ERROR_WANT_WRITE;
        ec = asio::error::would_block;
        return 0;
    }
    ec = tls_io_error(e, saved_errno);
    return 0;
}

void StreamConnection::on_readable(std::error_code ec) {
    if (state_ != State::open) return;
    if (ec) return read_failed(ec);
    auto& buffer = shared_read_buffer();
    for (int i = 0; i < k_reads_per_wakeup; ++i) {
        bool want_write = false;
        std::size_t n = receive(buffer.data(), buffer.size(), ec, want_write);
        if (ec == asio::error::would_block) return start_read(want_write);
        if (ec) return read_failed(ec);
        if (!deliver(std::string_view(buffer.data(), n))) return;
        // Drained: a short plain read, or OpenSSL holds no bytes it read ahead (SSL_read
        // returns one record at a time). The wait re-arms the reactor, so bytes already in
        // the socket wake it at once: no recv() that would only say EAGAIN.
        if (ssl_ ? SSL_has_pending(ssl_.get()) == 0 : n < buffer.size()) return start_read();
    }
    // Still more after a few reads: yield to the other connections, then read on.
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->on_readable({}); });
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

std::error_code StreamConnection::send(std::string bytes) {
    if (state_ == State::closed) return std::make_error_code(std::errc::not_connected);
    if (state_ != State::open && queued_.size() + bytes.size() > k_max_queued_before_open)
        return std::make_error_code(std::errc::no_buffer_space);
    if (queued_.empty())
        queued_ = std::move(bytes);
    else
        queued_ += bytes;
    if (state_ == State::open && !writing_) write_next();
    return {};
}

void StreamConnection::write_next() {
    writing_ = true;
    writing_buffer_.swap(queued_);  // queued_ is empty after a completed write
    if (ssl_) {
        written_ = 0;
        continue_tls_write();
        return;
    }
    asio::async_write(
        socket_, asio::buffer(writing_buffer_),
        [self = shared_from_this()](std::error_code ec, std::size_t) { self->on_written(ec); });
}

// SSL_write until the buffer is out or OpenSSL asks to wait; a retry passes the same
// bytes, as OpenSSL requires. Usually done at once, inside send().
void StreamConnection::continue_tls_write() {
    while (written_ < writing_buffer_.size()) {
        std::size_t left = writing_buffer_.size() - written_;
        clear_tls_errors();
        int r = SSL_write(ssl_.get(), writing_buffer_.data() + written_,
                          static_cast<int>(std::min<std::size_t>(left, INT_MAX)));
        int saved_errno = errno;
        if (r > 0) {
            written_ += static_cast<std::size_t>(r);
            continue;
        }
        int e = SSL_get_error(ssl_.get(), r);
        if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
            auto wait = e == SSL_ERROR_WANT_WRITE ? asio::socket_base::wait_write
                                                  : asio::socket_base::wait_read;
            socket_.async_wait(wait, [self = shared_from_this()](std::error_code ec) {
                if (ec || self->state_ != State::open) return self->on_written(ec);
                self->continue_tls_write();
            });
            return;
        }
        return on_written(tls_io_error(e, saved_errno));
    }
    on_written({});
}

void StreamConnection::on_written(std::error_code ec) {
    writing_ = false;
    // Released, not cleared: an idle flow keeps no write buffer.
    std::string().swap(writing_buffer_);
    if (state_ != State::open) return;
    if (ec) {
        fail(ec, "write: " + ec.message());
        return;
    }
    if (!queued_.empty()) write_next();
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
    if (deadline_timer_) deadline_timer_->cancel();
    if (was_open && ssl_) send_close_notify();
    close_socket();  // pending connect/handshake complete with operation_aborted
    if (was_open) report_closed(reason, std::move(detail));
}

// RFC 8446 §6.1: close_notify before we close, so that the peer can tell our close from a
// truncation. Written once without blocking and never waited for: the side that closes
// need not read the peer's (RFC 5246 §7.2.1). With a write still pending OpenSSL leaves
// it out rather than cut that record.
void StreamConnection::send_close_notify() {
    clear_tls_errors();
    SSL_shutdown(ssl_.get());
    ERR_clear_error();  // a peer already gone concerns nobody now
}

// The BIO forgets the descriptor first: the kernel may give its number to the next socket.
void StreamConnection::close_socket() {
    if (ssl_) detach_tls_socket_bio(ssl_.get());
    std::error_code ignored;
    socket_.close(ignored);
}

void StreamConnection::fail(std::error_code ec, std::string detail) {
    if (state_ == State::closed) return;
    state_ = State::closed;
    close_socket();
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
