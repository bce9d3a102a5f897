// One SIP connection over TCP or TLS (RFC 3261 §18), client or server side.
//
// Messages are cut by sip::StreamFramer (Content-Length, RFC 3261 §18.3). A CRLFCRLF
// keep-alive ping is answered with CRLF (RFC 5626 §4.4.1); a framing error ends the
// connection, with the parse error as the detail, because a stream cannot resynchronise.
//
// Lifetime: pending operations hold a shared_ptr, so an open connection stays alive
// while it reads, even if nobody else holds it; close() ends it. Handlers run on the
// io_context's thread and are dropped once the connection is closed (no cycles remain).
//
// Memory (a server holds one per Outbound flow, RFC 5626): a plain TCP connection owns no
// read buffer. It waits for readability and reads into one buffer per thread; only an
// unfinished frame stays with the connection (in the framer, released once complete), and
// its write buffers are released once written. TLS is OpenSSL on the socket itself (no
// asio::ssl::stream, whose four 17 KB buffers per connection would be most of a flow's
// cost), its record buffers released while idle (SSL_MODE_RELEASE_BUFFERS), reading into
// the same shared buffer. A local close of an open TLS connection sends close_notify.
// A TLS client offers the session of its last connection to the same server name and
// endpoint, and keeps the new one once the identity check passed (tls_session_cache.hpp).
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "happysip/runtime/tls_config.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/stream_framer.hpp"

struct ssl_st;  // OpenSSL's SSL, kept out of the header's users

namespace happysip::runtime {

class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
    struct Private {};  // keeps construction to the factories

  public:
    // detail, e.g. "TLS: certificate does not match sip domain example.com"
    using ConnectHandler = std::function<void(std::error_code, std::string detail)>;
    using AcceptHandler = std::function<void(const std::shared_ptr<StreamConnection>&,
                                             std::error_code, std::string detail)>;
    using CloseHandler = std::function<void(std::error_code, std::string detail)>;

    // How long an accepted connection may take to complete its TLS handshake.
    static constexpr std::chrono::seconds k_server_handshake_timeout{10};
    // How long a connection we open may take to connect and finish its TLS handshake,
    // together. Without it a black-holed peer holds the attempt for the kernel's SYN
    // retries (Linux: ~2 min), long after the transaction it serves has ended (RFC 3261
    // Timer B/F: 64*T1 = 32 s); 10 s, the server's handshake bound, leaves that transaction
    // time to try the next target (RFC 3263 §4.3).
    static constexpr std::chrono::seconds k_client_connect_timeout{10};
    // What send() queues while the connection is still connecting or handshaking; beyond
    // it a send is refused at once (a peer that never answers would otherwise hold every
    // request sent its way).
    static constexpr std::size_t k_max_queued_before_open = std::size_t{1} << 20;  // 1 MiB

    // Client side: TCP connect, then (with `tls`) the handshake and the RFC 5922 identity
    // check, both within `deadline` (then: timed_out). `on_connected` runs exactly once,
    // always asynchronously. The client context for `tls` is shared (shared_client_context).
    static std::shared_ptr<StreamConnection> connect(
        asio::io_context& io, const asio::ip::tcp::endpoint& remote,
        std::optional<TlsClientConfig> tls, ConnectHandler on_connected,
        std::chrono::milliseconds deadline = k_client_connect_timeout);
    // Server side: an accepted socket; with `tls`, the server handshake first, within
    // `handshake_deadline`. `on_ready` runs exactly once; reading starts after it.
    static std::shared_ptr<StreamConnection> accept(
        asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
        AcceptHandler on_ready,
        std::chrono::milliseconds handshake_deadline = k_server_handshake_timeout);

    StreamConnection(Private, asio::ip::tcp::socket socket);
    StreamConnection(const StreamConnection&) = delete;
    StreamConnection& operator=(const StreamConnection&) = delete;

    // Queued and written in order; bytes sent before the connection is up wait for it.
    // Refused (dropped, with the reason returned): once closed (not_connected), and before
    // the connection is up when more than k_max_queued_before_open bytes would wait
    // (no_buffer_space).
    std::error_code send(std::string bytes);

    void on_message(std::function<void(sip::Message)> handler);
    // A frame cut correctly by Content-Length that still does not parse: the stream stays
    // usable, the message is reported and dropped.
    // `frame`: the message's bytes (valid during the call), to answer it with a 400.
    void on_bad_message(std::function<void(std::string detail, std::string_view frame)> handler);
    // RFC 5626 §4.4.1: a CRLF pong answering our CRLFCRLF ping.
    void on_pong(std::function<void()> handler);
    // Once, when an established connection ends: peer close (eof, "closed by peer"), read
    // or write error, framing error, or local close() (operation_aborted). A connection
    // that never came up reports through its connect/accept handler instead.
    void on_closed(CloseHandler handler);

    // Idempotent. A pending connect or handshake ends with operation_aborted.
    void close();
    // The same, with the reason on_closed reports (an idle flow: timed_out).
    void close(std::error_code reason, std::string detail);

    // What the server's idle sweep looks at (RFC 5626 §4.4.1; SipServerOptions).
    struct Activity {
        std::chrono::steady_clock::time_point opened;         // became open
        std::chrono::steady_clock::time_point last_received;  // any bytes (opened: none yet)
        bool message_seen = false;  // one complete SIP message, well-formed or not
        bool ping_seen = false;     // one CRLFCRLF keep-alive: this connection is a flow
        bool flow = false;          // an Outbound flow by registration (mark_flow)
    };
    const Activity& activity() const { return activity_; }
    // RFC 5626 §5.2: a registrar accepted an Outbound registration over this connection, so
    // its UA owes keep-alives from now on, even before its first ping.
    void mark_flow() { activity_.flow = true; }
    bool is_server_side() const { return server_side_; }

    asio::ip::tcp::endpoint remote_endpoint() const { return remote_; }
    std::optional<asio::ip::tcp::endpoint> local_endpoint() const { return local_; }
    bool is_tls() const { return tls_context_ != nullptr; }
    // TLS, once open: the handshake resumed an earlier session (RFC 8446 §2.2, RFC 5077),
    // on either side. The client's context counts both kinds (tls_session_cache.hpp).
    bool tls_resumed() const;
    bool is_open() const { return state_ == State::open; }

  private:
    enum class State : std::uint8_t { connecting, handshaking, open, closed };

    std::string new_ssl();
    void give_up(std::error_code ec, std::string detail);
    void arm_deadline(std::chrono::milliseconds after);
    void on_deadline();
    void on_tcp_connected(std::error_code ec);
    void start_handshake(bool server);
    void continue_handshake();
    void on_handshake(std::error_code ec, std::string detail);
    std::string check_peer_identity();
    std::string handshake_failure(std::error_code ec);
    void become_open();
    void finish_connect(std::error_code ec, std::string detail);
    void start_read(bool want_write = false);
    std::size_t receive(char* into, std::size_t size, std::error_code& ec, bool& want_write);
    void on_readable(std::error_code ec);
    void read_failed(std::error_code ec);
    bool deliver(std::string_view bytes);
    bool handle_frames();
    void write_next();
    void continue_tls_write();
    void on_written(std::error_code ec);
    void send_close_notify();
    void close_socket();
    void fail(std::error_code ec, std::string detail);
    void report_closed(std::error_code ec, std::string detail);

    asio::ip::tcp::socket socket_;  // declared before ssl_, which is freed first
    std::shared_ptr<asio::ssl::context> tls_context_;
    struct SslFree {
        void operator()(ssl_st* ssl) const;
    };
    std::unique_ptr<ssl_st, SslFree> ssl_;  // TLS only; on socket_'s descriptor
    // Only until the connection is up: a client's connect and handshake, a server's TLS
    // handshake. Once it fired, what the connect/accept handler reports.
    std::unique_ptr<asio::steady_timer> deadline_timer_;
    std::chrono::milliseconds deadline_{0};
    std::string deadline_passed_;
    bool server_side_ = false;
    std::string server_name_;  // client TLS: SNI and the identity to check
    bool verify_identity_ = false;

    State state_ = State::connecting;
    asio::ip::tcp::endpoint remote_;
    std::optional<asio::ip::tcp::endpoint> local_;
    ConnectHandler connect_handler_;
    std::function<void(sip::Message)> on_message_;
    std::function<void(std::string, std::string_view)> on_bad_message_;
    std::function<void()> on_pong_;
    CloseHandler on_closed_;

    Activity activity_;
    sip::StreamFramer framer_;
    // Being written (its bytes must stay put until the write completes), and what was sent
    // meanwhile: appended, then written as one. Both released when the queue runs empty.
    std::string writing_buffer_;
    std::string queued_;
    bool writing_ = false;
    std::size_t written_ = 0;  // TLS: bytes of writing_buffer_ SSL_write has taken
};

}  // namespace happysip::runtime
