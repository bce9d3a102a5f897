// The registrar of RFC 3261 §10.3, steps 1, 2 and 5-8 (authentication, steps 3-4, is the
// caller's: it passes who authenticated), with RFC 3327 Path and RFC 5626 Outbound (§6:
// bindings keyed by instance and reg-id, each remembering the flow it came over, answered
// with Require: outbound; 439 when the first hop cannot do Outbound) and RFC 5627 GRUUs
// (pub-gruu/temp-gruu in the 200; a GRUU as a Contact is refused) and RFC 6140 GIN (a
// configured SIP-PBX trunk registers one bnc Contact for its numbers, with the GRUUs of
// RFC 6140 §7.1; gin.hpp). Given a REGISTER, it
// computes the AOR's new binding set, stores it in one call and says what to answer:
// 200 with every current binding, 423 with Min-Expires, 420 with Unsupported, 404 for a
// foreign domain, 400 for a malformed Contact, Expires or out-of-order CSeq, 403 when the
// authenticated user may not register that AOR or has too many bindings, 500 when the
// store fails. Sans-I/O: time is the wall clock in seconds, passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/registrar/binding.hpp"
#include "happysip/registrar/gin.hpp"
#include "happysip/registrar/location_store.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::registrar {

struct RegistrarConfig {
    std::vector<std::string> domains = {"localhost"};  // served domains, any case
    std::uint32_t default_expires = 3600;              // RFC 3261 §10.2.1.1 suggests one hour
    std::uint32_t min_expires = 60;                    // shorter non-zero requests get 423
    std::uint32_t max_expires = 86400;                 // longer ones are shortened
    std::size_t max_bindings_per_aor = 16;             // a cap against binding floods
    // RFC 5626 §4.4.1: seconds between a UA's keep-alives on an Outbound flow, sent as
    // Flow-Timer in the 200 when this registrar is the flow's first hop; 0 leaves it to
    // the UA (95-120 s on TCP/TLS, 24-29 s on UDP).
    std::uint32_t flow_timer = 0;
    // RFC 6140: the SIP-PBX trunks that may register with bnc, and the AORs each serves.
    std::vector<GinTrunk> gin_trunks;
};

struct RegisterContext {
    std::int64_t now = 0;  // wall clock, seconds since the Unix epoch
    // "udp:[2001:db8::2]:5060": where the request came from. For an Outbound binding
    // registered directly (no Path), this is the flow requests for it must go back over.
    std::string source;
    std::string authenticated_user;  // empty when the caller did not authenticate
};

struct RegisterReply {
    int status = 200;
    std::string reason;                // empty: the standard phrase
    std::vector<std::string> headers;  // whole lines without CRLF, for make_response
    std::size_t bindings = 0;          // how many the AOR has after the request (on 200)
    // RFC 5626 §5.2: an Outbound binding that ends here (no Path) was registered over the
    // request's own source: the caller tracks that flow's keep-alives from now on.
    bool own_flow = false;
};

// RFC 5627: the public and temporary GRUU of a binding with an instance, made by whoever
// holds the GRUU secret (happysipd: proxy::GruuCodec, which also reads them back).
struct Gruus {
    std::string pub;   // "sip:alice@example.com;gr=urn:uuid:..."
    std::string temp;  // "sip:tgruu.AbC...@example.com;gr"
};
using GruuMaker = std::function<Gruus(const Binding&)>;

class Registrar {
  public:
    Registrar(RegistrarConfig config, LocationStore& store);

    // Turns on RFC 5627: a UA with Supported: gruu gets pub-gruu and temp-gruu on every
    // Contact of the 200 that has an instance.
    void make_gruus_with(GruuMaker maker) { gruus_ = std::move(maker); }

    // One at a time: it reuses its buffers from one request to the next.
    RegisterReply handle(const sip::Message& request, const RegisterContext& context);
    bool serves(std::string_view domain) const;
    const RegistrarConfig& config() const noexcept { return config_; }
    // config().gin_trunks, indexed (for GinLocationView).
    const GinTrunks& gin_trunks() const noexcept { return gin_; }

  private:
    RegistrarConfig config_;
    GinTrunks gin_;
    LocationStore& store_;
    GruuMaker gruus_;
    // The AOR's bindings while a REGISTER is handled, kept between requests: a refresh
    // assigns its stored binding over the previous request's, reusing their strings
    // (issue 4: four allocations per refresh).
    std::vector<Binding> bindings_;
    std::vector<std::string_view> values_;  // a header's values, for the same reason
};

// Option tags this registrar understands in Require (RFC 3261 §8.2.2.3).
inline constexpr std::string_view k_registrar_option_tags[] = {"path", "outbound", "gruu", "gin"};

}  // namespace happysip::registrar
