// happysipd's stateful proxy (RFC 3261 §16): the I/O shell around the sans-I/O proxy core.
// For each new server transaction it validates (§16.3), preprocesses Route (§16.4), finds
// the targets (§16.5: a dialog's route, the AOR's bindings, or another domain), applies
// the relay rule, builds one forwarded copy per target (§16.6, with Record-Route: two
// values per RFC 5658 when the request changes transport or family) and hands them to a
// proxy::ResponseContext, whose actions it carries out on the SipServer's sockets.
//
// No open relay (issue 4): a request that would leave the domain outside a dialog we
// record-routed must carry credentials of one of our users (407 challenge); with [auth]
// disabled, only requests whose From is in a served domain may leave.
// An ACK for a 2xx is forwarded statelessly (§16.11); a CANCEL that matches a response
// context is answered 200 and cancels its branches (§16.10).
//
// Next hops must be IP literals for now (registered contacts, Path, record-routed
// dialogs); a host name gets 503 until RFC 3263 resolution is wired in here.
#pragma once

#include <asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "happysip/base/incremental_hash_map.hpp"
#include "happysip/base/text_hash.hpp"
#include "happysip/eyeballs/reachability_cache.hpp"
#include "happysip/proxy/dialog_token.hpp"
#include "happysip/proxy/edge_role.hpp"
#include "happysip/proxy/flow_token.hpp"
#include "happysip/proxy/gruu.hpp"
#include "happysip/proxy/local_identity.hpp"
#include "happysip/proxy/next_hop_race.hpp"
#include "happysip/proxy/response_context.hpp"
#include "happysip/proxy/route_processing.hpp"
#include "happysip/proxy/target_set.hpp"
#include "happysip/registrar/location_store.hpp"
#include "happysip/runtime/dns_client.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/sip/via.hpp"
#include "happysip/txn/timers.hpp"
#include "happysip/txn/transaction_key.hpp"
#include "log.hpp"
#include "request_auth.hpp"

namespace happysip::daemon {

struct ProxySettings {
    bool record_route = true;
    bool tls_only = false;  // [tls] only: never forward over UDP or TCP
    // [edge]: the domains whose registrar is a neighbour (RFC 5626 edge proxy role), and
    // where their requests go (empty: RFC 3263 on the domain).
    std::vector<std::string> edge_domains;
    std::string edge_registrar;
    // [sip] t1_ms...: the branches' client transactions, their CANCEL guard and the
    // next-hop race's overall timeout (64*T1) follow these.
    txn::TimerConfig timers;
};

class ProxyService {
  public:
    // Every reference outlives the service; `auth` is null when [auth] is disabled.
    // `dialog_secret` keys the tokens in our Record-Route (proxy/dialog_token.hpp).
    ProxyService(asio::io_context& io, runtime::SipServer& server, proxy::LocalIdentity self,
                 registrar::LocationStore& store, RequestAuth* auth, Logger& log,
                 std::string dialog_secret, ProxySettings settings = {},
                 runtime::DnsClient* dns = nullptr);
    ~ProxyService();

    // A new server transaction the registrar does not take (not REGISTER, not an OPTIONS
    // to the server itself). CANCEL included.
    void handle(const sip::Message& request, const runtime::RequestSource& source,
                runtime::Responder& responder);
    // An ACK outside any transaction: the ACK of a 2xx, forwarded statelessly.
    void handle_ack(const sip::Message& ack, const runtime::RequestSource& source);
    // A response that arrived on any of our sockets.
    void on_response(sip::Message response, const runtime::RequestSource& from);

    // Shutdown, once the server has closed: drops every response context and its timer.
    void stop();

    std::size_t contexts() const noexcept { return contexts_.size(); }

  private:
    struct Context;
    struct TargetRace;
    struct BranchRef {
        std::uint64_t context;
        std::size_t branch;
    };

    void start_race(Context& context, const sip::Message& request,
                    const runtime::RequestSource& source, const std::string& target,
                    const std::vector<std::string>& path, const std::string& hash,
                    const sip::Uri& next_hop, Instant now);
    bool run_races(std::uint64_t id, Context& context);
    void query_dns(std::uint64_t id, std::size_t race, const client::DnsQuery& query);
    std::optional<std::size_t> add_branch_to(
        std::uint64_t id, Context& context, const sip::Message& request,
        const runtime::RequestSource& source, const std::string& target,
        const std::vector<std::string>& path, const std::string& hash,
        const runtime::Destination& destination, Instant now, std::string& error);
    void handle_cancel(const sip::Message& cancel, const runtime::RequestSource& source,
                       runtime::Responder& responder);
    bool relay_allowed(const sip::Message& request, const runtime::RequestSource& source,
                       runtime::Responder& responder);
    // False when no branch could be started. `index`: the branch, when it was added at
    // once (not when a DNS race for a host name was started instead).
    bool add_branch(std::uint64_t id, Context& context, const sip::Message& request,
                    const runtime::RequestSource& source, const std::string& target,
                    const std::vector<std::string>& path, const std::string& loop_hash, Instant now,
                    std::optional<std::size_t>* index = nullptr);
    // RFC 5626 §5.3 (proxy_service_failover.cpp): a target whose instance has other
    // registrations through edges; the first alternate that can be started, the others
    // kept for it.
    void add_branch_with_alternates(std::uint64_t id, Context& context, const sip::Message& request,
                                    const runtime::RequestSource& source,
                                    const proxy::Target& target, const std::string& loop_hash,
                                    Instant now);
    // A target reached over its own flows: a branch down target.flows[first] (live), the
    // flows after it kept as its alternates (none for a dialog's flow).
    void add_branch_over_flows(std::uint64_t id, Context& context, const sip::Message& request,
                               const runtime::RequestSource& source, const proxy::Target& target,
                               std::size_t first, const std::string& loop_hash, Instant now);
    // A branch down the alternate's flow, if that flow is still up.
    std::optional<std::size_t> add_flow_branch(std::uint64_t id, Context& context,
                                               const sip::Message& request,
                                               const runtime::RequestSource& source,
                                               const proxy::Alternate& alternate,
                                               const std::string& loop_hash, Instant now);
    // Starts the first of `rest` that can be started, keeping the others for its branch
    // (and the request to build them from in the context). False when none could be.
    bool try_alternates(std::uint64_t id, Context& context, const sip::Message& request,
                        const runtime::RequestSource& source, const std::string& loop_hash,
                        std::vector<proxy::Alternate> rest, Instant now);
    // A final status on `branch`: 430/408 (or a transport failure) moves to the instance's
    // next alternate; any other final ends that instance's search.
    void settle_alternates(std::uint64_t id, Context& context, std::size_t branch, int status,
                           bool failed, Instant now);

  public:
    // The GRUUs the registrar hands out are the ones this proxy routes.
    const proxy::GruuCodec& gruu() const noexcept { return gruu_; }
    // A REGISTER for an [edge] domain: relayed to its registrar through handle(), with our
    // Path, instead of being answered by the local registrar.
    bool relays_register(const sip::Message& request) const {
        return edge_.relays_register(request);
    }

  private:
    // RFC 5626 §5.3: the flow a target registered over that can carry a request now, and
    // (`index`) its place in target.flows.
    std::optional<runtime::Destination> live_flow(const proxy::Target& target,
                                                  std::size_t* index = nullptr);
    // `flow` ("tcp:192.0.2.9:40002") as a destination, when it can carry a request now.
    std::optional<runtime::Destination> alive_flow(const std::string& flow);
    void forward_statelessly(sip::Message response, const sip::Via& top,
                             const runtime::RequestSource& from);
    // RFC 5626 §5.3: an in-dialog request whose Route (ours, removed) names a flow goes down
    // it: the single target gets that flow (whether it is up is live_flow's question).
    // True when it did.
    bool follow_dialog_flow(proxy::TargetSet& targets, const proxy::RoutePreprocessing& pre,
                            const sip::Message& request, const runtime::RequestSource& source);
    // RFC 6157: logs a request that leaves on the other IP family than it came in on.
    void log_family_bridge(const Context& context, const sip::Message& request,
                           const runtime::RequestSource& source,
                           const runtime::Destination& destination);
    // [edge]: a request for the home proxy gets its Route; true when it is the home's.
    bool towards_home_proxy(proxy::TargetSet& targets, const sip::Message& request);
    // "sip:<flow token>@hostport;transport=..;lr": our URI, naming `flow` when not empty.
    std::string flow_route_uri(eyeballs::Transport transport, const std::string& hostport,
                               std::string_view flow) const;
    std::string record_route_uri(eyeballs::Transport transport, const std::string& hostport,
                                 std::string_view call_id, std::string_view flow) const;
    void drain(std::uint64_t id);
    void schedule(std::uint64_t id, Context& context);
    void rearm();
    void fire_due();
    // In a dialog we record-routed: To tag, our Route removed, and our token in it.
    bool in_our_dialog(const proxy::TargetSet& targets, const proxy::RoutePreprocessing& pre,
                       const sip::Message& request) const;
    std::string random_token();

    asio::io_context& io_;
    runtime::SipServer& server_;
    proxy::LocalIdentity self_;
    registrar::LocationStore& store_;
    RequestAuth* auth_;
    Logger& log_;
    ProxySettings settings_;
    proxy::DialogToken tokens_;
    proxy::FlowToken flow_tokens_;              // RFC 5626 §5.1, in our Record-Route user parts
    proxy::GruuCodec gruu_;                     // RFC 5627: temp GRUUs made and read back
    proxy::EdgeRole edge_;                      // RFC 5626 edge proxy for [edge] domains
    runtime::DnsClient* dns_;                   // null: next hops must be addresses
    eyeballs::ReachabilityCache reachability_;  // per next-hop host, shared by all races
    asio::steady_timer timer_;
    std::optional<Instant> armed_;  // the deadline timer_ waits for
    // Context deadlines, checked lazily against Context::scheduled (as in TransactionTable).
    using HeapItem = std::pair<Instant, std::uint64_t>;
    // A deque grows a block at a time, never copying the whole heap (transaction_table.hpp).
    std::priority_queue<HeapItem, std::deque<HeapItem>, std::greater<>> deadlines_;
    std::uint64_t next_id_ = 1;
    std::uint64_t token_state_;
    // Each holds what a proxied transaction leaves behind for up to 32 s (Timer M, K):
    // hundreds of thousands at a few thousand calls/s, so they grow incrementally
    // (base/incremental_hash_map.hpp) rather than pausing the loop to rehash.
    base::IncrementalHashMap<std::uint64_t, std::unique_ptr<Context>> contexts_;
    base::IncrementalHashMap<std::string, BranchRef, base::TextHash, std::equal_to<>>
        by_branch_;  // our Via branch
    base::IncrementalHashMap<txn::TransactionKey, std::uint64_t, txn::TransactionKeyHash>
        by_invite_;
};

}  // namespace happysip::daemon
