// The bounded reader behind NAPTR/SRV TTLs and RFC 2308 negative TTLs, on hand-made
// responses (RFC 1035 §4.1), including truncated and hostile ones.
#include "happysip/runtime/dns_wire.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace happysip::runtime::dns_wire {
namespace {

class Message {
  public:
    Message(std::uint16_t an, std::uint16_t ns) {
        u16(0x1234);
        u16(0x8180);  // response, RD, RA
        u16(1);
        u16(an);
        u16(ns);
        u16(0);
        name("_sip._udp.lab.test");
        u16(k_type_srv);
        u16(k_class_in);
    }

    Message& rr(std::uint16_t type, std::uint32_t ttl, std::vector<unsigned char> rdata,
                bool compressed_owner = true) {
        if (compressed_owner) {
            bytes.push_back(0xc0);  // pointer to the question name at offset 12
            bytes.push_back(12);
        } else {
            name("lab.test");
        }
        u16(type);
        u16(k_class_in);
        u32(ttl);
        u16(static_cast<std::uint16_t>(rdata.size()));
        bytes.insert(bytes.end(), rdata.begin(), rdata.end());
        return *this;
    }

    std::vector<unsigned char> bytes;

  private:
    void u16(std::uint16_t v) {
        bytes.push_back(static_cast<unsigned char>(v >> 8));
        bytes.push_back(static_cast<unsigned char>(v));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v >> 16));
        u16(static_cast<std::uint16_t>(v));
    }
    void name(const std::string& dotted) {
        std::size_t start = 0;
        while (start < dotted.size()) {
            auto dot = dotted.find('.', start);
            if (dot == std::string::npos) dot = dotted.size();
            bytes.push_back(static_cast<unsigned char>(dot - start));
            bytes.insert(bytes.end(), dotted.begin() + static_cast<long>(start),
                         dotted.begin() + static_cast<long>(dot));
            start = dot + 1;
        }
        bytes.push_back(0);
    }
};

std::vector<unsigned char> srv_rdata() {
    return {0, 10, 0, 60, 0x13, 0xc4, 4, 's', 'i', 'p', '1', 0xc0, 22};
}

// SOA RDATA: two one-octet (root) names, then serial, refresh, retry, expire, minimum.
std::vector<unsigned char> soa_rdata(std::uint32_t minimum) {
    // Built by push_back: GCC 12 at -O3 reports a false -Warray-bounds for
    // vector::insert of an initializer_list into a two-byte vector.
    std::vector<unsigned char> r{0, 0};
    for (int field = 0; field < 4; ++field) {
        r.push_back(0);
        r.push_back(0);
        r.push_back(0);
        r.push_back(1);
    }
    for (int shift : {24, 16, 8, 0})
        r.push_back(static_cast<unsigned char>(minimum >> shift));
    return r;
}

TEST(DnsWire, TtlsOfTheAskedTypeInOrder) {
    Message m(3, 0);
    m.rr(k_type_srv, 300, srv_rdata())
        .rr(k_type_a, 5, {192, 0, 2, 1})
        .rr(k_type_srv, 200, srv_rdata(), false);
    auto ttls = read_answer_ttls(m.bytes, k_type_srv);
    ASSERT_TRUE(ttls);
    EXPECT_EQ(ttls->ttls, (std::vector<std::uint32_t>{300, 200}));
    EXPECT_FALSE(ttls->negative_ttl);
}

TEST(DnsWire, NegativeTtlIsTheSmallerOfSoaTtlAndMinimum) {
    Message low_minimum(0, 1);
    low_minimum.rr(k_type_soa, 3600, soa_rdata(120));
    EXPECT_EQ(read_answer_ttls(low_minimum.bytes, k_type_srv)->negative_ttl, 120u);

    Message low_ttl(0, 1);
    low_ttl.rr(k_type_soa, 60, soa_rdata(900));
    EXPECT_EQ(read_answer_ttls(low_ttl.bytes, k_type_srv)->negative_ttl, 60u);
}

TEST(DnsWire, TtlWithTheHighBitSetIsZero) {
    Message m(1, 0);
    m.rr(k_type_srv, 0x80000010u, srv_rdata());
    EXPECT_EQ(read_answer_ttls(m.bytes, k_type_srv)->ttls, (std::vector<std::uint32_t>{0}));
}

TEST(DnsWire, EveryTruncationIsRejected) {
    Message m(1, 1);
    m.rr(k_type_srv, 300, srv_rdata()).rr(k_type_soa, 60, soa_rdata(60));
    ASSERT_TRUE(read_answer_ttls(m.bytes, k_type_srv));
    for (std::size_t size = 0; size < m.bytes.size(); ++size) {
        std::span<const unsigned char> cut(m.bytes.data(), size);
        EXPECT_FALSE(read_answer_ttls(cut, k_type_srv)) << "cut at " << size;
    }
}

TEST(DnsWire, CountsBeyondTheMessageAreRejected) {
    Message m(1, 0);
    m.rr(k_type_srv, 300, srv_rdata());
    m.bytes[7] = 5;  // ANCOUNT 5, one record present
    EXPECT_FALSE(read_answer_ttls(m.bytes, k_type_srv));
}

TEST(DnsWire, ShortSoaIsRejected) {
    Message m(0, 1);
    m.rr(k_type_soa, 60, {0, 0, 1, 2, 3});
    EXPECT_FALSE(read_answer_ttls(m.bytes, k_type_srv));
}

TEST(DnsWire, ExtendedLabelTypesAreRejected) {
    Message m(0, 0);
    m.bytes[12] = 0x40;  // first label length byte of the question name
    EXPECT_FALSE(read_answer_ttls(m.bytes, k_type_srv));
}

TEST(DnsWire, OverlongNameIsRejected) {
    std::vector<unsigned char> bytes{0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0};
    for (int label = 0; label < 5; ++label) {
        bytes.push_back(63);
        bytes.insert(bytes.end(), 63, 'a');
    }
    bytes.insert(bytes.end(), {0, 0, 33, 0, 1});
    EXPECT_FALSE(read_answer_ttls(bytes, k_type_srv));
}

}  // namespace
}  // namespace happysip::runtime::dns_wire
