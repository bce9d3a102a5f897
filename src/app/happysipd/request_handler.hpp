// What happysipd does with a new server transaction: a known scanner gets no answer;
// REGISTER is authenticated (request_auth.hpp, unless [auth] is disabled) and goes to the
// RFC 3261 §10.3 registrar (bindings in the LocationStore), OPTIONS addressed to the server
// itself gets 200 with its capabilities (§11.2), and everything else (CANCEL and the ACK
// of a 2xx included) goes to the stateful proxy (proxy_service.hpp).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/registrar/registrar.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "log.hpp"
#include "request_auth.hpp"

namespace happysip::daemon {

class GroupCommit;
class ProxyService;

class RequestHandler {
  public:
    // `local_hosts`: the addresses we listen on, as written in a URI ("[::1]"), which also
    // name this server in a Request-URI; `own_address` (with a wildcard listener) says
    // whether an address literal is one of the host's (runtime/own_addresses.hpp).
    // `auth` is null when [auth] is disabled. All the references outlive the handler.
    RequestHandler(registrar::Registrar& registrar, runtime::SipServer& server, Logger& log,
                   std::vector<std::string> local_hosts, RequestAuth* auth = nullptr,
                   std::function<bool(std::string_view)> own_address = {});

    // Before any transaction (runtime::SipServer::on_prefilter): a source over its request
    // rate and a known scanner are dropped, an OPTIONS for the server itself is answered
    // statelessly (RFC 3261 §8.2.7, §11.2); everything else gets its transaction.
    runtime::Prefiltered prefilter(const sip::Message& request,
                                   const runtime::RequestSource& source,
                                   const sip::Uri& request_uri);

    void operator()(const sip::Message& request, const runtime::RequestSource& source,
                    runtime::Responder& responder);

    // Requests other than REGISTER and OPTIONS-to-us go to the proxy once it is set.
    void set_proxy(ProxyService* proxy) { proxy_ = proxy; }
    // REGISTER answers wait for the group commit of their burst (group_commit.hpp).
    void set_group_commit(GroupCommit* group) { group_ = group; }

    // True when the Request-URI names this server itself: a sip/sips URI without a user
    // part whose host is a served domain or one of our addresses.
    bool addressed_to_us(const sip::Uri& request_uri) const;

  private:
    void handle_register(const sip::Message& request, const runtime::RequestSource& source,
                         runtime::Responder& responder);

    void log_register(LogLevel level, const sip::Message& request,
                      const runtime::RequestSource& source, int status, std::string_view reason,
                      std::string_view bindings, std::string_view user);

    registrar::Registrar& registrar_;
    RequestAuth* auth_;
    ProxyService* proxy_ = nullptr;
    GroupCommit* group_ = nullptr;
    runtime::SipServer& server_;
    Logger& log_;
    std::vector<std::string> local_hosts_;
    std::function<bool(std::string_view)> own_address_;
};

// Allow (RFC 3261 §20.5): REGISTER and OPTIONS are ours; a proxy forwards every method.
inline constexpr std::string_view k_allow =
    "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, PRACK, UPDATE, INFO, MESSAGE, "
    "SUBSCRIBE, NOTIFY, REFER";

}  // namespace happysip::daemon
