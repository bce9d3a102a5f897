// The server side of the I/O shell: listeners (UDP, TCP, TLS on both families), RFC 3261
// §17.2 server transactions in txn::TransactionTables, and response routing (§18.2.2 and
// RFC 3581 over UDP, back on the connection over TCP/TLS). What a server does with a
// request is the caller's: one handler per new transaction, given a Responder.
//
// Retransmitted requests are absorbed by their transaction and re-answered from it. A
// request whose key headers (top Via, From, To, Call-ID, Request-URI, CSeq) do not parse
// gets 400 with the parser's reason, outside any transaction, when it has a usable Via.
// A request on a stream whose top Via carries `alias` files its connection under the
// Via's sent-by too (RFC 5923), so requests to that peer reuse it.
//
// Single-threaded like the rest of runtime/: everything runs on the io_context's thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/udp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/eyeballs/candidate.hpp"
#include "happysip/runtime/connection_table.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server_pending.hpp"
#include "happysip/runtime/udp_flow_table.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/txn/completed_responses.hpp"
#include "happysip/txn/invite_server_transaction.hpp"
#include "happysip/txn/non_invite_server_transaction.hpp"
#include "happysip/txn/transaction_table.hpp"

namespace happysip::runtime {

class StreamListener;
class UdpTransport;

// "udp:127.0.0.1:5060", "tcp:[::1]", "tls:[::]:5061": a transport and a local endpoint
// (port 0 = ephemeral; omitted = 5060, 5061 for tls).
struct ListenSpec {
    eyeballs::Transport transport = eyeballs::Transport::udp;
    HostPort at;
    std::string text;  // as given, for messages
};
std::optional<ListenSpec> parse_listen_spec(std::string_view text);

// Where a request came from and where it arrived.
struct RequestSource {
    eyeballs::Transport transport = eyeballs::Transport::udp;
    asio::ip::address remote_address;
    std::uint16_t remote_port = 0;
    // Our end: the address the request was sent to, and our port (unspecified and 0 in a
    // source made by hand; on a wildcard listener, unspecified when the IP header did not
    // say, as for an IPv6 multicast).
    asio::ip::address local_address;
    std::uint16_t local_port = 0;

    // "udp:[2001:db8::2]:5060": the form a registrar stores as a binding's source.
    std::string text() const;
    // "[2001:db8::2]:5060". Written when asked, not on receipt: most requests never are
    // (issue 4: an OPTIONS answered statelessly).
    std::string remote_text() const;
    // Our end as "[2001:db8::1]:5060"; empty when the port is unknown (0).
    std::string local_text() const;
};

class SipServer;

// Answers one server transaction. A plain value: keep it to answer later (a proxy waiting
// for its branches); it finds its transaction by key, so it is harmless once that is gone.
class Responder {
  public:
    Responder() = default;

    // A response made with sip::make_response from the transaction's request (RFC 3261
    // §8.2.6: Vias, From, To with this transaction's tag, Call-ID, CSeq) plus `extra`
    // header lines. False when the transaction is gone or no longer takes responses.
    bool respond(int status, std::string_view reason = {},
                 const std::vector<std::string>& extra = {}) const;
    // A response built by the caller.
    bool send(sip::Message response) const;
    // The To tag this transaction answers with (RFC 3261 §8.2.6.2).
    std::string to_tag() const;
    // True while the transaction awaits a final response.
    bool awaits_final() const;
    // Drops the transaction unanswered and forgets it once the handler returns (a scanner:
    // an answer would only confirm that a server is here). A retransmission comes to the
    // handler again as a new request, so nothing is held for the peer.
    void discard() const;
    explicit operator bool() const noexcept { return server_ != nullptr; }
    // The transaction's key (RFC 3261 §17.2.3), equal to txn::server_key of the request as
    // the handler got it, without interpreting its key headers again. A default key when
    // the transaction is gone or the Responder empty.
    txn::TransactionKey key() const;

  private:
    friend class SipServer;
    Responder(SipServer* server, std::uint64_t id, bool invite)
        : server_(server), id_(id), invite_(invite) {}

    SipServer* server_ = nullptr;
    // The transaction's entry in its table: a number, cheap to copy into the group commit
    // and the proxy's contexts, which a key (eight strings) was not.
    std::uint64_t id_ = 0;
    bool invite_ = false;
};

// What a prefilter decides for a request that would start a new server transaction.
struct Prefiltered {
    enum class Action : std::uint8_t {
        transaction,  // the normal path: a transaction and the request handler
        drop,         // nothing at all: no answer, no state (a flood, a scanner)
        respond,      // a stateless response (RFC 3261 §8.2.7), no transaction kept
    };
    Action action = Action::transaction;
    int status = 0;      // respond: the response made from the request
    std::string reason;  // empty: the standard phrase
    // Whole lines without CRLF, read when the response is made right after the prefilter
    // returns, so they must outlive its call: constants in practice (a stateless answer
    // to OPTIONS sends the same lines to everyone), which a verdict need not copy.
    std::span<const std::string> headers;
};

struct SipServerOptions {
    std::string server_header;       // "Server: ..." line added to every response; empty: none
    bool invite_100_trying = false;  // §17.2.1: let INVITE transactions send 100 themselves
    // Outgoing TLS connections (send_request): RFC 5922 verification of the peer.
    std::string tls_ca_file;  // empty: the system's default verify paths
    bool tls_verify = true;
    // Connections peers opened to us (TCP/TLS), checked by one sweep every
    // idle_sweep_interval rather than a timer per connection; 0 turns a limit off.
    // No complete SIP message within this after the connection opened: closed (idle
    // sockets from scanners would otherwise hold descriptors for ever).
    std::chrono::milliseconds first_message_timeout{32'000};
    // RFC 5626 §4.4.1: a connection that sent a CRLFCRLF ping is a keep-alive flow; when
    // nothing (ping or message) arrives on it for this long it is closed, so flow_alive()
    // reports it failed. A UA pings every 95-120 s when no Flow-Timer is sent and then
    // waits 10 s for the pong: 120 + 10 s. With Flow-Timer F, F + 10 s is the match.
    // The same limit holds for a UDP flow marked by mark_flow (RFC 5626 §4.4.2: its
    // keep-alives are STUN Binding requests): any datagram from the 5-tuple refreshes it.
    std::chrono::milliseconds flow_idle_timeout{130'000};
    std::chrono::milliseconds idle_sweep_interval{1'000};
    // A failed UDP flow is remembered this long (flow_alive says false), then forgotten
    // (flow_alive says true again, as for any UDP peer): by then any binding registered
    // over it has expired (the registrar's default max_expires is 86400 s). 0: not kept.
    std::chrono::milliseconds failed_udp_flow_memory{86'400'000};
    // RFC 3261 §17.1.1.1: T1, T2, T4 (and Timer D) of the server transactions.
    txn::TimerConfig timers;
};

// Connections the idle sweep closed, and how the TLS ones came up
// (SipServer::connection_counters()).
struct ConnectionCounters {
    std::uint64_t no_message_closed = 0;  // first_message_timeout
    std::uint64_t idle_flows_closed = 0;  // flow_idle_timeout, UDP flows included
    // TLS connections served (accepted, or opened by send_request) by kind of handshake:
    // a resumed session (RFC 8446 §2.2, RFC 5077) or a full one.
    std::uint64_t tls_full_handshakes = 0;
    std::uint64_t tls_resumed_handshakes = 0;
    // Requests whose connection closed before release_request (send_request's
    // `transaction`): each reported through its on_error.
    std::uint64_t pending_requests_failed = 0;
};

// Where send_request sends: a transport and a peer endpoint (RFC 3263 already done).
struct Destination {
    eyeballs::Transport transport = eyeballs::Transport::udp;
    asio::ip::address address;
    std::uint16_t port = 5060;
    std::string server_name;  // TLS: SNI and RFC 5922 identity; empty: the address
    // RFC 5626 §5.3: a flow the UA opened (an Outbound binding's). Over TCP/TLS the request
    // goes down that connection or fails: a UA behind NAT cannot be connected to.
    bool existing_flow_only = false;

    std::string text() const;  // "tcp:[2001:db8::2]:5060"
};

// The inverse of Destination::text() (a RequestSource's text too): "udp:192.0.2.1:5060",
// "tls:[2001:db8::2]:5061". nullopt for anything else.
std::optional<Destination> parse_destination(std::string_view text);

class SipServer {
  public:
    // Called once per new server transaction (and for an ACK that matches none, an ACK for
    // a 2xx, with an empty Responder). The request has received/rport stamped (§18.2.1).
    using RequestHandler =
        std::function<void(const sip::Message&, const RequestSource&, Responder&)>;
    // A response that arrived on a listener or on a connection we use: the client side
    // (transactions, proxy response contexts) is the caller's. Nothing is stamped.
    using ResponseHandler = std::function<void(sip::Message, const RequestSource&)>;
    // Things an operator may want to see: `event` is a word ("tls_handshake_failed",
    // "bad_message", "send_failed", "request_rejected"), `detail` starts with the peer.
    using LogHandler = std::function<void(std::string_view event, const std::string& detail)>;

    using Options = SipServerOptions;

    explicit SipServer(asio::io_context& io, Options options = {});
    ~SipServer();
    SipServer(const SipServer&) = delete;
    SipServer& operator=(const SipServer&) = delete;

    void on_request(RequestHandler handler) { handler_ = std::move(handler); }
    void on_log(LogHandler handler) { log_ = std::move(handler); }
    // Routine events an operator sees at debug level only: "tls_handshake" (detail: the
    // peer, then "resumed=yes" or "resumed=no").
    void on_debug(LogHandler handler) { debug_ = std::move(handler); }
    void on_response(ResponseHandler handler) { response_handler_ = std::move(handler); }
    // Consulted before each new server transaction (never for retransmissions, ACKs of
    // non-2xx, or an ACK of a 2xx): what needs no transaction costs none. Cheap checks
    // only; the request has received/rport stamped. `request_uri`: the front door's parse
    // of the Request-URI (it answered 400 to one that does not parse), valid during the call.
    using Prefilter = std::function<Prefiltered(const sip::Message&, const RequestSource&,
                                                const sip::Uri& request_uri)>;
    void on_prefilter(Prefilter filter) { prefilter_ = std::move(filter); }

    // Opens one listener; `tls` is required for a tls spec. Returns the bound endpoint as
    // "udp:127.0.0.1:5060" (the real port when 0 was asked), or an error text.
    struct Listening {
        std::string bound;
        std::string error;  // "cannot listen on tcp:127.0.0.1:5060: Address already in use"
    };
    Listening listen(const ListenSpec& spec, std::shared_ptr<asio::ssl::context> tls = nullptr);

    // --- the client side (sip_server_outbound.cpp): requests a proxy forwards ---
    // Our Via sent-by towards a peer of that family over that transport (RFC 3261 §18.1.1):
    // the listener's address and port, or, for a wildcard listener, the local address the
    // kernel routes `to` from. Empty when no listener of that transport and family exists.
    std::string via_sent_by(eyeballs::Transport transport, const asio::ip::address& to) const;
    // The same for a request to `to` itself: over UDP the listener send_request sends it
    // from, which for a flow (below) is the flow's own.
    std::string via_sent_by(const Destination& to) const;
    // Sends a request (RFC 3261 §18.1.1): UDP from our listener socket of the destination's
    // family, so responses come back to it, except that a UDP flow a registration marked
    // (mark_flow) gets it from the listener the flow arrived on, existing_flow_only or not
    // (RFC 5626 §5.3: a NAT in front of the UA passes only what comes from the address and
    // port its mapping points at); TCP/TLS over an open connection to the peer (one it
    // opened to us included, RFC 5923 aliases too), else over a new connection that is then
    // served like an accepted one. `on_error` runs asynchronously, at most once, when the
    // request could not be handed to the network (no listener of that family, connect or
    // TLS failure, send error).
    // `transaction` (a client transaction's name, a proxy's Via branch): over TCP/TLS the
    // request stays pending under that name until release_request, and when its
    // connection closes first (the peer closed it, a write failed, the idle sweep closed a
    // silent flow) or never comes up, `on_error` runs then (RFC 3261 §18.4, §17.1.1.2,
    // §17.1.2.2: a transport error, so the transaction need not wait for Timer B/F). Still
    // at most once; never after stop() closed everything. Over UDP it changes nothing.
    void send_request(const Destination& to, std::string bytes,
                      std::function<void(std::string detail)> on_error = {},
                      std::string transaction = {});
    // The transaction named at send_request has its final response or has ended: its
    // connection's close no longer concerns it. Unknown names are ignored.
    void release_request(std::string_view transaction) { pending_.release(transaction); }
    // RFC 3261 §16.7 step 1 / §16.11: sends a response statelessly towards its (new) top
    // Via, the caller's own Via already removed: over UDP to the address and port §18.2.2
    // and RFC 3581 give (received, rport, sent-by); over TCP/TLS down an open connection
    // to that address (none: false, nothing opened). False too when the Via names no
    // address or no listener of its family exists. Over UDP from the same listener as
    // send_request would use for that address and port.
    bool forward_response(const sip::Message& response);
    // Whether send_request could use the flow `to` now (RFC 5626 §5.3 flow failure
    // detection): over TCP/TLS, an open connection to it; over UDP, a listener of its
    // family and, for an existing_flow_only destination, no failed flow to it: a 5-tuple
    // never marked (a UA without Outbound) counts as alive, as UDP always did.
    bool flow_alive(const Destination& to);
    // RFC 5626 §5.2: the registrar accepted an Outbound registration from `source`; from
    // now on it is a keep-alive flow, failed when nothing (keep-alive or message) arrives
    // on it for flow_idle_timeout: over TCP/TLS its connection is closed; over UDP the
    // 5-tuple (our socket, the UA's address and port) is tracked, and a failed one comes
    // back only through a new mark_flow (udp_flow_table.hpp says why). False when there is
    // no such open connection, or for UDP when no listener or flow_idle_timeout is off.
    bool mark_flow(const RequestSource& source);

    // For a CANCEL: a Responder for the INVITE transaction it targets (§9.2), empty if none.
    Responder invite_of_cancel(const sip::Message& cancel);
    // RFC 3261 §9.2 as a UAS: 481 when the CANCEL matches no INVITE transaction; else 200
    // (with the INVITE's To tag) and 487 for the INVITE if it still awaits a final response.
    void answer_cancel(const sip::Message& cancel, const Responder& responder);

    // Stops taking new transactions and closes the stream listeners at once; answers
    // retransmissions and waits for the transactions still awaiting a final response (or
    // an INVITE's ACK) for at most `grace`, then closes every socket. io.run() returns
    // once the caller's own timers are gone too. `done` runs when everything is closed.
    void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0),
              std::function<void()> done = {});
    bool stopping() const noexcept { return stopping_; }

    ConnectionTable& connections() noexcept { return connections_; }
    const ConnectionCounters& connection_counters() const noexcept { return counters_; }
    std::size_t transactions() const noexcept {
        return non_invite_.size() + invite_.size() + completed_.size();
    }

  private:
    friend class Responder;
    // Where a server transaction's responses go, kept in its table entry.
    struct Route {
        RequestSource source;
        UdpTransport* udp = nullptr;  // owned by the server, which outlives routes
        asio::ip::udp::endpoint udp_source;
        // §18.2.2: where UDP responses go, read from the stamped top Via on receipt (every
        // response copies that Via, so reading it again per response would be wasted work).
        std::optional<asio::ip::udp::endpoint> udp_reply_to;
        std::weak_ptr<StreamConnection> stream;
        std::string to_tag;
    };
    // Where a UDP response goes, and the listener and address it leaves from.
    struct UdpReplyTo {
        UdpTransport* udp = nullptr;
        asio::ip::udp::endpoint to;
        // The address the request was sent to (RequestSource::local_address): UDP
        // responses leave from it (RFC 3581 §4), which matters on a wildcard listener.
        asio::ip::address from;
    };

    Instant now() const;
    void serve(std::shared_ptr<StreamConnection> connection);
    // The UDP listener for a datagram to `to`:`port`: that of the alive flow marked to it
    // when there is one (port 0: never), else the first of the family; null when none.
    // `from`: on a wildcard listener, the address the flow was registered to (the UA's
    // NAT passes nothing else); unspecified when routing may pick.
    struct UdpSource {
        UdpTransport* udp = nullptr;
        asio::ip::address from;
    };
    UdpSource udp_source_for(const asio::ip::address& to, std::uint16_t port = 0) const;
    UdpTransport* udp_for(const asio::ip::address& to, std::uint16_t port = 0) const {
        return udp_source_for(to, port).udp;
    }
    std::string via_sent_by(eyeballs::Transport transport, const asio::ip::address& to,
                            std::uint16_t port) const;
    std::optional<asio::ip::address> routed_source_cached(const asio::ip::address& to) const;
    void send_stream(const Destination& to, std::string bytes,
                     std::function<void(std::string)> on_error, std::string transaction);
    // A stream connection ended (closed, or never came up): its pending requests fail.
    void fail_pending(const std::weak_ptr<StreamConnection>& connection, const std::string& why);
    void count_tls_handshake(const StreamConnection& c, const std::string& peer);
    void receive(sip::Message request, Route&& route);
    bool stamp_and_key(sip::Message& request, Route& route, sip::ProxyKeyHeaders& keys,
                       txn::TransactionKey& key);
    std::string new_tag();  // a To tag for a response we make
    void file_alias(const sip::Message& request, const Route& route);
    template <class Txn>
    void drain(Txn& txn, Route& route, std::uint64_t id);
    bool answer(std::uint64_t id, bool invite, sip::Message response);
    bool respond(std::uint64_t id, bool invite, int status, std::string_view reason,
                 const std::vector<std::string>& extra);
    bool respond_final_bytes(std::uint64_t id, int status, std::string_view reason,
                             const std::vector<std::string>& extra);
    std::optional<sip::Message> build(std::uint64_t id, bool invite, int status,
                                      std::string_view reason,
                                      const std::vector<std::string>& extra);
    bool awaits_final(std::uint64_t id, bool invite);
    const Route* route_of(std::uint64_t id, bool invite);
    void purge_discarded();
    bool admit(const sip::Message& request, const Route& route, const sip::Uri& request_uri);
    void settle_all();
    void retire_completed();
    void transmit(const Route& route, const sip::Message& m, bool* failed);
    void reject(const sip::Message& request, const Route& route, const sip::ParseError& e);
    void send_raw(const Route& route, std::string bytes);
    // A response's bytes, sent where the response `via_of` (or a response to the request
    // `via_of`) goes.
    void send_bytes(const Route& route, const sip::Message& via_of, std::string bytes);
    // Where a UDP response to the request of `route` goes (§18.2.2, RFC 3581), read from
    // `m`'s top Via unless the route already knows it, and the listener and address it
    // leaves from. `route.udp` must be set.
    UdpReplyTo udp_reply_to(const Route& route, const sip::Message& m) const;
    // A final response over UDP: sent, and noted for retire_completed(), which keeps the
    // bytes to answer the retransmissions for the rest of Timer J.
    void send_final_udp(std::uint64_t id, const UdpReplyTo& to, std::string bytes);
    void send_udp(const UdpReplyTo& reply_to, std::string bytes);
    void log(std::string_view event, const std::string& detail) const;
    void rearm();
    void arm_idle_sweep();
    void sweep_idle();
    void log_idle(std::string_view event, const std::string& peer, std::string_view what,
                  std::chrono::steady_clock::duration silent) const;
    // UDP flows (sip_server_udp_flows.cpp). `socket` numbers a UDP listener (index in udp_).
    void heard_udp(std::uint8_t socket, const asio::ip::udp::endpoint& from) {
        if (!udp_flows_.empty()) refresh_udp_flow(socket, from);  // per datagram: keep cheap
    }
    void refresh_udp_flow(std::uint8_t socket, const asio::ip::udp::endpoint& from);
    bool mark_udp_flow(const RequestSource& source);
    bool udp_flow_alive(const Destination& to) const;
    // The flows to address:port, one per listener of its family it was marked over: the
    // listener (index in udp_) of the first alive one, and whether any has failed.
    struct UdpFlowLookup {
        std::optional<std::size_t> alive;
        bool failed = false;
        // The alive flow's local address when its listener is a wildcard one (the address
        // the UA registered to); unspecified otherwise.
        asio::ip::address local;
    };
    UdpFlowLookup find_udp_flow(const asio::ip::address& address, std::uint16_t port) const;
    void sweep_udp_flows(std::chrono::steady_clock::time_point now);
    UdpFlowTable::Limits udp_flow_limits() const;
    bool busy();
    void close_all();

    asio::io_context& io_;
    Options options_;
    std::string server_line_;  // "Server: ..." for every response we make; empty: none
    asio::steady_timer timer_;
    std::optional<Instant> armed_;  // the deadline timer_ waits for, if any
    asio::steady_timer grace_timer_;
    asio::steady_timer sweep_timer_;  // the idle sweep over connections_
    bool sweep_armed_ = false;
    ConnectionCounters counters_;
    std::chrono::steady_clock::time_point start_;
    std::mt19937_64 rng_;
    RequestHandler handler_;
    ResponseHandler response_handler_;
    Prefilter prefilter_;
    LogHandler log_;
    LogHandler debug_;
    bool stopping_ = false;
    bool closed_ = false;
    std::function<void()> done_;
    std::vector<std::unique_ptr<UdpTransport>> udp_;
    std::vector<std::unique_ptr<StreamListener>> listeners_;
    ConnectionTable connections_;
    UdpFlowTable udp_flows_;  // RFC 5626 flows over UDP, marked by mark_flow
    // The source address the kernel routes from towards a destination, for the Via and
    // Record-Route of a listener bound to a wildcard address (sip_server_outbound.cpp).
    struct RoutedSource {
        asio::ip::address source;
        std::chrono::steady_clock::time_point until;
    };
    mutable std::map<asio::ip::address, RoutedSource> routed_sources_;
    // Outgoing connections still connecting, so a second request to the peer waits for
    // the same one instead of opening another.
    std::map<ConnectionTable::Key, std::weak_ptr<StreamConnection>> connecting_;
    PendingRequests pending_;  // send_request's named requests over TCP/TLS
    // The server transactions, each with its Route, for as long as it lives (32 s for a
    // UDP non-INVITE, Timer J).
    txn::TransactionTable<txn::NonInviteServerTransaction, Route> non_invite_;
    txn::TransactionTable<txn::InviteServerTransaction, Route> invite_;
    // A UDP non-INVITE that sent its final response moves here for the rest of Timer J
    // (txn/completed_responses.hpp), as its response's bytes and where they go.
    txn::CompletedResponses<UdpReplyTo> completed_;
    // non_invite_ entries to move there at settle_all, with the final response as sent and
    // where it went.
    struct Completing {
        std::uint64_t id = 0;
        std::string bytes;
        UdpReplyTo to;
    };
    std::vector<Completing> completing_;
    // How deep drain() nests: the tables settle the transactions they were touched for
    // (touch, insert_touched) only outside every drain.
    int depth_ = 0;
    // Transactions a handler discarded: removed once the handler has returned.
    std::vector<std::pair<std::uint64_t, bool>> discarded_;  // entry ids, invite or not
    // Expires with the server: handlers that may run after it (a connect it ended while
    // closing) hold a weak_ptr to it and do nothing once it is gone.
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace happysip::runtime
