#include "happysip/proxy/gruu.hpp"

#include <array>

#include "happysip/registrar/aor.hpp"

namespace happysip::proxy {

namespace {

constexpr std::string_view k_temp_prefix = "tgruu.";
constexpr std::size_t k_nonce_bytes = 8;
constexpr std::size_t k_mac_bytes = 10;
constexpr std::size_t k_tag_bytes = 6;
constexpr char k_field_separator = '\n';  // in neither an AOR nor an instance

constexpr char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// RFC 4648 §5 base64url without padding: every character is unreserved in a SIP user part.
std::string base64url(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += k_b64[(acc >> bits) & 63];
        }
    }
    if (bits > 0) out += k_b64[(acc << (6 - bits)) & 63];
    return out;
}

std::optional<std::string> from_base64url(std::string_view text) {
    std::array<int, 256> value{};
    value.fill(-1);
    for (int i = 0; i < 64; ++i)
        value[static_cast<unsigned char>(k_b64[i])] = i;
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : text) {
        if (value[c] < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(value[c]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    // The last character's unused low bits must be zero: one token, one spelling.
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

std::string public_gruu(std::string_view aor, std::string_view instance) {
    if (instance.size() >= 2 && instance.front() == '<' && instance.back() == '>')
        instance = instance.substr(1, instance.size() - 2);
    return std::string(aor) + ";gr=" + std::string(instance);
}

std::string GruuCodec::call_id_tag(std::string_view call_id) const {
    return key_.mac("call-id\n" + std::string(call_id)).substr(0, k_tag_bytes);
}

std::string GruuCodec::keystream(std::string_view nonce, std::size_t length) const {
    std::string out;
    for (std::uint32_t block = 0; out.size() < length; ++block) {
        std::string input = "keystream\n" + std::string(nonce);
        input.append(reinterpret_cast<const char*>(&block), sizeof block);
        out += key_.mac(input);
    }
    out.resize(length);
    return out;
}

std::string GruuCodec::temp_gruu(std::string_view aor, std::string_view instance,
                                 std::string_view call_id, std::string_view domain,
                                 std::uint64_t nonce) const {
    std::string plain = std::string(aor) + k_field_separator + std::string(instance) +
                        k_field_separator + call_id_tag(call_id);
    std::string sealed(reinterpret_cast<const char*>(&nonce), k_nonce_bytes);
    const std::string stream = keystream(sealed, plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i)
        sealed += static_cast<char>(plain[i] ^ stream[i]);
    sealed += key_.mac("seal\n" + sealed).substr(0, k_mac_bytes);
    return "sip:" + std::string(k_temp_prefix) + base64url(sealed) + "@" + std::string(domain) +
           ";gr";
}

std::optional<GruuTarget> GruuCodec::target_of(const sip::Uri& uri) const {
    auto gr = uri.gr();
    if (!gr || !uri.is_sip_or_sips()) return std::nullopt;
    if (!gr->empty()) {  // public: the AOR is the URI without gr, the instance its value
        auto aor = registrar::canonical_aor(uri);  // drops the URI's parameters, gr too
        if (!aor) return std::nullopt;
        return GruuTarget{*aor, "<" + std::string(*gr) + ">", std::nullopt};
    }
    if (!uri.has_user || !uri.user.starts_with(k_temp_prefix)) return std::nullopt;
    auto sealed = from_base64url(uri.user.substr(k_temp_prefix.size()));
    if (!sealed || sealed->size() < k_nonce_bytes + k_mac_bytes + 2) return std::nullopt;
    const std::string_view body(sealed->data(), sealed->size() - k_mac_bytes);
    if (key_.mac("seal\n" + std::string(body)).substr(0, k_mac_bytes) !=
        sealed->substr(sealed->size() - k_mac_bytes))
        return std::nullopt;
    const std::string_view nonce = body.substr(0, k_nonce_bytes);
    const std::string_view cipher = body.substr(k_nonce_bytes);
    const std::string stream = keystream(nonce, cipher.size());
    std::string plain(cipher.size(), '\0');
    for (std::size_t i = 0; i < cipher.size(); ++i)
        plain[i] = static_cast<char>(cipher[i] ^ stream[i]);
    const auto first = plain.find(k_field_separator);
    const auto second = plain.find(k_field_separator, first == std::string::npos ? 0 : first + 1);
    if (first == std::string::npos || second == std::string::npos) return std::nullopt;
    return GruuTarget{plain.substr(0, first), plain.substr(first + 1, second - first - 1),
                      plain.substr(second + 1)};
}

}  // namespace happysip::proxy
