// The headers a SIP stack interprets, identified once at parse time so that
// lookups by header are integer compares. Compact forms (RFC 3261 §7.3.3 and the
// extensions that define them) map to the same id as the long form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace happysip::sip {

#define HAPPYSIP_HEADERS(X)                            \
    X(via, "Via", 'v')                                 \
    X(from, "From", 'f')                               \
    X(to, "To", 't')                                   \
    X(call_id, "Call-ID", 'i')                         \
    X(cseq, "CSeq", 0)                                 \
    X(max_forwards, "Max-Forwards", 0)                 \
    X(content_length, "Content-Length", 'l')           \
    X(content_type, "Content-Type", 'c')               \
    X(contact, "Contact", 'm')                         \
    X(route, "Route", 0)                               \
    X(record_route, "Record-Route", 0)                 \
    X(path, "Path", 0)                                 \
    X(service_route, "Service-Route", 0)               \
    X(supported, "Supported", 'k')                     \
    X(require, "Require", 0)                           \
    X(proxy_require, "Proxy-Require", 0)               \
    X(unsupported, "Unsupported", 0)                   \
    X(expires, "Expires", 0)                           \
    X(min_expires, "Min-Expires", 0)                   \
    X(flow_timer, "Flow-Timer", 0)                     \
    X(rseq, "RSeq", 0)                                 \
    X(rack, "RAck", 0)                                 \
    X(authorization, "Authorization", 0)               \
    X(www_authenticate, "WWW-Authenticate", 0)         \
    X(proxy_authenticate, "Proxy-Authenticate", 0)     \
    X(proxy_authorization, "Proxy-Authorization", 0)   \
    X(authentication_info, "Authentication-Info", 0)   \
    X(allow, "Allow", 0)                               \
    X(user_agent, "User-Agent", 0)                     \
    X(server, "Server", 0)                             \
    X(content_encoding, "Content-Encoding", 'e')       \
    X(content_disposition, "Content-Disposition", 0)   \
    X(content_language, "Content-Language", 0)         \
    X(subject, "Subject", 's')                         \
    X(event, "Event", 'o')                             \
    X(allow_events, "Allow-Events", 'u')               \
    X(subscription_state, "Subscription-State", 0)     \
    X(refer_to, "Refer-To", 'r')                       \
    X(referred_by, "Referred-By", 'b')                 \
    X(replaces, "Replaces", 0)                         \
    X(accept_contact, "Accept-Contact", 'a')           \
    X(reject_contact, "Reject-Contact", 'j')           \
    X(request_disposition, "Request-Disposition", 'd') \
    X(session_expires, "Session-Expires", 'x')         \
    X(min_se, "Min-SE", 0)                             \
    X(identity, "Identity", 'y')                       \
    X(accept, "Accept", 0)                             \
    X(accept_encoding, "Accept-Encoding", 0)           \
    X(accept_language, "Accept-Language", 0)           \
    X(alert_info, "Alert-Info", 0)                     \
    X(call_info, "Call-Info", 0)                       \
    X(date, "Date", 0)                                 \
    X(error_info, "Error-Info", 0)                     \
    X(in_reply_to, "In-Reply-To", 0)                   \
    X(mime_version, "MIME-Version", 0)                 \
    X(organization, "Organization", 0)                 \
    X(priority, "Priority", 0)                         \
    X(reply_to, "Reply-To", 0)                         \
    X(retry_after, "Retry-After", 0)                   \
    X(timestamp, "Timestamp", 0)                       \
    X(warning, "Warning", 0)                           \
    X(reason, "Reason", 0)                             \
    X(privacy, "Privacy", 0)                           \
    X(p_asserted_identity, "P-Asserted-Identity", 0)   \
    X(p_preferred_identity, "P-Preferred-Identity", 0) \
    X(sip_etag, "SIP-ETag", 0)                         \
    X(sip_if_match, "SIP-If-Match", 0)

enum class HeaderId : std::uint8_t {
#define HAPPYSIP_HEADER_ENUM(id, name, compact) id,
    HAPPYSIP_HEADERS(HAPPYSIP_HEADER_ENUM)
#undef HAPPYSIP_HEADER_ENUM
        other,  // any header not listed: kept and forwarded verbatim
};

// Case-insensitive lookup of a header name as it appears on the wire (long or compact form).
HeaderId header_id_from_name(std::string_view name) noexcept;

// The same without a copy, for a name inside a message buffer: at least
// k_header_name_lookahead bytes must be readable from `name` (the name, then the rest of
// its line and of the message), whatever `size` is. The parser's per-line lookup.
inline constexpr std::size_t k_header_name_lookahead = 24;
HeaderId header_id_from_padded_name(const char* name, std::size_t size) noexcept;

// The canonical spelling used when happysip writes the header ("Call-ID", "CSeq").
std::string_view canonical_name(HeaderId id) noexcept;

// Headers whose values are comma-separated lists (RFC 3261 §7.3.1), so one line may
// carry several values. Others (From, Call-ID, CSeq, WWW-Authenticate…) hold one value
// per line even when the value contains commas.
bool is_list_header(HeaderId id) noexcept;

}  // namespace happysip::sip
