// SIP over UDP (RFC 3261 §18): one unconnected socket per address family, one message
// per datagram. Each socket of the IPv6 family is IPv6-only, so a v4 and a v6 socket can
// share a port and every peer is seen with its own family (no v4-mapped addresses).
//
// The port is shared with STUN (RFC 5626 §8): a Binding request is answered from the socket
// it came in on, to its source (stun/keepalive_responder.hpp), and never reaches the SIP
// parser; STUN responses and indications are dropped unanswered.
//
// A socket bound to a wildcard address (0.0.0.0, [::]) learns each datagram's destination
// address (IP_PKTINFO, IPV6_RECVPKTINFO) and hands it up with the message, so that an
// answer can leave from the address the request was sent to (send_from). RFC 3581 §4 asks
// that of responses; without it a host with several addresses lets routing pick the
// source, and a client or NAT that expects the address it sent to drops the answer.
//
// Handlers run on the io_context's thread. Pending operations keep the sockets alive
// through a shared state, so destroying the transport while the loop runs is safe.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/stun/message.hpp"

namespace happysip::runtime {

class UdpTransport {
  public:
    // `to`: the local address the datagram was sent to. On a wildcard socket the one its
    // IP header named (an IPv4 broadcast: the receiving interface's address; an IPv6
    // multicast: unspecified); otherwise the socket's own address.
    using MessageHandler = std::function<void(sip::Message, const asio::ip::udp::endpoint& from,
                                              const asio::ip::address& to)>;
    // `datagram`: the bytes as received (valid during the call), so a server can still
    // answer a request that does not parse (runtime/bad_request_reply.hpp).
    using BadDatagramHandler =
        std::function<void(std::string detail, const asio::ip::udp::endpoint& from,
                           const asio::ip::address& to, std::string_view datagram)>;

    explicit UdpTransport(asio::io_context& io);
    ~UdpTransport();
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    // Binds the socket of local's family and starts receiving. Port 0 = ephemeral.
    // address_family_not_supported-like errors come back as values; a second open of the
    // same family gives already_open.
    std::error_code open(const asio::ip::udp::endpoint& local);
    // Local endpoint of the socket of that family (for Via sent-by); nullopt if not open.
    std::optional<asio::ip::udp::endpoint> local_endpoint(eyeballs::Family family) const;

    // Sends one datagram from the socket of the destination's family. `done` (optional)
    // gets the outcome: address_family_not_supported when that family has no socket,
    // or the system's error (EPERM, ENETUNREACH, ...). Always called asynchronously.
    void send(const asio::ip::udp::endpoint& to, std::string bytes,
              std::function<void(std::error_code)> done = {});
    // The same, with `from` as the source address when the socket is a wildcard one (an
    // answer to a datagram sent to `from`); a socket bound to one address sends from it,
    // and a `from` of the other family, or unspecified, leaves the choice to routing.
    void send_from(const asio::ip::address& from, const asio::ip::udp::endpoint& to,
                   std::string bytes, std::function<void(std::error_code)> done = {});
    // The failures of sends made without a `done` (asynchronously, with the destination):
    // one handler for the transport spares a server a std::function (an allocation) per
    // datagram it sends (issue 4).
    using SendErrorHandler =
        std::function<void(std::error_code, const asio::ip::udp::endpoint& to)>;
    void on_send_error(SendErrorHandler handler);

    // Every datagram that parses as SIP. Keep-alives never get here: STUN Binding requests
    // (RFC 5626 §4.4.2) are answered, other STUN and the CRLF some UAs send anyway
    // (§4.4.1) are dropped.
    void on_message(MessageHandler handler);
    // Datagrams that are neither SIP nor a keep-alive, with the parse error.
    void on_bad_datagram(BadDatagramHandler handler);
    // Every keep-alive datagram (STUN of any kind, CRLF), with its source, before it is
    // answered or dropped: a server tracking RFC 5626 flows over UDP hears the peer
    // (SIP and bad datagrams it sees through the two handlers above).
    using KeepaliveHandler = std::function<void(const asio::ip::udp::endpoint& from)>;
    void on_keepalive(KeepaliveHandler handler);

    // Closes both sockets; pending receives end, io.run() can return. Idempotent.
    void close();

    // Keep-alive traffic seen by both sockets, for operators and tests.
    struct KeepaliveCounters {
        std::uint64_t stun_success = 0;  // Binding requests answered with a success
        std::uint64_t stun_error = 0;    // requests answered 400 or 420
        std::uint64_t stun_ignored = 0;  // STUN not answered: responses, indications...
        std::uint64_t crlf = 0;          // CRLF keep-alives (dropped)
    };
    const KeepaliveCounters& keepalive_counters() const noexcept;

    struct State;  // shared with pending operations

  private:
    std::shared_ptr<State> state_;
};

// True for what RFC 5626 §4.4.1 lets a peer send as a UDP keep-alive: a STUN message
// (stun::looks_like_stun: RFC 5389 §6 header with the magic cookie) or only CR/LF bytes.
bool is_udp_keepalive(std::string_view datagram) noexcept;

// The endpoint as stun/ takes it (and writes it into XOR-MAPPED-ADDRESS).
stun::TransportAddress stun_address(const asio::ip::udp::endpoint& ep);

}  // namespace happysip::runtime
