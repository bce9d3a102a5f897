// Whether an IP address is one of this host's own, for a listener on a wildcard address
// (proxy/local_identity.hpp): a URI naming 192.0.2.7 on its port names us exactly when the
// host has 192.0.2.7. The addresses come from getifaddrs(3); every address inside a
// loopback interface's prefix counts (Linux answers all of 127.0.0.0/8 on lo). The list is
// read again when it is older than `max_age`, so an address added or removed at run time
// (DHCP, SLAAC) is seen within that time, and a proxy checking the Route of each request
// reads the interfaces at most once per `max_age`.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

namespace happysip::runtime {

class OwnAddresses {
  public:
    explicit OwnAddresses(std::chrono::steady_clock::duration max_age = std::chrono::seconds(10));

    // `literal`: an IPv4 or IPv6 address as text, no brackets. False for anything else.
    bool contains(std::string_view literal);

  private:
    struct Prefix {
        std::array<std::uint8_t, 16> address{};  // IPv4 in the first 4 bytes
        std::uint8_t length = 0;                 // bits that must match
        bool v6 = false;
    };
    void refresh();

    std::chrono::steady_clock::duration max_age_;
    std::chrono::steady_clock::time_point read_at_{};
    bool read_ = false;
    std::vector<Prefix> prefixes_;
};

}  // namespace happysip::runtime
