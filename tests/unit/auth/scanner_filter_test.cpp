#include "happysip/auth/scanner_filter.hpp"

#include <gtest/gtest.h>

namespace happysip::auth {
namespace {

sip::Message options(std::string_view from, std::string_view user_agent) {
    std::string text =
        "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bK-1\r\n"
        "Max-Forwards: 70\r\n";
    text += "From: " + std::string(from) + ";tag=1\r\n";
    text += "To: <sip:100@192.0.2.1>\r\nCall-ID: 1@x\r\nCSeq: 1 OPTIONS\r\n";
    if (!user_agent.empty()) text += "User-Agent: " + std::string(user_agent) + "\r\n";
    text += "Content-Length: 0\r\n\r\n";
    auto m = sip::parse_message(std::move(text));
    EXPECT_TRUE(m.ok());
    return std::move(m).value();
}

TEST(ScannerFilter, KnownScannerUserAgentsAreDroppedSilently) {
    for (const char* ua : {"friendly-scanner", "sipvicious", "SIPVicious 0.3.4", "sipcli/v1.8",
                           "VaxSIPUserAgent/3.1", "sundayddr", "Friendly-Scanner"}) {
        EXPECT_EQ(classify_scanner(options("<sip:100@x>", ua)), ScannerVerdict::drop_silently)
            << ua;
    }
}

TEST(ScannerFilter, SipviciousDisplayNameInFromIsDropped) {
    EXPECT_EQ(classify_scanner(options("\"sipvicious\"<sip:100@1.1.1.1>", "")),
              ScannerVerdict::drop_silently);
}

TEST(ScannerFilter, OrdinaryPhonesAndTestToolsPass) {
    for (const char* ua : {"Linphone/5.2.0", "baresip v3.0.0", "sipsak 0.9.8", "SIPp",
                           "Zoiper rv2.10", "Asterisk PBX 20.0.0", ""}) {
        EXPECT_EQ(classify_scanner(options("<sip:alice@example.com>", ua)), ScannerVerdict::pass)
            << ua;
    }
}

TEST(ScannerFilter, SignatureIsReportedInLowercase) {
    EXPECT_EQ(scanner_signature("VaxSIPUserAgent/3.1"), "vaxsipuseragent");
    EXPECT_FALSE(scanner_signature("Grandstream GXP2160").has_value());
}

}  // namespace
}  // namespace happysip::auth
