#include "proxy_service.hpp"

#include <chrono>
#include <random>

#include "happysip/auth/digest_hash.hpp"
#include "happysip/proxy/forward.hpp"
#include "happysip/proxy/request_checks.hpp"
#include "happysip/proxy/route_processing.hpp"
#include "happysip/proxy/target_set.hpp"
#include "happysip/runtime/delivery_runner.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/timer_slack.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/uri.hpp"
#include "happysip/sip/via.hpp"
#include "proxy_context.hpp"
#include "wall_clock.hpp"

namespace happysip::daemon {

using eyeballs::Transport;

namespace {

// §16.6 item 7, where a copy for `target` goes: the first Path value, else the top Route,
// else the target itself (empty: the Request-URI).
std::string next_hop_of(const sip::Message& request, const std::string& target,
                        const std::vector<std::string>& path) {
    if (!path.empty()) {
        sip::Message probe = request;
        proxy::set_routes(probe, {path.front()});
        return proxy::next_hop_uri(probe);
    }
    if (request.header(sip::HeaderId::route)) return proxy::next_hop_uri(request);
    return target.empty() ? std::string(request.request_uri()) : target;
}

// RFC 3263 is not wired in here yet: a next hop must name an address. Transport from the
// URI (sips or transport=tls: TLS), port from the URI or the transport's default.
std::optional<runtime::Destination> destination_of(std::string_view next_hop, std::string& error) {
    auto uri = sip::parse_uri(next_hop);
    if (!uri || !uri->is_sip_or_sips()) {
        error = "next hop is not a sip/sips URI";
        return std::nullopt;
    }
    runtime::Destination d;
    // The transport parameter is looked up once (each lookup walks the parameters).
    const auto transport = uri->transport();
    auto transport_is = [&](std::string_view name) {
        return transport && sip::percent_decoded_equal(*transport, name, true);
    };
    if (uri->scheme == sip::UriScheme::sips || transport_is("tls"))
        d.transport = Transport::tls;
    else if (transport_is("tcp"))
        d.transport = Transport::tcp;
    else if (transport && !transport_is("udp")) {
        error = "unsupported transport " + std::string(*transport);
        return std::nullopt;
    }
    std::string_view host = uri->maddr().value_or(uri->host.address());
    std::error_code ec;
    d.address = runtime::to_asio_address(host, ec);
    if (ec) {
        error = "next hop " + std::string(host) + " is not an address (DNS not supported yet)";
        return std::nullopt;
    }
    d.port = uri->port.value_or(d.transport == Transport::tls ? 5061 : 5060);
    return d;
}

// RFC 5626 §5.1: a UA that wants its flow used for the dialog puts "ob" in its Contact.
bool contact_has_ob(const sip::Message& request) {
    auto value = request.header(sip::HeaderId::contact);
    if (!value) return false;
    auto contact = sip::parse_contact(*value);
    return contact && !contact.value().is_star && contact.value().uri.has_ob();
}

bool creates_dialog(sip::Method m) {
    return m == sip::Method::invite || m == sip::Method::subscribe || m == sip::Method::refer;
}

std::optional<std::string_view> top_via_branch(const sip::Message& m, sip::Via& via) {
    auto top = m.first_value(sip::HeaderId::via);
    if (!top || sip::parse_via_into(*top, via)) return std::nullopt;
    return via.branch;
}

bool from_served_domain(const sip::Message& request, const proxy::LocalIdentity& self) {
    auto from = request.header(sip::HeaderId::from);
    if (!from) return false;
    auto na = sip::parse_name_addr(*from);
    if (!na) return false;
    const sip::Uri& uri = na.value().uri;
    return uri.is_sip_or_sips() && self.serves_domain(uri.host.text);
}

}  // namespace

ProxyService::ProxyService(asio::io_context& io, runtime::SipServer& server,
                           proxy::LocalIdentity self, registrar::LocationStore& store,
                           RequestAuth* auth, Logger& log, std::string dialog_secret,
                           ProxySettings settings, runtime::DnsClient* dns)
    : io_(io),
      server_(server),
      self_(std::move(self)),
      store_(store),
      auth_(auth),
      log_(log),
      settings_(settings),
      tokens_(dialog_secret),
      flow_tokens_(dialog_secret),
      gruu_(auth::hmac_sha256(dialog_secret, "happysipd temp-gruu")),
      edge_(settings_.edge_domains, settings_.edge_registrar),
      dns_(dns),
      timer_(io),
      token_state_(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)) {}

ProxyService::~ProxyService() = default;

void ProxyService::stop() {
    timer_.cancel();
    armed_.reset();
    deadlines_ = {};
    contexts_.clear();
    by_branch_.clear();
    by_invite_.clear();
}

std::string ProxyService::random_token() {
    // splitmix64: unique per branch; unpredictability comes from the random seed.
    std::uint64_t z = (token_state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return sip::text::hex_digits(z, 12);
}

std::string ProxyService::record_route_uri(Transport transport, const std::string& hostport,
                                           std::string_view call_id, std::string_view flow) const {
    return flow_route_uri(transport, hostport, flow) + tokens_.uri_param(call_id);
}

bool ProxyService::in_our_dialog(const proxy::TargetSet& targets,
                                 const proxy::RoutePreprocessing& pre,
                                 const sip::Message& request) const {
    return targets.in_our_dialog &&
           tokens_.carried_by(pre.removed, request.header(sip::HeaderId::call_id).value_or(""));
}

void ProxyService::handle(const sip::Message& request, const runtime::RequestSource& source,
                          runtime::Responder& responder) {
    if (request.method() == sip::Method::cancel) return handle_cancel(request, source, responder);
    // The Request-URI is parsed once for the checks, Route processing and the target set.
    const auto request_uri = sip::parse_uri(request.request_uri());
    if (auto rejection = proxy::check_request(request, request_uri, self_)) {
        responder.respond(rejection->status, rejection->reason, rejection->headers);
        log_.info("proxy_rejected", {{"method", request.method_text()},
                                     {"status", std::to_string(rejection->status)},
                                     {"reason", rejection->reason},
                                     {"source", source.text()}});
        return;
    }
    // §16.4 edits only a request with Route values (ours come off, a strict router's
    // Request-URI goes back); one without (an initial INVITE) is forwarded from as it came.
    std::optional<sip::Message> edited;
    if (request.find(sip::HeaderId::route)) edited = request;
    const sip::Message& m = edited ? *edited : request;
    const auto pre = edited ? proxy::preprocess_routes(*edited, self_, &request_uri.value())
                            : proxy::RoutePreprocessing{};
    auto targets = proxy::find_targets(m, pre, self_, store_, wall_seconds(), &gruu_,
                                       pre.request_uri_restored ? nullptr : &request_uri.value());
    using Kind = proxy::TargetSet::Kind;
    if (targets.kind == Kind::not_found) {
        responder.respond(404);
        return;
    }
    if (targets.kind == Kind::no_bindings) {
        responder.respond(480);
        log_.info(
            "proxy_no_bindings",
            {{"method", request.method_text()}, {"aor", targets.aor}, {"source", source.text()}});
        return;
    }
    // A Route of ours naming a flow (a Record-Route or, for the edge role, a Path we put
    // there, RFC 5626 §5.3) sends the request down that flow and nowhere else: the token's
    // MAC says we issued it, so it needs no credentials. A request for the home proxy of an
    // [edge] domain goes there and nowhere else: the home proxy authenticates it.
    const bool dialog_flow = follow_dialog_flow(targets, pre, m, source);
    const bool to_home = !dialog_flow && towards_home_proxy(targets, m);
    if (targets.leaves_domain && !dialog_flow && !to_home &&
        !in_our_dialog(targets, pre, request) && !relay_allowed(request, source, responder))
        return;
    // Outbound instances registered here, and dialogs with a flow token, are reached over
    // their flows only; when every target is one whose flows have all failed, nobody can
    // be reached: 430 for the dialog's flow (RFC 5626 §5.3), 480 for a user's.
    // first_live[i]: where target i's live flows begin (npos: none).
    constexpr std::size_t k_none = std::string::npos;
    std::vector<std::size_t> first_live(targets.targets.size(), k_none);
    std::size_t dead = 0;
    for (std::size_t i = 0; i < targets.targets.size(); ++i) {
        if (targets.targets[i].flows.empty()) continue;
        if (!live_flow(targets.targets[i], &first_live[i])) ++dead;
    }
    if (dead > 0 && dead == targets.targets.size()) {
        responder.respond(dialog_flow ? 430 : 480, "Flow Failed");
        log_.info(
            dialog_flow ? "proxy_dialog_flow_failed" : "proxy_flows_failed",
            {{"method", request.method_text()}, {"aor", targets.aor}, {"source", source.text()}});
        return;
    }

    std::uint64_t id = next_id_++;
    proxy::ResponseContextConfig core_config{settings_.timers};
    if (dialog_flow) core_config.transport_error_status = 430;  // RFC 5626 §5.3
    auto context = std::make_unique<Context>(
        proxy::ResponseContext(request, std::move(core_config)), responder);
    context->call_id = std::string(request.header(sip::HeaderId::call_id).value_or(""));
    context->record_route =
        settings_.record_route && creates_dialog(request.method()) && !targets.in_dialog;
    if (request.method() == sip::Method::invite) {
        context->invite_key = responder.key();  // the server transaction's own key
    }
    Context& c = *context;
    contexts_.try_emplace(id, std::move(context));
    if (c.invite_key) by_invite_.insert_or_assign(*c.invite_key, id);
    const std::string hash = proxy::loop_hash(request);
    const Instant now = runtime::steady_now();
    for (std::size_t i = 0; i < targets.targets.size(); ++i) {
        const proxy::Target& target = targets.targets[i];
        if (!target.alternates.empty()) {
            add_branch_with_alternates(id, c, m, source, target, hash, now);
            continue;
        }
        if (target.flows.empty()) {
            add_branch(id, c, m, source, target.uri, target.path, hash, now);
            continue;
        }
        if (first_live[i] == k_none) continue;  // every flow of that instance has failed
        add_branch_over_flows(id, c, m, source, target, first_live[i], hash, now);
    }
    if (c.all_settled()) c.core.close_branches(now);  // else when the last race settles
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, "proxy_forward",
                 {{"method", request.method_text()},
                  {"call_id", c.call_id},
                  {"branches", std::to_string(c.core.branch_count())},
                  {"source", source.text()}});
    drain(id);
}

bool ProxyService::relay_allowed(const sip::Message& request, const runtime::RequestSource& source,
                                 runtime::Responder& responder) {
    if (!auth_) {
        if (from_served_domain(request, self_)) return true;
        responder.respond(403, "Relaying denied");
        log_.warning("relay_denied", {{"method", request.method_text()},
                                      {"ruri", request.request_uri()},
                                      {"source", source.text()}});
        return false;
    }
    AuthDecision decision = auth_->check_proxy(request, source);
    if (decision.action == AuthDecision::Action::proceed) return true;
    responder.respond(decision.status, decision.reason, decision.headers);
    // The first 407 is routine and a blocked source's flood was logged once (auth_blocked).
    bool routine = decision.blocked ||
                   (decision.status == 407 && !request.header(sip::HeaderId::proxy_authorization));
    if (!routine)
        log_.warning("relay_refused", {{"method", request.method_text()},
                                       {"status", std::to_string(decision.status)},
                                       {"ruri", request.request_uri()},
                                       {"source", source.text()}});
    return false;
}

void ProxyService::forward_statelessly(sip::Message response, const sip::Via& top,
                                       const runtime::RequestSource& from) {
    // RFC 3261 §16.7 step 1: a response no context claims (a 2xx retransmitted after its
    // INVITE's context ended, because the caller's ACK was lost; a late 2xx of a fork) is
    // forwarded statelessly when the top Via is ours: ours removed, on to the next one.
    const bool ours = response.values(sip::HeaderId::via).size() >= 2 &&
                      self_.is_local_address(top.host.address(), top.port.value_or(5060));
    bool sent = false;
    if (ours) {
        response.remove_first_value(sip::HeaderId::via);
        sent = server_.forward_response(response);
    }
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, sent ? "response_forwarded_statelessly" : "response_unmatched",
                 {{"status", std::to_string(response.status_code())},
                  {"call_id", response.header(sip::HeaderId::call_id).value_or("")},
                  {"source", from.text()}});
}

bool ProxyService::add_branch(std::uint64_t id, Context& c, const sip::Message& request,
                              const runtime::RequestSource& source, const std::string& target,
                              const std::vector<std::string>& path, const std::string& hash,
                              Instant now, std::optional<std::size_t>* index) {
    const std::string next_hop = next_hop_of(request, target, path);
    std::string error;
    auto destination = destination_of(next_hop, error);
    if (!destination) {
        auto uri = sip::parse_uri(next_hop);
        if (dns_ && uri && uri->is_sip_or_sips() && uri->host.kind == sip::HostKind::hostname) {
            start_race(c, request, source, target, path, hash, uri.value(), now);
            return true;
        }
        log_.warning("proxy_branch_failed",
                     {{"call_id", c.call_id}, {"next_hop", next_hop}, {"detail", error}});
        return false;  // no branch: the target set may still have others (§16.5)
    }
    auto added =
        add_branch_to(id, c, request, source, target, path, hash, *destination, now, error);
    if (!added)
        log_.warning("proxy_branch_failed",
                     {{"call_id", c.call_id}, {"next_hop", next_hop}, {"detail", error}});
    if (index) *index = added;
    return added.has_value();
}

std::optional<std::size_t> ProxyService::add_branch_to(
    std::uint64_t id, Context& c, const sip::Message& request, const runtime::RequestSource& source,
    const std::string& target, const std::vector<std::string>& path, const std::string& hash,
    const runtime::Destination& destination, Instant now, std::string& error) {
    if (settings_.tls_only && destination.transport != Transport::tls) {
        error = "[tls] only: will not forward over " + destination.text();
        return std::nullopt;
    }
    const std::string sent_by = server_.via_sent_by(destination);
    if (sent_by.empty()) {
        error = "no listener for " + destination.text();
        return std::nullopt;
    }
    proxy::ForwardPlan plan;
    plan.target = target;
    plan.routes_before = path;
    if (c.record_route) {
        // RFC 5658: one Record-Route per side when the request changes transport or
        // address (family); the outgoing side on top.
        // RFC 5626 §5.1: a side that is an Outbound flow (the caller's, when its Contact
        // says "ob"; the callee's, when we reach it over its flow) is named in the user
        // part, so the dialog's later requests go down the same flow.
        // Over UDP the caller's side is the address it sent to, `source.local_text()` (on a
        // wildcard listener one of several, the one it can reach); otherwise the one we
        // would send it from.
        const bool udp_local =
            source.transport == Transport::udp && !source.local_address.is_unspecified();
        std::string in_side =
            udp_local
                ? source.local_text()
                : server_.via_sent_by(
                      {source.transport, source.remote_address, source.remote_port, {}, false});
        const std::string out_flow = destination.existing_flow_only ? destination.text() : "";
        const std::string in_flow = contact_has_ob(request) ? source.text() : "";
        std::string out_uri = record_route_uri(destination.transport, sent_by, c.call_id, out_flow);
        std::string in_uri = record_route_uri(source.transport, in_side, c.call_id, in_flow);
        plan.record_route.push_back(out_uri);
        if (!in_side.empty() && in_uri != out_uri) plan.record_route.push_back(in_uri);
    }
    if (request.method() == sip::Method::register_ && edge_.relays_register(request)) {
        // RFC 5626 §5.1: the home registrar's requests for this contact come back through
        // us and go down the flow the REGISTER arrived over.
        const auto decision = proxy::path_for_register(request);
        if (decision.insert)
            plan.path = flow_route_uri(destination.transport, sent_by, source.text()) +
                        (decision.ob ? ";ob" : "");
    }
    plan.via_transport = std::string(eyeballs::via_name(destination.transport));
    plan.via_sent_by = sent_by;
    plan.branch_token = random_token();
    plan.loop_hash = hash;
    auto forwarded = proxy::forward_copy(request, plan);
    if (!forwarded) {
        error = forwarded.error().to_string();
        return std::nullopt;
    }
    auto index = c.core.add_branch(std::move(forwarded->request),
                                   destination.transport != Transport::udp, now);
    if (!index) {
        error = "no new branch may be created";
        return std::nullopt;
    }
    if (c.destinations.size() <= *index) {
        c.destinations.resize(*index + 1);
        c.branches.resize(*index + 1);
    }
    c.destinations[*index] = destination;
    c.branches[*index] = forwarded->branch;
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, "proxy_branch",
                 {{"call_id", c.call_id},
                  {"branch", forwarded->branch},
                  {"to", destination.text()},
                  {"flow", destination.existing_flow_only ? "true" : "false"}});
    by_branch_.insert_or_assign(forwarded->branch, BranchRef{id, *index});
    log_family_bridge(c, request, source, destination);
    return index;
}

void ProxyService::handle_cancel(const sip::Message& cancel, const runtime::RequestSource& source,
                                 runtime::Responder& responder) {
    auto key = txn::cancel_target_key(cancel);
    auto* it = key ? by_invite_.find(*key) : nullptr;
    if (!it) {  // not an INVITE we proxy: answer as a UAS would (§9.2)
        server_.answer_cancel(cancel, responder);
        return;
    }
    std::uint64_t id = it->second;
    auto* context = contexts_.find(id);
    if (!context) {
        server_.answer_cancel(cancel, responder);
        return;
    }
    // §16.10: 200 for the CANCEL; the branches' 487s make the INVITE's final response.
    responder.respond(200);
    log_.info("proxy_cancel", {{"call_id", context->second->call_id}, {"source", source.text()}});
    context->second->cancelled = true;
    context->second->core.cancel(runtime::steady_now());
    drain(id);
}

void ProxyService::handle_ack(const sip::Message& ack, const runtime::RequestSource& source) {
    // §16.11 (stateless): the ACK of a 2xx follows the dialog's route like any request.
    const auto request_uri = sip::parse_uri(ack.request_uri());
    if (proxy::check_request(ack, request_uri, self_)) return;
    sip::Message m = ack;
    auto pre = proxy::preprocess_routes(m, self_, &request_uri.value());
    auto targets = proxy::find_targets(m, pre, self_, store_, wall_seconds(), &gruu_,
                                       pre.request_uri_restored ? nullptr : &request_uri.value());
    if (targets.kind != proxy::TargetSet::Kind::forward || targets.targets.size() != 1) return;
    // No relaying ACKs either: out of the domain only inside a dialog we record-routed.
    if (targets.leaves_domain && !in_our_dialog(targets, pre, ack)) {
        if (log_.enabled(LogLevel::debug))
            log_.log(LogLevel::debug, "ack_not_relayed",
                     {{"call_id", ack.header(sip::HeaderId::call_id).value_or("")},
                      {"source", source.text()}});
        return;
    }
    follow_dialog_flow(targets, pre, m, source);
    const proxy::Target& target = targets.targets.front();
    const std::string next_hop = next_hop_of(m, target.uri, target.path);
    std::string error;
    auto destination = target.flows.empty() ? destination_of(next_hop, error) : live_flow(target);
    if (!destination) return;
    std::string sent_by = server_.via_sent_by(*destination);
    if (sent_by.empty()) return;
    proxy::ForwardPlan plan;
    plan.target = target.uri;
    plan.routes_before = target.path;
    plan.via_transport = std::string(eyeballs::via_name(destination->transport));
    plan.via_sent_by = sent_by;
    // §16.11: a stateless proxy's branch is a function of the request, so a retransmitted
    // ACK gets the same one.
    sip::Via via;
    auto branch = top_via_branch(ack, via).value_or("");
    plan.branch_token = std::to_string(std::hash<std::string_view>{}(branch));
    plan.loop_hash = proxy::loop_hash(ack);
    auto forwarded = proxy::forward_copy(m, plan);
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, "proxy_ack",
                 {{"call_id", ack.header(sip::HeaderId::call_id).value_or("")},
                  {"next_hop", next_hop},
                  {"source", source.text()}});
    if (forwarded) server_.send_request(*destination, forwarded->request.serialize());
}

void ProxyService::on_response(sip::Message response, const runtime::RequestSource& from) {
    sip::Via via;
    auto branch = top_via_branch(response, via);
    auto* it = branch ? by_branch_.find(*branch) : nullptr;
    if (!it) {
        forward_statelessly(std::move(response), via, from);
        return;
    }
    BranchRef ref = it->second;
    auto* context = contexts_.find(ref.context);
    if (!context) return;
    Context& c = *context->second;
    const Instant now = runtime::steady_now();
    const bool to_cancel = response.cseq_method() == sip::Method::cancel;
    const int status = response.status_code();
    if (auto a = c.attempt_of_branch.find(ref.branch); a != c.attempt_of_branch.end()) {
        auto& race = c.races[a->second.first]->race;
        if (!to_cancel && status == 503) {
            race.on_attempt_failed(a->second.second, "503 Service Unavailable", now);
        } else if (!to_cancel) {
            race.on_attempt_responded(a->second.second, now);
            if (status >= 200) race.on_attempt_final(a->second.second, now);
        }
    }
    c.core.on_response(ref.branch, response, now);
    if (!to_cancel && status >= 200) {
        server_.release_request(c.branches[ref.branch]);  // its connection may close now
        settle_alternates(ref.context, c, ref.branch, status, false, now);
    }
    drain(ref.context);
}

void ProxyService::drain(std::uint64_t id) {
    auto* it = contexts_.find(id);
    if (!it) return;
    Context& c = *it->second;
    bool finished = false;
    // Races start branches and branches end attempts: until neither has anything to say.
    for (;;) {
        const bool raced = !c.races.empty() && run_races(id, c);
        auto actions = c.core.take_actions();
        if (actions.empty() && !raced) break;
        for (auto& action : actions) {
            if (auto* send = std::get_if<proxy::SendOnBranch>(&action)) {
                // RFC 3261 §18.4: the branch's request waits for its final response on its
                // connection (TCP/TLS); if that closes first, the error below comes then.
                // Its CANCEL and the ACK of a non-2xx are not watched: the INVITE's is.
                const auto method = send->request.method();
                const bool watched = method != sip::Method::ack && method != sip::Method::cancel;
                server_.send_request(
                    c.destinations.at(send->branch), send->request.serialize(),
                    [this, id, branch = send->branch](std::string detail) {
                        auto* found = contexts_.find(id);
                        if (!found) return;
                        log_.info("proxy_branch_error",
                                  {{"call_id", found->second->call_id}, {"detail", detail}});
                        found->second->core.on_transport_error(branch, runtime::steady_now());
                        drain(id);
                    },
                    watched ? c.branches.at(send->branch) : std::string());
            } else if (auto* forward = std::get_if<proxy::ForwardResponse>(&action)) {
                c.responder.send(std::move(forward->response));
            } else if (auto* own = std::get_if<proxy::RespondUpstream>(&action)) {
                c.responder.respond(own->status, own->reason);
            } else if (auto* failed = std::get_if<proxy::BranchFailed>(&action)) {
                server_.release_request(c.branches.at(failed->branch));
                settle_alternates(id, c, failed->branch, failed->status, true,
                                  runtime::steady_now());
                auto a = c.attempt_of_branch.find(failed->branch);
                if (a != c.attempt_of_branch.end())
                    c.races[a->second.first]->race.on_attempt_failed(
                        a->second.second, failed->status == 408 ? "timeout" : "unreachable",
                        runtime::steady_now());
            } else if (std::holds_alternative<proxy::ContextFinished>(action)) {
                finished = true;
            }
        }
    }
    if (finished) {
        for (const auto& b : c.branches) {
            by_branch_.erase(b);
            server_.release_request(b);  // an abandoned branch that never answered
        }
        if (c.invite_key) by_invite_.erase(*c.invite_key);
        contexts_.erase(id);  // c goes with it
    } else {
        schedule(id, c);
    }
    rearm();
}

void ProxyService::schedule(std::uint64_t id, Context& c) {
    auto deadline = c.next_deadline();
    if (deadline == c.scheduled) return;
    c.scheduled = deadline;
    if (deadline) deadlines_.emplace(*deadline, id);
}

// One timer for every context: the earliest valid deadline. Entries of finished contexts
// or superseded deadlines are dropped when they surface.
void ProxyService::rearm() {
    while (!deadlines_.empty()) {
        auto [deadline, id] = deadlines_.top();
        auto* it = contexts_.find(id);
        if (it && it->second->scheduled == deadline) break;
        deadlines_.pop();
    }
    std::optional<Instant> next;
    if (!deadlines_.empty()) next = runtime::coalesced(deadlines_.top().first);
    if (next == armed_) return;
    timer_.cancel();
    armed_ = next;
    if (!next) return;
    timer_.expires_after(std::max(Duration::zero(), *next - runtime::steady_now()));
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        armed_.reset();
        fire_due();
        rearm();
    });
}

void ProxyService::fire_due() {
    const Instant now = runtime::steady_now();
    while (!deadlines_.empty() && deadlines_.top().first <= now) {
        auto [deadline, id] = deadlines_.top();
        deadlines_.pop();
        auto* it = contexts_.find(id);
        if (!it || it->second->scheduled != deadline) continue;
        it->second->scheduled.reset();
        it->second->core.on_timer(now);
        for (auto& r : it->second->races)
            r->race.on_timer(now);
        drain(id);
    }
}

}  // namespace happysip::daemon
