#include "happysip/runtime/endpoint.hpp"

#include <gtest/gtest.h>

namespace happysip::runtime {
namespace {

TEST(Endpoint, ConvertsLiteralsWithOrWithoutBrackets) {
    std::error_code ec;
    EXPECT_EQ(to_asio_address("[2001:db8::1]", ec), asio::ip::make_address("2001:db8::1"));
    EXPECT_FALSE(ec);
    EXPECT_EQ(to_asio_address("192.0.2.1", ec), asio::ip::make_address("192.0.2.1"));
    EXPECT_FALSE(ec);
    to_asio_address("example.com", ec);
    EXPECT_TRUE(ec);
    to_asio_address("fe80::1%eth0", ec);
    EXPECT_TRUE(ec);
}

// to_asio_address reads dotted quads itself (issue 4): it must accept and refuse exactly
// what asio (inet_pton) does.
TEST(Endpoint, ReadsIpv4LiteralsAsAsioDoes) {
    for (const char* text :
         {"0.0.0.0",    "127.0.0.1",  "255.255.255.255", "192.0.2.10", "10.0.0.255",
          "256.1.1.1",  "1.2.3",      "1.2.3.4.5",       "01.2.3.4",   "1.2.3.04",
          "1.2.3.4.",   ".1.2.3.4",   "1..2.3",          "1.2.3.4 ",   "1.2.3.-4",
          "1.2.3.1000", "0001.2.3.4", "1.2.3.4:5060",    "",           "1.2.3.a"}) {
        asio::error_code asio_ec;
        auto expected = asio::ip::make_address(text, asio_ec);
        std::error_code ec;
        auto got = to_asio_address(text, ec);
        EXPECT_EQ(bool(ec), bool(asio_ec)) << text;
        if (!asio_ec) {
            EXPECT_EQ(got, expected) << text;
        }
    }
}

TEST(Endpoint, SpellsAddressesAsAsioDoes) {
    for (const char* text : {"0.0.0.0", "127.0.0.1", "255.255.255.255", "192.0.2.10", "2001:db8::1",
                             "::1", "::ffff:192.0.2.1"}) {
        auto address = asio::ip::make_address(text);
        std::string out = "x=";
        append_address(out, address);
        EXPECT_EQ(out, "x=" + address.to_string()) << text;
    }
    EXPECT_EQ(to_uri_host(asio::ip::make_address("2001:db8::1")), "[2001:db8::1]");
    EXPECT_EQ(to_hostport(asio::ip::make_address("10.1.2.3"), 65535), "10.1.2.3:65535");
}

TEST(Endpoint, FamilyOfAV4MappedAddressIsIpv4) {
    EXPECT_EQ(family_of(asio::ip::make_address("::ffff:192.0.2.1")), eyeballs::Family::ipv4);
    EXPECT_EQ(family_of(asio::ip::make_address("2001:db8::1")), eyeballs::Family::ipv6);
    EXPECT_EQ(family_of(asio::ip::make_address("192.0.2.1")), eyeballs::Family::ipv4);
}

TEST(Endpoint, HostPortPutsIpv6InBrackets) {
    EXPECT_EQ(to_hostport(asio::ip::make_address("2001:db8::1"), 5060), "[2001:db8::1]:5060");
    EXPECT_EQ(to_hostport(asio::ip::make_address("192.0.2.1"), 5060), "192.0.2.1:5060");
}

TEST(Endpoint, ParsesHostPort) {
    std::error_code ec;
    auto v6 = parse_hostport("[::1]:5070", 5060, ec);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->address, asio::ip::make_address("::1"));
    EXPECT_EQ(v6->port, 5070);
    auto v4 = parse_hostport("127.0.0.1", 5060, ec);
    ASSERT_TRUE(v4);
    EXPECT_EQ(v4->port, 5060);
    auto bare6 = parse_hostport("2001:db8::1", 5061, ec);
    ASSERT_TRUE(bare6);
    EXPECT_EQ(bare6->port, 5061);
    for (const char* bad : {"[::1", "[::1]x", "127.0.0.1:", "127.0.0.1:99999", "host:5060", ""})
        EXPECT_FALSE(parse_hostport(bad, 5060, ec)) << bad;
}

}  // namespace
}  // namespace happysip::runtime
