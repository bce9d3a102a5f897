// RFC 3263 §4 as a sequence of DNS queries: NAPTR, then the SRV queries it selects (all at
// once), then AAAA and A for every SRV target (all at once), or the fallbacks RFC 3263
// prescribes when a step finds nothing. Answers feed an RFC 8305 §3 resolution gate so the
// race can start on the first family answered and receive the other family later.
// Sans-I/O: the caller makes the queries it is asked for and hands back the answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/eyeballs/resolution_gate.hpp"
#include "happysip/resolve/target_list.hpp"
#include "happysip/resolve/transport_selection.hpp"

namespace happysip::client {

enum class DnsType : std::uint8_t { naptr, srv, aaaa, a };
std::string_view to_string(DnsType type) noexcept;

struct DnsQuery {
    std::uint32_t id = 0;
    DnsType type = DnsType::naptr;
    std::string name;
    friend bool operator==(const DnsQuery&, const DnsQuery&) = default;
};

struct TargetLookupConfig {
    resolve::TransportSet supported;
    std::optional<eyeballs::Family> only_family;  // --family 6|4: never ask for the other
    eyeballs::ResolutionGateConfig gate;
    // Seeds the RFC 2782 weighted choice. The same seed is used for every build of the
    // candidate list, so the IPv6 and IPv4 halves follow one SRV order.
    std::uint64_t srv_seed = 0x9e3779b97f4a7c15ULL;
};

class TargetLookup {
  public:
    TargetLookup(resolve::TransportPlan plan, TargetLookupConfig config);

    void start(Instant now);
    // Answers; a failed query (NXDOMAIN, NODATA, timeout, ...) is an empty list. Unknown
    // or repeated ids are ignored.
    void on_naptr(std::uint32_t id, std::vector<resolve::NaptrRecord> records, Instant now);
    void on_srv(std::uint32_t id, std::vector<resolve::SrvRecord> records, Instant now);
    void on_address(std::uint32_t id, std::vector<resolve::AddressRecord> records, Instant now);
    void on_timer(Instant now);

    std::vector<DnsQuery> take_queries();
    std::vector<eyeballs::GateAction> take_gate_actions();
    std::optional<Instant> next_deadline() const { return gate_.next_deadline(); }
    // Every query answered: no more candidates will come.
    bool complete() const noexcept { return started_ && outstanding_.empty(); }

  private:
    struct Outstanding {
        std::uint32_t id;
        DnsType type;
        std::string name;
    };

    std::uint32_t ask(DnsType type, std::string name);
    std::optional<Outstanding> answered(std::uint32_t id, DnsType type);
    bool any_outstanding(DnsType type) const;
    void start_srv_phase(Instant now);
    void start_address_phase(Instant now);
    void on_family_done(eyeballs::Family family, Instant now);
    std::vector<eyeballs::Candidate> candidates_of(eyeballs::Family family) const;

    resolve::TransportPlan plan_;
    TargetLookupConfig config_;
    eyeballs::ResolutionGate gate_;
    resolve::DnsAnswers answers_;
    std::vector<Outstanding> outstanding_;
    std::vector<DnsQuery> queries_;
    std::vector<eyeballs::GateAction> immediate_;  // numeric and unusable plans skip the gate
    std::uint32_t next_id_ = 1;
    bool started_ = false;
    bool address_phase_ = false;
};

}  // namespace happysip::client
