// Carries out a client::RequestDelivery on real sockets: DNS through DnsClient, UDP
// datagrams through a shared UdpTransport, one StreamConnection per TCP/TLS attempt, and
// a steady timer at the delivery's next deadline. Established connections that won are
// kept in a small pool keyed by transport and remote endpoint, so the next request to the
// same destination reuses them (RFC 3261 §18.1.1, RFC 5923) instead of paying a handshake.
// Single-threaded: everything runs on the io_context's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "happysip/client/request_delivery.hpp"
#include "happysip/runtime/tls_config.hpp"

namespace asio {
class io_context;
}

namespace happysip::runtime {

class DnsClient;
class UdpTransport;
class StreamConnection;

// The steady clock as the core's Instant (microseconds since the clock's epoch).
Instant steady_now();

class DeliveryRunner {
  public:
    // `tls` supplies the CA file and verification switch; its server_name is the SIP domain
    // RFC 5922 §7.2 checks the certificate against (the URI's host).
    DeliveryRunner(asio::io_context& io, UdpTransport& udp, DnsClient& dns, TlsClientConfig tls);
    ~DeliveryRunner();
    DeliveryRunner(const DeliveryRunner&) = delete;
    DeliveryRunner& operator=(const DeliveryRunner&) = delete;

    // The Via sent-by of a UDP attempt to `candidate`: the local address the kernel routes
    // it from, and the UDP socket's port.
    std::string udp_sent_by(const client::Candidate& candidate) const;

    // Starts `delivery` (not owned; must live until `done` runs) and calls `done` once it
    // has finished. One delivery at a time.
    void run(client::RequestDelivery& delivery, std::function<void()> done);

    // Closes pooled connections so that io.run() can return.
    void close();

  private:
    struct Impl;
    std::shared_ptr<Impl> impl_;  // shared: pending handlers hold weak references
};

}  // namespace happysip::runtime
