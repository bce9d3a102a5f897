// Accepts SIP connections (TCP, or TLS with a server context) on one local endpoint and
// hands each established StreamConnection to a callback. An IPv6 listener is IPv6-only,
// so "[::]:5060" and "0.0.0.0:5060" can both be open, each seeing its own family.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "happysip/runtime/stream_connection.hpp"

namespace happysip::runtime {

class StreamListener {
  public:
    using AcceptHandler = std::function<void(std::shared_ptr<StreamConnection>)>;
    // An accepted connection that did not come up (TLS handshake failed or timed out), or
    // accept() itself failing for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS,
    // ENOMEM; `remote` is then the unspecified endpoint, port 0): once per stretch of
    // failures, while accepting is retried every k_accept_retry_delay.
    using ErrorHandler = std::function<void(std::error_code, std::string detail,
                                            const asio::ip::tcp::endpoint& remote)>;

    static constexpr std::chrono::milliseconds k_accept_retry_delay{100};

    explicit StreamListener(asio::io_context& io);
    ~StreamListener();
    StreamListener(const StreamListener&) = delete;
    StreamListener& operator=(const StreamListener&) = delete;

    // Binds (SO_REUSEADDR, so a restart does not wait for TIME_WAIT) and listens. With a
    // server context every connection completes its TLS handshake before it is handed over.
    std::error_code open(const asio::ip::tcp::endpoint& local,
                         std::shared_ptr<asio::ssl::context> tls = nullptr);
    void on_accept(AcceptHandler handler);
    void on_error(ErrorHandler handler);

    std::optional<asio::ip::tcp::endpoint> local_endpoint() const;
    bool is_tls() const;
    // accept() calls that failed since open (an operator's counter; tests see the back-off).
    std::uint64_t failed_accepts() const;
    // Stops accepting; connections already handed over stay open. Idempotent.
    void close();

    struct State;  // shared with the pending accept

  private:
    std::shared_ptr<State> state_;
};

}  // namespace happysip::runtime
