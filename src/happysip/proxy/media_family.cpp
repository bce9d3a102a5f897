#include "happysip/proxy/media_family.hpp"

#include <cctype>

namespace happysip::proxy {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    return true;
}

// The n-th (0-based) space-separated field of `line`; empty when there are fewer.
std::string_view field(std::string_view line, int n) {
    std::size_t pos = 0;
    for (int i = 0;; ++i) {
        while (pos < line.size() && line[pos] == ' ')
            ++pos;
        std::size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        if (pos >= line.size()) return {};
        if (i == n) return line.substr(pos, end - pos);
        pos = end;
    }
}

void add_connection(std::string_view value, MediaFamilies& families) {
    // RFC 4566 §5.7: c=<nettype> <addrtype> <connection-address>
    if (field(value, 0) != "IN") return;
    std::string_view addrtype = field(value, 1);
    if (addrtype == "IP4") families.ip4 = true;
    if (addrtype == "IP6") families.ip6 = true;
}

void add_candidate(std::string_view value, MediaFamilies& families) {
    // RFC 8839 §5.1: candidate:<foundation> <component> <transport> <priority> <address>
    // <port> typ ...; an FQDN address (mDNS) says nothing about the family.
    std::string_view address = field(value, 4);
    if (address.empty()) return;
    if (address.find(':') != std::string_view::npos) {
        families.ip6 = true;
        return;
    }
    bool dotted = true;
    for (char ch : address)
        if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != '.') dotted = false;
    if (dotted) families.ip4 = true;
}

}  // namespace

MediaFamilies sdp_media_families(std::string_view sdp) {
    MediaFamilies families;
    while (!sdp.empty()) {
        std::size_t end = sdp.find('\n');
        std::string_view line = sdp.substr(0, end);
        sdp = end == std::string_view::npos ? std::string_view{} : sdp.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("c="))
            add_connection(line.substr(2), families);
        else if (line.starts_with("a=candidate:"))
            add_candidate(line.substr(12), families);
    }
    return families;
}

MediaFamilies media_families_of(const sip::Message& message) {
    auto type = message.header(sip::HeaderId::content_type);
    if (!type) return {};
    std::string_view t = *type;
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
        t.remove_prefix(1);
    if (!starts_with_nocase(t, "application/sdp") && !starts_with_nocase(t, "multipart/"))
        return {};
    return sdp_media_families(message.body());
}

}  // namespace happysip::proxy
