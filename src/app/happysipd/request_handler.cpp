#include "request_handler.hpp"

#include <algorithm>
#include <chrono>

#include "group_commit.hpp"
#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/uri.hpp"
#include "proxy_service.hpp"
#include "wall_clock.hpp"

namespace happysip::daemon {
RequestHandler::RequestHandler(registrar::Registrar& registrar, runtime::SipServer& server,
                               Logger& log, std::vector<std::string> local_hosts, RequestAuth* auth,
                               std::function<bool(std::string_view)> own_address)
    : registrar_(registrar),
      auth_(auth),
      server_(server),
      log_(log),
      local_hosts_(std::move(local_hosts)),
      own_address_(std::move(own_address)) {}

bool RequestHandler::addressed_to_us(const sip::Uri& uri) const {
    if (!uri.is_sip_or_sips() || uri.has_user) return false;
    std::string_view host = uri.host.text;
    if (registrar_.serves(host)) return true;
    if (std::any_of(local_hosts_.begin(), local_hosts_.end(),
                    [&](const std::string& h) { return sip::text::iequals(h, host); }))
        return true;
    // An address of the host's, reached through a wildcard listener.
    return own_address_ && uri.host.kind != sip::HostKind::hostname &&
           own_address_(uri.host.address());
}

runtime::Prefiltered RequestHandler::prefilter(const sip::Message& request,
                                               const runtime::RequestSource& source,
                                               const sip::Uri& request_uri) {
    using Action = runtime::Prefiltered::Action;
    std::string_view method = request.method_text();
    if (auth_ && auth_->over_rate(source)) {
        // A flood: an answer would only feed it. Debug: the flood is the operator's
        // concern as a whole (the source's failures, if any, are logged as auth_blocked).
        log_.log(LogLevel::debug, "rate_limited",
                 {{"method", method},
                  {"call_id", request.header(sip::HeaderId::call_id).value_or("")},
                  {"source", source.text()}});
        return {Action::drop, 0, {}, {}};
    }
    if (auth_ && auth_->drop_as_scanner(request)) {
        // Issue 4: an answer only confirms that a server is here. Debug only: a scan is a
        // flood of these, and the operator learns nothing from each one. No transaction
        // is made, so a scan leaves nothing behind.
        log_.log(LogLevel::debug, "scanner_dropped",
                 {{"method", method},
                  {"call_id", request.header(sip::HeaderId::call_id).value_or("")},
                  {"source", source.text()}});
        return {Action::drop, 0, {}, {}};
    }
    if (request.method() == sip::Method::options && addressed_to_us(request_uri)) {
        // RFC 3261 §11.2: what we support, in the headers an INVITE's 200 would carry.
        static const std::string k_options_headers[] = {
            std::string(k_allow), "Accept: application/sdp", "Supported: path"};
        return {Action::respond, 200, {}, k_options_headers};
    }
    return {};
}

void RequestHandler::operator()(const sip::Message& request, const runtime::RequestSource& source,
                                runtime::Responder& responder) {
    std::string_view call_id = request.header(sip::HeaderId::call_id).value_or("");
    std::string_view method = request.method_text();
    if (!responder) {  // the ACK of a 2xx: end to end, through the proxy (§16.11)
        if (proxy_) proxy_->handle_ack(request, source);
        return;
    }
    if (log_.enabled(LogLevel::debug))
        log_.log(LogLevel::debug, "request",
                 {{"method", method},
                  {"call_id", call_id},
                  {"branch", sip::top_via_branch(request)},
                  {"source", source.text()},
                  {"local", source.local_text()}});
    // RFC 5626 §5.1: a REGISTER for an [edge] domain is its registrar's; we relay it with
    // our Path.
    if (request.method() == sip::Method::register_ &&
        !(proxy_ && proxy_->relays_register(request))) {
        handle_register(request, source, responder);
        return;
    }
    if (proxy_) {
        proxy_->handle(request, source, responder);
        return;
    }
    if (request.method() == sip::Method::cancel) {
        server_.answer_cancel(request, responder);
        return;
    }
    responder.respond(501, {}, {std::string(k_allow)});
    log_.info("not_implemented",
              {{"method", method}, {"call_id", call_id}, {"source", source.text()}});
}

void RequestHandler::handle_register(const sip::Message& request,
                                     const runtime::RequestSource& source,
                                     runtime::Responder& responder) {
    registrar::RegisterContext context;
    if (auth_) {  // RFC 3261 §10.3 steps 3-4: authenticate before touching any binding
        AuthDecision decision = auth_->check_register(request, source);
        if (decision.action == AuthDecision::Action::respond) {
            responder.respond(decision.status, decision.reason, decision.headers);
            // A 401 without credentials is the normal first half of every registration; a
            // blocked source's flood was logged once, as auth_blocked.
            bool routine = decision.blocked || (decision.status == 401 &&
                                                !request.header(sip::HeaderId::authorization));
            log_register(routine ? LogLevel::debug : LogLevel::info, request, source,
                         decision.status, decision.reason, {}, {});
            return;
        }
        context.authenticated_user = std::move(decision.user);
    }
    context.now = wall_seconds();
    context.source = source.text();
    const bool grouped = group_ && group_->open();
    registrar::RegisterReply reply = registrar_.handle(request, context);
    std::string bindings = std::to_string(reply.bindings);
    if (reply.status == 200 && reply.own_flow)
        server_.mark_flow(source);  // keep-alives are owed from now on (RFC 5626 §5.2)
    if (grouped) {
        // Answered (and logged) once the burst's writes are durable. The log line needs a
        // copy of the request; at a threshold above info only a failure is written, and
        // the status line and source say enough for it.
        if (!log_.enabled(LogLevel::info)) {
            group_->defer(
                responder, std::move(reply),
                [this, source = std::move(context.source),
                 call_id = std::string(request.header(sip::HeaderId::call_id).value_or(""))](
                    int status, const std::string& reason) {
                    if (status >= 500)
                        log_.error("register", {{"call_id", call_id},
                                                {"status", std::to_string(status)},
                                                {"reason", reason},
                                                {"source", source}});
                });
            return;
        }
        group_->defer(
            responder, std::move(reply),
            [this, request, source, bindings, user = context.authenticated_user](
                int status, const std::string& reason) {
                log_register(status >= 500 ? LogLevel::error : LogLevel::info, request, source,
                             status, status == 200 ? "" : reason,
                             status == 200 ? std::string_view(bindings) : std::string_view(), user);
            });
        return;
    }
    responder.respond(reply.status, reply.reason, reply.headers);
    log_register(reply.status >= 500 ? LogLevel::error : LogLevel::info, request, source,
                 reply.status, reply.status == 200 ? "" : reply.reason,
                 reply.status == 200 ? std::string_view(bindings) : std::string_view(),
                 context.authenticated_user);
}

void RequestHandler::log_register(LogLevel level, const sip::Message& request,
                                  const runtime::RequestSource& source, int status,
                                  std::string_view reason, std::string_view bindings,
                                  std::string_view user) {
    if (!log_.enabled(level)) return;
    std::string status_text = std::to_string(status);
    std::string from = source.text();
    log_.log(level, "register",
             {{"call_id", request.header(sip::HeaderId::call_id).value_or("")},
              {"status", status_text},
              {"reason", reason},
              {"to", request.header(sip::HeaderId::to).value_or("")},
              {"user", user},
              {"bindings", bindings},
              {"source", from}});
}

}  // namespace happysip::daemon
