// OwnAddresses against this machine's real interfaces: loopback is there on every Linux
// host (all of 127.0.0.0/8 on lo, and ::1); TEST-NET and documentation addresses never are.
#include "happysip/runtime/own_addresses.hpp"

#include <gtest/gtest.h>

namespace happysip::runtime {
namespace {

TEST(OwnAddresses, LoopbackIsOursAndDocumentationAddressesAreNot) {
    OwnAddresses own;
    EXPECT_TRUE(own.contains("127.0.0.1"));
    EXPECT_TRUE(own.contains("127.0.0.2"));  // inside lo's /8
    EXPECT_TRUE(own.contains("127.255.255.254"));
    EXPECT_TRUE(own.contains("::1"));
    EXPECT_FALSE(own.contains("192.0.2.1"));
    EXPECT_FALSE(own.contains("2001:db8::1"));
    EXPECT_FALSE(own.contains("::2"));  // ::1 is lo's only IPv6 address
    EXPECT_FALSE(own.contains("localhost"));
    EXPECT_FALSE(own.contains(""));
    EXPECT_FALSE(own.contains("127.0.0.1:5060"));
}

}  // namespace
}  // namespace happysip::runtime
