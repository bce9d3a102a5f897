#include "happysip/runtime/own_addresses.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "happysip/sip/host.hpp"

namespace happysip::runtime {

namespace {

// Leading one bits of a netmask (a loopback interface's prefix length).
std::uint8_t prefix_length(const std::uint8_t* mask, std::size_t bytes) {
    std::uint8_t bits = 0;
    for (std::size_t i = 0; i < bytes; ++i)
        for (int b = 7; b >= 0 && (mask[i] >> b & 1); --b)
            ++bits;
    return bits;
}

bool matches(const std::uint8_t* a, const std::uint8_t* b, std::uint8_t bits) {
    const std::size_t whole = bits / 8;
    if (std::memcmp(a, b, whole) != 0) return false;
    const unsigned rest = bits % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

OwnAddresses::OwnAddresses(std::chrono::steady_clock::duration max_age) : max_age_(max_age) {}

bool OwnAddresses::contains(std::string_view literal) {
    std::array<std::uint8_t, 16> address{};
    bool v6 = false;
    if (auto v4 = sip::parse_ipv4_address(literal)) {
        std::copy(v4->begin(), v4->end(), address.begin());
    } else if (auto v6_address = sip::parse_ipv6_address(literal)) {
        address = *v6_address;
        v6 = true;
    } else {
        return false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!read_ || now - read_at_ >= max_age_) {
        refresh();
        read_at_ = now;
        read_ = true;
    }
    return std::any_of(prefixes_.begin(), prefixes_.end(), [&](const Prefix& p) {
        return p.v6 == v6 && matches(p.address.data(), address.data(), p.length);
    });
}

void OwnAddresses::refresh() {
    prefixes_.clear();
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return;  // nothing claimed until the next read
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr) continue;
        const bool loopback = (i->ifa_flags & IFF_LOOPBACK) != 0;
        Prefix p;
        if (i->ifa_addr->sa_family == AF_INET) {
            sockaddr_in a;
            std::memcpy(&a, i->ifa_addr, sizeof a);
            std::memcpy(p.address.data(), &a.sin_addr, 4);
            p.length = 32;
            if (loopback && i->ifa_netmask != nullptr) {
                sockaddr_in m;
                std::memcpy(&m, i->ifa_netmask, sizeof m);
                p.length = prefix_length(reinterpret_cast<const std::uint8_t*>(&m.sin_addr), 4);
            }
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            sockaddr_in6 a;
            std::memcpy(&a, i->ifa_addr, sizeof a);
            std::memcpy(p.address.data(), &a.sin6_addr, 16);
            p.length = 128;
            p.v6 = true;
        } else {
            continue;
        }
        prefixes_.push_back(p);
    }
    ::freeifaddrs(list);
}

}  // namespace happysip::runtime
