// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1): the value of
// From, To, Contact, Route, Record-Route, Path, Service-Route, Refer-To and similar.
// Views point into the string given to the parse function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "happysip/sip/header_params.hpp"
#include "happysip/sip/result.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::sip {

struct NameAddr {
    std::string_view display_name;  // as written; a quoted-string keeps its quotes
    std::string_view uri_text;      // between < and >, or the bare addr-spec
    Uri uri;                        // uri_text interpreted
    bool angle_brackets = false;
    bool is_star = false;  // Contact: * (RFC 3261 §10.2.2), no URI then
    HeaderParams params;
    std::optional<std::string_view> tag_param;  // found while parsing the parameters

    // RFC 3261 §19.3: the dialog identifier half carried in From and To.
    std::optional<std::string_view> tag() const noexcept { return tag_param; }
};

// From, To, Route, Record-Route, Path, ... One element of a comma-separated value.
// `header` names the header in error messages.
Result<NameAddr> parse_name_addr(std::string_view value, std::string_view header = "");
// The same, filling `out` in place; returns the error if any.
std::optional<ParseError> parse_name_addr_into(std::string_view value, NameAddr& out,
                                               std::string_view header = "");

// Only the tag of a From or To value (RFC 3261 §19.3), for a proxy's forwarding path: the
// display name and URI are located by the same rules but the URI is not interpreted (RFC
// 3261 §16.3: components a proxy does not use are not its to reject), while the header
// parameters are validated as by parse_name_addr. `tag` is nullopt when there is none.
std::optional<ParseError> parse_name_addr_tag(std::string_view value,
                                              std::optional<std::string_view>& tag,
                                              std::string_view header = "");
// The tag parse_name_addr_tag finds; nullopt when there is none or the value does not
// parse that far (whether a To already has a tag, the tags a loop hash mixes in).
std::optional<std::string_view> name_addr_tag(std::string_view value);

// Contact: also accepts "*" and checks the parameters a registrar acts on.
Result<NameAddr> parse_contact(std::string_view value);

// RFC 3261 §20.10 "expires" contact parameter, when present and numeric.
std::optional<std::uint32_t> contact_expires(const NameAddr& contact) noexcept;
// q-value in thousandths: q=0.5 -> 500; nullopt when absent. (RFC 3261 §20.10)
std::optional<std::uint16_t> contact_q(const NameAddr& contact) noexcept;
// Parses a qvalue ("0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]) into thousandths.
std::optional<std::uint16_t> parse_qvalue(std::string_view text) noexcept;
// RFC 5626 §4.2: +sip.instance without its quotes ("<urn:uuid:...>"), and reg-id.
std::optional<std::string_view> contact_instance(const NameAddr& contact) noexcept;
std::optional<std::uint32_t> contact_reg_id(const NameAddr& contact) noexcept;

}  // namespace happysip::sip
