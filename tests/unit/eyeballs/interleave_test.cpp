#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/eyeballs/interleave.hpp"

namespace happysip::eyeballs {
namespace {

Candidate v6(std::string address) {
    return {Family::ipv6, std::move(address), 5060, {}, "sip"};
}
Candidate v4(std::string address) {
    return {Family::ipv4, std::move(address), 5060, {}, "sip"};
}

std::vector<std::string> addresses(const std::vector<Candidate>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs)
        out.push_back(c.address);
    return out;
}

TEST(Interleave, AlternatesFamiliesStartingWithPreferred) {
    // RFC 8305 §4: one IPv6 address, then one IPv4, and so on.
    const std::vector<Candidate> sorted = {v6("2001:db8::1"), v6("2001:db8::2"), v6("2001:db8::3"),
                                           v4("192.0.2.1"), v4("192.0.2.2")};
    EXPECT_EQ(addresses(interleave(sorted)),
              (std::vector<std::string>{"2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2",
                                        "2001:db8::3"}));
}

TEST(Interleave, FirstAddressFamilyCountTwo) {
    // RFC 8305 §4: with a First Address Family Count of 2, two IPv6 addresses go first.
    const std::vector<Candidate> sorted = {v6("2001:db8::1"), v6("2001:db8::2"), v6("2001:db8::3"),
                                           v4("192.0.2.1"), v4("192.0.2.2")};
    EXPECT_EQ(addresses(interleave(sorted, {Family::ipv6, 2})),
              (std::vector<std::string>{"2001:db8::1", "2001:db8::2", "192.0.2.1", "2001:db8::3",
                                        "192.0.2.2"}));
}

TEST(Interleave, PreferredFamilyIsConfigurable) {
    const std::vector<Candidate> sorted = {v6("2001:db8::1"), v6("2001:db8::2"), v4("192.0.2.1")};
    EXPECT_EQ(addresses(interleave(sorted, {Family::ipv4, 1})),
              (std::vector<std::string>{"192.0.2.1", "2001:db8::1", "2001:db8::2"}));
}

TEST(Interleave, KeepsOrderWithinEachFamilyWhateverTheInputMix) {
    // The input order within a family is the RFC 6724 / RFC 3263 order and must survive.
    const std::vector<Candidate> mixed = {v4("192.0.2.9"), v6("2001:db8::9"), v4("192.0.2.1"),
                                          v6("2001:db8::1")};
    EXPECT_EQ(addresses(interleave(mixed)),
              (std::vector<std::string>{"2001:db8::9", "192.0.2.9", "2001:db8::1", "192.0.2.1"}));
}

TEST(Interleave, SingleFamilyAndEmptyInputPassThrough) {
    const std::vector<Candidate> only_v4 = {v4("192.0.2.1"), v4("192.0.2.2")};
    EXPECT_EQ(addresses(interleave(only_v4)), (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
    EXPECT_TRUE(interleave(std::vector<Candidate>{}).empty());
}

TEST(Interleave, FirstAddressFamilyCountZeroActsAsOne) {
    const std::vector<Family> fams = {Family::ipv6, Family::ipv6, Family::ipv4};
    EXPECT_EQ(interleave_order(fams, {Family::ipv6, 0}), (std::vector<std::size_t>{0, 2, 1}));
}

}  // namespace
}  // namespace happysip::eyeballs
