// RFC 6140 (GIN): a SIP-PBX registers once, with a Contact that carries "bnc" and no user
// part, for every number of its DID block. The registrar only keeps that one binding
// under the trunk's own AOR; a request for one of the trunk's numbers is sent to the
// binding with the number put into the Contact's user part (§6). Which AORs a trunk
// serves is configuration (the operator's number assignment), held here as exact URIs and
// number prefixes. Sans-I/O, plain values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "happysip/registrar/binding.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::registrar {

// One entry of a trunk's `uris`: "sip:+15551230001@example.com" names one AOR;
// "sip:+1555123*@example.com" a DID block: the prefix "+1555123" followed by one or more
// digits (a number written without visual separators, as operators' DID lists are).
struct GinPattern {
    std::string domain;   // lowercased host, ":port" when written (as in a canonical AOR)
    std::string user;     // the decoded user part; for a block, the prefix without '*'
    bool prefix = false;  // a DID block
};

struct GinTrunk {
    std::string aor;                 // canonical AOR the SIP-PBX registers (To of its REGISTER)
    std::vector<GinPattern> serves;  // the AORs it takes requests for
};

// Reads one `uris` entry. The error names what is wrong ("'*' only at the end of a
// number: ..."); the caller adds the key and line.
struct GinPatternResult {
    std::optional<GinPattern> pattern;
    std::string error;
};
GinPatternResult parse_gin_pattern(std::string_view text);

// Whether a canonical AOR ("sip:+15551230042@example.com") is one the pattern serves.
bool gin_pattern_matches(const GinPattern& pattern, std::string_view aor);

// Two patterns that can both match one AOR (for two trunks: a request would have two
// owners). Empty when none; otherwise "'sip:+1555*@example.com' (sip:pbx1@example.com)
// overlaps 'sip:+15551230001@example.com' (sip:pbx2@example.com)".
std::string gin_overlap(const std::vector<GinTrunk>& trunks);

// The configured trunks, indexed for the proxy's per-request question "whose number is
// this?": a hash probe for exact AORs, one probe per prefix length for DID blocks.
class GinTrunks {
  public:
    GinTrunks() = default;
    explicit GinTrunks(std::vector<GinTrunk> trunks);

    bool empty() const noexcept { return trunks_.empty(); }
    const std::vector<GinTrunk>& trunks() const noexcept { return trunks_; }
    // The trunk that registers as `aor` (canonical), if any.
    const GinTrunk* trunk_with_aor(std::string_view aor) const;
    // The trunk whose numbers or URIs include `aor` (canonical), if any.
    const GinTrunk* trunk_serving(std::string_view aor) const;

  private:
    std::vector<GinTrunk> trunks_;
    std::unordered_map<std::string, std::size_t> by_aor_;    // trunk AOR -> index
    std::unordered_map<std::string, std::size_t> exact_;     // "domain\nuser" -> index
    std::unordered_map<std::string, std::size_t> prefixes_;  // "domain\nprefix" -> index
};

// RFC 6140 §4, §9.2.1: a Contact with "bnc" stands for the whole block, not for one address.
bool is_bnc_contact(const sip::Uri& contact) noexcept;
bool is_bnc_binding(const Binding& binding);

// RFC 6140 §6 (SSP processing of inbound requests): the Request-URI that reaches `user`
// (decoded, as in a canonical AOR) at a SIP-PBX registered with `bnc_contact`: the
// Contact with `user` as its user part (escaped where RFC 3261 §25.1 wants it) and
// without the "bnc" parameter; every other parameter (transport, ob, user=phone, ...) and
// the host and port stay, except what a Request-URI may not carry ("method", the headers
// component). nullopt when the contact does not parse.
std::optional<std::string> gin_target_uri(std::string_view bnc_contact, std::string_view user);

// RFC 6140 §7.1.1 (public GRUUs): the pub-gruu of a bnc Contact names no number: the
// domain of the trunk's AOR, "bnc" and "gr" with the instance
// ("sip:example.com;bnc;gr=urn:uuid:..."). The SIP-PBX makes each of its UAs' GRUUs from
// it: one of its numbers as user part, and an "sg" parameter naming the UA.
std::string gin_public_gruu(std::string_view trunk_aor, std::string_view instance);

// RFC 6140 §7.1: a request to such a GRUU (public, or our temp GRUU with the PBX's "sg"
// added) carries the "sg" the SIP-PBX needs to find its UA; the target URI it is sent to
// gets that "sg" too (before any headers component), unless it has one already. Nothing
// changes when `request_uri` has no "sg".
void copy_gin_sg(std::string& target_uri, const sip::Uri& request_uri);

// The decoded user part of a canonical AOR ("+15551230042" of
// "sip:+15551230042@example.com"); empty when it has none.
std::string_view aor_user(std::string_view aor);

}  // namespace happysip::registrar
