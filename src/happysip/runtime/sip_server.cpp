#include "happysip/runtime/sip_server.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <type_traits>
#include <utility>
#include <variant>

#include "happysip/runtime/response_route.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/timer_slack.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::runtime {

using eyeballs::Transport;

std::optional<ListenSpec> parse_listen_spec(std::string_view text) {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto transport = transport_named(text.substr(0, colon));
    if (!transport) return std::nullopt;
    ListenSpec spec;
    spec.text = std::string(text);
    spec.transport = *transport;
    std::uint16_t default_port = spec.transport == Transport::tls ? 5061 : 5060;
    std::error_code ec;
    auto at = parse_hostport(text.substr(colon + 1), default_port, ec);
    if (!at) return std::nullopt;
    spec.at = *at;
    return spec;
}

std::string RequestSource::text() const {
    const std::string_view transport_name = eyeballs::to_string(transport);
    std::string out;
    out.reserve(transport_name.size() + 1 + 48);  // "[" 39 "]:" 5: no second allocation
    out.append(transport_name).append(":").append(remote_text());
    return out;
}

std::string RequestSource::remote_text() const {
    return to_hostport(remote_address, remote_port);
}

std::string RequestSource::local_text() const {
    return local_port == 0 ? std::string() : to_hostport(local_address, local_port);
}

// --- Responder -------------------------------------------------------------------------

bool Responder::respond(int status, std::string_view reason,
                        const std::vector<std::string>& extra) const {
    return server_ && server_->respond(id_, invite_, status, reason, extra);
}

bool Responder::send(sip::Message response) const {
    return server_ && server_->answer(id_, invite_, std::move(response));
}

std::string Responder::to_tag() const {
    const auto* route = server_ ? server_->route_of(id_, invite_) : nullptr;
    return route ? route->to_tag : std::string();
}

bool Responder::awaits_final() const {
    return server_ && server_->awaits_final(id_, invite_);
}

void Responder::discard() const {
    if (server_) server_->discarded_.emplace_back(id_, invite_);
}

txn::TransactionKey Responder::key() const {
    if (!server_) return {};
    const txn::TransactionKey* key =
        invite_ ? server_->invite_.find_id(id_).key : server_->non_invite_.find_id(id_).key;
    return key ? *key : txn::TransactionKey{};
}

// --- SipServer -------------------------------------------------------------------------

SipServer::SipServer(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      server_line_(options_.server_header.empty() ? std::string()
                                                  : "Server: " + options_.server_header),
      timer_(io),
      grace_timer_(io),
      sweep_timer_(io),
      start_(std::chrono::steady_clock::now()),
      rng_(std::random_device{}()) {
    connections_.track_idle(
        options_.idle_sweep_interval.count() > 0 &&
        (options_.first_message_timeout.count() > 0 || options_.flow_idle_timeout.count() > 0));
}

SipServer::~SipServer() {
    close_all();
}

Instant SipServer::now() const {
    return Instant{} +
           std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_);
}

void SipServer::log(std::string_view event, const std::string& detail) const {
    if (log_) log_(event, detail);
}

void SipServer::receive(sip::Message request, Route&& route) {
    if (closed_) return;
    if (request.is_response()) {
        if (response_handler_) response_handler_(std::move(request), route.source);
        return;
    }
    txn::TransactionKey key;
    // The key headers as the front door read them; of their views only the Request-URI's
    // are used after the Via is stamped: the start line is never edited or moved.
    sip::ProxyKeyHeaders keys;
    if (!stamp_and_key(request, route, keys, key)) return;
    const sip::Uri& request_uri = *keys.request_uri;
    Instant t = now();
    txn::Transport kind = route.udp ? txn::Transport::unreliable : txn::Transport::reliable;
    sip::Method method = request.method();
    bool is_invite = method == sip::Method::invite;
    if (is_invite || method == sip::Method::ack) {
        if (auto existing = invite_.touch(key)) {
            existing.txn->on_request(request, t);  // retransmission, or the ACK of a non-2xx
            drain(*existing.txn, *existing.extra, existing.id);
        } else if (is_invite && !stopping_ && admit(request, route, request_uri)) {
            route.to_tag = new_tag();
            auto send100 = options_.invite_100_trying ? txn::InviteServerTransaction::Send100::yes
                                                      : txn::InviteServerTransaction::Send100::no;
            auto stored = invite_.insert_touched(
                std::move(key),
                txn::InviteServerTransaction(std::move(request), kind, options_.timers, t, send100),
                std::move(route));
            drain(*stored.txn, *stored.extra, stored.id);  // unsettled until we return
        } else if (!is_invite && handler_) {
            Responder none;  // an ACK for a 2xx belongs to the dialog, not to a transaction
            handler_(request, route.source, none);
        }
    } else {
        const auto* done = route.udp ? completed_.find(key) : nullptr;
        if (done) {
            // §17.2.2: a retransmission in Completed gets the final response again.
            send_udp(done->to, done->bytes);
        } else if (auto existing = non_invite_.touch(key)) {
            existing.txn->on_request(request, t);
            drain(*existing.txn, *existing.extra, existing.id);
        } else if (!stopping_ && admit(request, route, request_uri)) {
            route.to_tag = new_tag();
            auto stored = non_invite_.insert_touched(
                std::move(key),
                txn::NonInviteServerTransaction(std::move(request), kind, options_.timers, t),
                std::move(route));
            drain(*stored.txn, *stored.extra, stored.id);
        }
    }
    purge_discarded();
    settle_all();
    rearm();
}

// RFC 3261 §18.2.1 (all transports): received, and rport when asked (RFC 3581 §4); then
// the request's transaction key (§17.2.3). False when the request goes no further: no
// usable Via (nowhere to answer), or key headers that do not parse (400, rejected).
// From and To are read as a proxy reads them (§16.3): their tags, not their URIs. What
// the server does with a request decides which URIs it needs, and the code that reads one
// checks it (the registrar's To: 400; a proxy's From domain: not ours). Interpreting both
// here was ~3,400 instructions per request, 8 % of a REGISTER refresh (issue 4).
bool SipServer::stamp_and_key(sip::Message& request, Route& route, sip::ProxyKeyHeaders& keys,
                              txn::TransactionKey& key) {
    const bool parsed = !sip::interpret_proxy_key_headers(request, keys);
    if (!parsed) {
        // The order of the decisions as it always was: no usable Via, nothing sent; else
        // the key headers read again from the stamped request, and 400 with their reason.
        if (stamp_received(request, route.source.remote_address, route.source.remote_port))
            return false;
        if (auto error = sip::interpret_proxy_key_headers(request, keys)) {
            reject(request, route, *error);
            return false;
        }
    }
    key = txn::server_key(request, keys);
    const bool alias = keys.top_via.alias;
    std::optional<asio::ip::udp::endpoint> reply_to;
    if (parsed) {
        // The usual request: stamped from the Via parsed above, whose views are not used
        // after the edit (a folded value lives in memory the edit may move).
        reply_to = stamp_received(request, keys.top_via, route.source.remote_address,
                                  route.source.remote_port);
        // The RFC 2543 key holds the top Via as stamped, as every later server_key of this
        // request (a CANCEL's target, a proxy's) reads it.
        if (key.kind == txn::KeyKind::server_rfc2543) {
            if (auto stamped = txn::server_key(request)) key = std::move(stamped).value();
        }
    } else {
        reply_to = udp_response_destination(keys.top_via);
    }
    if (route.udp) route.udp_reply_to = reply_to;
    if (route.udp == nullptr && alias) file_alias(request, route);
    return true;
}

// RFC 3261 §19.3: at least 32 random bits. 60 of them as 15 hex digits fit in a string's
// own buffer, where the 20 decimal digits of all 64 took an allocation per transaction.
std::string SipServer::new_tag() {
    return sip::text::hex_digits(rng_(), 15);
}

// Files the new deadlines of the transactions touched since the last call, and removes
// the ones that terminated; only outside every drain (see drain()).
void SipServer::settle_all() {
    if (depth_ > 0) return;
    if (!completing_.empty()) retire_completed();
    non_invite_.settle_touched();
    invite_.settle_touched();
}

// The UDP non-INVITEs that sent their final response (drain()) go on as entries of
// completed_: the key, the response's bytes and its destination, for the rest of Timer J.
// What the transaction would still do there is exactly what completed_ does: answer a
// retransmission with those bytes (receive()) and end when Timer J fires (rearm()).
void SipServer::retire_completed() {
    const Instant until = now() + options_.timers.timer_j_for(txn::Transport::unreliable);
    for (Completing& done : completing_) {
        auto s = non_invite_.find_id(done.id);  // gone when noted twice (a retransmission)
        if (!s || s.txn->state() != txn::NonInviteServerTransaction::State::completed) continue;
        completed_.add(*s.key, {std::move(done.bytes), done.to}, until);
        non_invite_.erase_id(done.id);
    }
    completing_.clear();
}

// The prefilter's say over a request that would start a transaction: false when it was
// dropped or answered statelessly (RFC 3261 §8.2.7) and no transaction is to be made.
bool SipServer::admit(const sip::Message& request, const Route& route,
                      const sip::Uri& request_uri) {
    if (!prefilter_) return true;
    Prefiltered verdict = prefilter_(request, route.source, request_uri);
    if (verdict.action == Prefiltered::Action::transaction) return true;
    if (verdict.action == Prefiltered::Action::respond) {
        // Bytes only: no transaction keeps this response (builder.hpp, response_bytes).
        auto bytes = sip::response_bytes(request, verdict.status, verdict.reason, new_tag(),
                                         verdict.headers, server_line_);
        if (bytes) send_bytes(route, request, std::move(*bytes));
    }
    return false;
}

void SipServer::purge_discarded() {
    for (const auto& [id, invite] : discarded_)
        invite ? invite_.erase_id(id) : non_invite_.erase_id(id);
    discarded_.clear();
}

// RFC 5923 §5: the peer offers this connection for requests to its sent-by. Only an
// address literal equal to the connection's own source address is accepted, so a peer can
// alias its listening port but never claim another host's address (§11).
void SipServer::file_alias(const sip::Message& request, const Route& route) {
    auto c = route.stream.lock();
    if (!c) return;
    sip::Via via;
    auto top = request.header(sip::HeaderId::via);
    if (!top || sip::parse_via_into(*top, via) || via.host.kind == sip::HostKind::hostname) return;
    std::error_code ec;
    auto address = to_asio_address(via.host.address(), ec);
    if (ec || address != route.source.remote_address) return;
    std::uint16_t port = via.port.value_or(c->is_tls() ? 5061 : 5060);
    connections_.add_alias(route.source.transport, {address, port}, c);
}

// Carries out what a transaction asks until it asks nothing more.
template <class Txn>
void SipServer::drain(Txn& txn, Route& route, std::uint64_t id) {
    // A handler may answer this or another transaction from inside; none is settled
    // (possibly erased) before the outermost drain has finished with its reference.
    ++depth_;
    struct Leave {
        int& depth;
        ~Leave() { --depth; }
    } leave{depth_};
    for (auto actions = txn.take_actions(); !actions.empty(); actions = txn.take_actions()) {
        for (txn::Action& action : actions) {
            if (auto* send = std::get_if<txn::Send>(&action)) {
                if constexpr (std::is_same_v<Txn, txn::NonInviteServerTransaction>) {
                    if (route.udp && txn.final_response()) {
                        send_final_udp(id, udp_reply_to(route, send->message),
                                       send->message.serialize());  // serialized once
                        continue;
                    }
                }
                bool failed = false;
                transmit(route, send->message, &failed);
                if (failed) txn.on_transport_error(now());
            } else if (auto* tu = std::get_if<txn::PassToTu>(&action)) {
                if (!handler_) continue;
                // `route` stays: the entry is erased only once every drain has returned,
                // even when the handler ends the transaction.
                Responder responder(this, id, std::is_same_v<Txn, txn::InviteServerTransaction>);
                handler_(tu->message, route.source, responder);
                // Discarded: `txn` is about to be erased; carry out nothing more for it.
                if (!discarded_.empty() && discarded_.back().first == id) return;
            }
        }
    }
}

const SipServer::Route* SipServer::route_of(std::uint64_t id, bool invite) {
    return invite ? invite_.find_id(id).extra : non_invite_.find_id(id).extra;
}

bool SipServer::respond(std::uint64_t id, bool invite, int status, std::string_view reason,
                        const std::vector<std::string>& extra) {
    if (!invite && status >= 200) return respond_final_bytes(id, status, reason, extra);
    auto response = build(id, invite, status, reason, extra);
    return response && answer(id, invite, std::move(*response));
}

// The final answer of a non-INVITE server transaction, made as bytes and sent here: no
// transaction ever reads it as a Message (over UDP only retire_completed() keeps it, as
// bytes, for Timer J), so it is written with sip::response_bytes and the transaction is
// only told (note_final_sent). A Message, its copy into a Send action and its serialization
// were ~4,000 instructions of a REGISTER refresh's ~35,000 (issue 4).
bool SipServer::respond_final_bytes(std::uint64_t id, int status, std::string_view reason,
                                    const std::vector<std::string>& extra) {
    auto s = non_invite_.touch_id(id);
    if (!s || !s.txn->awaits_final()) return false;
    Route& route = *s.extra;
    const sip::Message& request = s.txn->request();
    auto bytes = sip::response_bytes(request, status, reason, route.to_tag, extra, server_line_);
    if (!bytes) return false;
    // Where it goes is read from the request before the transaction lets it go.
    std::optional<UdpReplyTo> to;
    if (route.udp) to = udp_reply_to(route, request);
    if (!s.txn->note_final_sent(status, now())) return false;
    if (to) {
        send_final_udp(id, *to, std::move(*bytes));
    } else if (auto c = route.stream.lock(); c && c->is_open()) {
        c->send(std::move(*bytes));
    }
    // A connection gone is what transmit() reports as a transport error: the transaction,
    // with no Timer J on a reliable transport, has already terminated.
    drain(*s.txn, route, s.id);
    settle_all();
    rearm();
    return true;
}

std::optional<sip::Message> SipServer::build(std::uint64_t id, bool invite, int status,
                                             std::string_view reason,
                                             const std::vector<std::string>& extra) {
    const sip::Message* request = nullptr;
    const Route* route = nullptr;
    if (invite) {
        if (auto s = invite_.find_id(id)) request = &s.txn->request(), route = s.extra;
    } else if (auto s = non_invite_.find_id(id)) {
        request = &s.txn->request(), route = s.extra;
    }
    if (!request) return std::nullopt;
    auto response =
        sip::make_response(*request, status, reason, route->to_tag, extra, server_line_);
    if (!response) return std::nullopt;
    return std::move(response).value();
}

bool SipServer::answer(std::uint64_t id, bool invite, sip::Message response) {
    if (invite) {
        auto s = invite_.touch_id(id);
        if (!s || !s.txn->send_response(std::move(response), now())) return false;
        drain(*s.txn, *s.extra, s.id);
    } else {
        auto s = non_invite_.touch_id(id);
        if (!s || !s.txn->send_response(std::move(response), now())) return false;
        drain(*s.txn, *s.extra, s.id);  // a final response over UDP: noted in completing_
    }
    settle_all();
    rearm();
    return true;
}

bool SipServer::awaits_final(std::uint64_t id, bool invite) {
    if (invite) {
        auto* t = invite_.find_id(id).txn;
        return t && t->state() == txn::InviteServerTransaction::State::proceeding;
    }
    auto* t = non_invite_.find_id(id).txn;
    return t && t->awaits_final();
}

Responder SipServer::invite_of_cancel(const sip::Message& cancel) {
    auto target = txn::cancel_target_key(cancel);
    if (!target) return {};
    auto s = invite_.find_entry(*target);
    return s ? Responder(this, s.id, true) : Responder{};
}

void SipServer::answer_cancel(const sip::Message& cancel, const Responder& responder) {
    Responder invite = invite_of_cancel(cancel);
    if (!invite) {
        responder.respond(481);
        return;
    }
    std::string tag = invite.to_tag();
    if (invite.awaits_final()) invite.respond(487);
    auto ok = sip::make_response(cancel, 200, {}, tag, {}, server_line_);
    if (ok) responder.send(std::move(ok).value());
}

void SipServer::transmit(const Route& route, const sip::Message& m, bool* failed) {
    if (!route.udp) {
        auto c = route.stream.lock();
        if (!c || !c->is_open()) {
            *failed = true;  // RFC 3261 §18.2.2 would open a new connection: not done yet
            return;
        }
        c->send(m.serialize());
        return;
    }
    send_bytes(route, m, m.serialize());
}

// §18.2.2 / RFC 3581 over UDP, read from the top Via of `via_of`: the response, or its
// request, whose top Via the response copies (send_raw would parse the bytes again); on a
// stream, back on the connection.
void SipServer::send_bytes(const Route& route, const sip::Message& via_of, std::string bytes) {
    if (!route.udp) {
        if (auto c = route.stream.lock()) c->send(std::move(bytes));
        return;
    }
    send_udp(udp_reply_to(route, via_of), std::move(bytes));
}

SipServer::UdpReplyTo SipServer::udp_reply_to(const Route& route, const sip::Message& m) const {
    return {route.udp,
            route.udp_reply_to ? *route.udp_reply_to
                               : udp_response_destination(m).value_or(route.udp_source),
            route.source.local_address};
}

void SipServer::send_final_udp(std::uint64_t id, const UdpReplyTo& to, std::string bytes) {
    send_udp(to, bytes);
    completing_.push_back({id, std::move(bytes), to});
}

void SipServer::send_udp(const UdpReplyTo& reply_to, std::string bytes) {
    // A failure is logged by the listener's on_send_error.
    reply_to.udp->send_from(reply_to.from, reply_to.to, std::move(bytes));
}

// Over UDP the response goes where §18.2.2 and RFC 3581 say, read from the stamped Via.
void SipServer::send_raw(const Route& route, std::string bytes) {
    if (!route.udp) {
        if (auto c = route.stream.lock()) c->send(std::move(bytes));
        return;
    }
    auto parsed = sip::parse_message(bytes);
    auto to =
        (parsed ? udp_response_destination(*parsed) : std::nullopt).value_or(route.udp_source);
    send_udp({route.udp, to, route.source.local_address}, std::move(bytes));
}

// RFC 3261 §8.2 / §16.3: a request whose key headers do not parse gets 400 with the
// reason, straight back to where it came from, outside any transaction (an ACK, none).
void SipServer::reject(const sip::Message& request, const Route& route, const sip::ParseError& e) {
    if (request.method() == sip::Method::ack) return;
    std::string reason = "Bad Request: " + e.to_string();
    auto r = sip::make_response(request, 400, reason, new_tag(), {}, server_line_);
    if (!r) return;
    log("request_rejected", route.source.remote_text() + ": " + reason);
    send_raw(route, r->serialize());
}

void SipServer::rearm() {
    std::optional<Instant> next;
    for (auto d :
         {non_invite_.next_deadline(), invite_.next_deadline(), completed_.next_deadline()})
        if (d && (!next || *d < *next)) next = d;
    if (next) next = coalesced(*next);  // timer_slack.hpp
    // Most requests leave the earliest deadline where it was: keep the armed timer then.
    if (!stopping_ && !closed_ && next && next == armed_) return;
    timer_.cancel();
    armed_.reset();
    if (stopping_ && !busy()) {
        // Posted, so the last response's write (started just now) completes first.
        if (!closed_) asio::post(io_, [this] { close_all(); });
        return;
    }
    if (!next || closed_) return;
    armed_ = next;
    timer_.expires_at(start_ + (*next - Instant{}));
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        armed_.reset();
        Instant t = now();
        non_invite_.fire_due(t, [this](const auto& s) { drain(*s.txn, *s.extra, s.id); });
        invite_.fire_due(t, [this](const auto& s) { drain(*s.txn, *s.extra, s.id); });
        completed_.expire(t);
        settle_all();
        rearm();
    });
}

// Transactions worth waiting for at shutdown: those still owing a final response, and
// INVITEs whose final response awaits its ACK (§17.2.1). A non-INVITE in Completed only
// absorbs retransmissions (Timer J) and is not waited for.
// Never erases: it runs while a transaction's actions are being carried out.
bool SipServer::busy() {
    bool waiting = false;
    invite_.for_each([&](const auto&, const auto& t, const auto&) {
        using State = txn::InviteServerTransaction::State;
        waiting |= t.state() == State::proceeding || t.state() == State::completed;
    });
    non_invite_.for_each(
        [&](const auto&, const auto& t, const auto&) { waiting |= t.awaits_final(); });
    return waiting;
}

void SipServer::stop(std::chrono::milliseconds grace, std::function<void()> done) {
    if (closed_) {
        if (done) done();
        return;
    }
    done_ = std::move(done);
    stopping_ = true;
    for (auto& l : listeners_)
        l->close();
    if (grace.count() <= 0 || !busy()) {
        close_all();
        return;
    }
    grace_timer_.expires_after(grace);
    grace_timer_.async_wait([this](std::error_code ec) {
        if (!ec) close_all();
    });
}

void SipServer::close_all() {
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
    for (auto& t : udp_)
        t->close();
    for (auto& l : listeners_)
        l->close();
    pending_.clear();  // nobody waits for their errors any more
    connections_.close_all();
    // Connects still pending end too (their on_error reports it), not at their deadline.
    for (auto& [key, weak] : std::exchange(connecting_, {}))
        if (auto c = weak.lock()) c->close();
    timer_.cancel();
    grace_timer_.cancel();
    sweep_timer_.cancel();
    if (auto done = std::exchange(done_, {})) done();
}

}  // namespace happysip::runtime
