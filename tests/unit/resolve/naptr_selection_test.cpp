#include <gtest/gtest.h>

#include <vector>

#include "happysip/resolve/naptr_selection.hpp"

namespace happysip::resolve {
namespace {

NaptrRecord naptr(std::uint16_t order, std::uint16_t pref, std::string service,
                  std::string replacement, std::string flags = "s") {
    return {order, pref, std::move(flags), std::move(service), "", std::move(replacement), 300};
}

TEST(NaptrSelection, OrdersByOrderThenPreference) {
    // RFC 3263 §4.1 / RFC 3403: lowest order first, then lowest preference.
    const std::vector<NaptrRecord> records = {
        naptr(20, 10, "SIP+D2U", "_sip._udp.example.com"),
        naptr(10, 50, "SIP+D2T", "_sip._tcp.example.com"),
        naptr(10, 20, "SIPS+D2T", "_sips._tcp.example.com"),
    };
    EXPECT_EQ(srv_queries_from_naptr(records, false, {}),
              (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::tls},
                                     {"_sip._tcp.example.com", Transport::tcp},
                                     {"_sip._udp.example.com", Transport::udp}}));
}

TEST(NaptrSelection, SipsUriUsesOnlySipsD2T) {
    // RFC 3263 §4.1: a client resolving a SIPS URI MUST discard non-SIPS services.
    const std::vector<NaptrRecord> records = {
        naptr(10, 10, "SIP+D2U", "_sip._udp.example.com"),
        naptr(10, 20, "SIPS+D2T", "_sips._tcp.example.com"),
        naptr(10, 30, "SIP+D2T", "_sip._tcp.example.com"),
    };
    EXPECT_EQ(srv_queries_from_naptr(records, true, {}),
              (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::tls}}));
}

TEST(NaptrSelection, IgnoresUnsupportedServices) {
    // RFC 3263 §4.1: discard services the client does not support (SCTP, or TCP here).
    TransportSet udp_tls{.udp = true, .tcp = false, .tls = true};
    const std::vector<NaptrRecord> records = {
        naptr(10, 10, "SIP+D2S", "_sip._sctp.example.com"),
        naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com"),
        naptr(10, 30, "SIP+D2U", "_sip._udp.example.com"),
        naptr(10, 40, "E2U+sip", "!^.*$!sip:info@example.com!", "u"),
    };
    EXPECT_EQ(srv_queries_from_naptr(records, false, udp_tls),
              (std::vector<SrvQuery>{{"_sip._udp.example.com", Transport::udp}}));
}

TEST(NaptrSelection, IgnoresRecordsWithoutTheSFlag) {
    const std::vector<NaptrRecord> records = {
        naptr(10, 10, "SIP+D2U", "_sip._udp.example.com", ""),
        naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com", "S"),
    };
    EXPECT_EQ(srv_queries_from_naptr(records, false, {}),
              (std::vector<SrvQuery>{{"_sip._tcp.example.com", Transport::tcp}}));
}

TEST(NaptrSelection, ServiceFieldIsCaseInsensitive) {
    EXPECT_EQ(naptr_service_transport("sips+d2t"), Transport::tls);
    EXPECT_EQ(naptr_service_transport("SIP+D2W"), std::nullopt);
}

TEST(NaptrSelection, NoNaptrFallsBackToSrvNames) {
    // RFC 3263 §4.1: no NAPTR records: an SRV query per supported transport.
    EXPECT_EQ(select_srv_queries({}, "example.com", false, {}),
              (std::vector<SrvQuery>{{"_sip._udp.example.com", Transport::udp},
                                     {"_sip._tcp.example.com", Transport::tcp},
                                     {"_sips._tcp.example.com", Transport::tls}}));
}

TEST(NaptrSelection, NoNaptrForSipsUriFallsBackToSipsTcpOnly) {
    EXPECT_EQ(select_srv_queries({}, "example.com", true, {}),
              (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::tls}}));
}

TEST(NaptrSelection, FallbackSkipsUnsupportedTransports) {
    TransportSet tcp_only{.udp = false, .tcp = true, .tls = false};
    EXPECT_EQ(fallback_srv_queries("example.com", false, tcp_only),
              (std::vector<SrvQuery>{{"_sip._tcp.example.com", Transport::tcp}}));
}

TEST(NaptrSelection, NoUsableNaptrFallsBackToSrvNames) {
    const std::vector<NaptrRecord> records = {naptr(10, 10, "SIP+D2S", "_sip._sctp.example.com")};
    EXPECT_EQ(select_srv_queries(records, "example.com", true, {}),
              (std::vector<SrvQuery>{{"_sips._tcp.example.com", Transport::tls}}));
}

}  // namespace
}  // namespace happysip::resolve
