// RFC 3261 §10.3 step 5: the canonical form of an address-of-record, so that
// "sip:Alice@EXAMPLE.com;user=phone" and "sips:Alice@example.com" name one set of
// bindings: URI parameters and headers removed, escapes decoded, the host lowercased (the
// user part stays case-sensitive, §19.1.4), and sip/sips folded into "sip:".
#pragma once

#include <optional>
#include <string>

#include "happysip/sip/uri.hpp"

namespace happysip::registrar {

// nullopt for URIs that cannot be an AOR (tel:, other schemes).
std::optional<std::string> canonical_aor(const sip::Uri& uri);

// The lowercased host of a canonical AOR ("example.com" of "sip:alice@example.com").
std::string aor_domain(const sip::Uri& uri);

}  // namespace happysip::registrar
