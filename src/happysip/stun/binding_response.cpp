#include "happysip/stun/binding_response.hpp"

#include "happysip/stun/attribute_reader.hpp"
#include "happysip/stun/message_writer.hpp"

namespace happysip::stun {

namespace {

constexpr std::uint8_t k_family_ipv4 = 0x01;  // RFC 5389 §15.1
constexpr std::uint8_t k_family_ipv6 = 0x02;

// RFC 5389 §15.2: the port is XORed with the cookie's top 16 bits, an IPv4 address with
// the cookie, an IPv6 address with the cookie followed by the transaction id.
std::array<std::uint8_t, 16> xor_key(const TransactionId& id) {
    std::array<std::uint8_t, 16> key{};
    for (int i = 0; i < 4; ++i)
        key[static_cast<std::size_t>(i)] =
            static_cast<std::uint8_t>(k_magic_cookie >> (24 - 8 * i));
    for (std::size_t i = 0; i < id.size(); ++i)
        key[4 + i] = id[i];
    return key;
}

std::string xor_mapped_address(const TransactionId& id, const TransportAddress& a) {
    const auto key = xor_key(id);
    std::string v;
    v.push_back('\0');
    v.push_back(static_cast<char>(a.is_v6() ? k_family_ipv6 : k_family_ipv4));
    append_u16(v, static_cast<std::uint16_t>(a.port ^ (k_magic_cookie >> 16)));
    for (std::size_t i = 0; i < a.ip_size; ++i)
        v.push_back(static_cast<char>(a.ip[i] ^ key[i]));
    return v;
}

std::optional<TransportAddress> read_xor_mapped_address(const TransactionId& id,
                                                        std::string_view v) {
    if (v.size() < 4) return std::nullopt;
    const auto family = static_cast<std::uint8_t>(v[1]);
    TransportAddress a;
    if (family == k_family_ipv4 && v.size() == 8)
        a.ip_size = 4;
    else if (family == k_family_ipv6 && v.size() == 20)
        a.ip_size = 16;
    else
        return std::nullopt;
    a.port = static_cast<std::uint16_t>(read_u16(v, 2) ^ (k_magic_cookie >> 16));
    const auto key = xor_key(id);
    for (std::size_t i = 0; i < a.ip_size; ++i)
        a.ip[i] = static_cast<std::uint8_t>(static_cast<unsigned char>(v[4 + i]) ^ key[i]);
    return a;
}

// RFC 5389 §15.6: the reasons it suggests for the codes it defines.
std::string_view reason_for(int code) noexcept {
    switch (code) {
        case 300:
            return "Try Alternate";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 420:
            return "Unknown Attribute";
        case 438:
            return "Stale Nonce";
        case 500:
            return "Server Error";
        default:
            return "";
    }
}

}  // namespace

std::string binding_success(const TransactionId& id, const TransportAddress& source,
                            WithFingerprint fingerprint) {
    MessageWriter w(MessageClass::success, k_method_binding, id);
    w.add(k_attr_xor_mapped_address, xor_mapped_address(id, source));
    if (fingerprint == WithFingerprint::yes) w.add_fingerprint();
    return std::move(w).finish();
}

std::string binding_error(const TransactionId& id, int code, std::span<const std::uint16_t> unknown,
                          WithFingerprint fingerprint) {
    MessageWriter w(MessageClass::error, k_method_binding, id);
    // RFC 5389 §15.6: 21 reserved bits, the hundreds in 3 bits, the rest in 8 bits.
    std::string value(2, '\0');
    value.push_back(static_cast<char>((code / 100) & 0x07));
    value.push_back(static_cast<char>(code % 100));
    value.append(reason_for(code));
    w.add(k_attr_error_code, value);
    if (!unknown.empty()) {
        std::string list;
        for (std::uint16_t type : unknown)
            append_u16(list, type);
        w.add(k_attr_unknown_attributes, list);
    }
    if (fingerprint == WithFingerprint::yes) w.add_fingerprint();
    return std::move(w).finish();
}

std::variant<BindingResponse, StunError> parse_binding_response(std::string_view bytes) {
    StunErrc header_error{};
    const auto header = read_header(bytes, header_error);
    if (!header) return stun_error(header_error);
    const TransactionId& id = header->transaction_id;
    if (header->message_class != MessageClass::success &&
        header->message_class != MessageClass::error)
        return stun_error(StunErrc::not_a_response, id);
    if (header->method != k_method_binding) return stun_error(StunErrc::unsupported_method, id);

    BindingResponse r;
    r.transaction_id = id;
    r.message_class = header->message_class;
    AttributeReader reader(bytes);
    while (auto attr = reader.next()) {
        const std::string_view v = attr->value;
        switch (attr->type) {
            case k_attr_fingerprint:
                if (!fingerprint_matches(bytes, *attr))
                    return stun_error(StunErrc::bad_fingerprint, id);
                r.has_fingerprint = true;
                break;
            case k_attr_xor_mapped_address:
                r.mapped = read_xor_mapped_address(id, v);
                if (!r.mapped) return stun_error(StunErrc::malformed_attribute, id);
                break;
            case k_attr_error_code: {
                if (v.size() < 4) return stun_error(StunErrc::malformed_attribute, id);
                const int hundreds = static_cast<unsigned char>(v[2]) & 0x07;
                const int number = static_cast<unsigned char>(v[3]);
                if (hundreds < 3 || hundreds > 6 || number > 99)
                    return stun_error(StunErrc::malformed_attribute, id);
                r.error_code = hundreds * 100 + number;
                r.reason = std::string(v.substr(4));
                break;
            }
            case k_attr_unknown_attributes:
                if (v.size() % 2 != 0) return stun_error(StunErrc::malformed_attribute, id);
                for (std::size_t i = 0; i < v.size(); i += 2)
                    r.unknown_attributes.push_back(read_u16(v, i));
                break;
            default:
                break;  // SOFTWARE, MESSAGE-INTEGRITY...: nothing we need
        }
    }
    if (reader.malformed()) return stun_error(StunErrc::malformed_attribute, id);
    if (r.message_class == MessageClass::success ? !r.mapped : r.error_code == 0)
        return stun_error(StunErrc::missing_attribute, id);
    return r;
}

}  // namespace happysip::stun
