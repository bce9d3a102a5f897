#include "happysip/runtime/dns_wire.hpp"

#include <algorithm>
#include <cstddef>

namespace happysip::runtime::dns_wire {
namespace {

constexpr std::size_t k_header_size = 12;
// SOA RDATA ends in SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM (RFC 1035 §3.3.13); two
// names of at least one octet come before them.
constexpr std::size_t k_soa_min_rdata = 2 + 5 * 4;

// RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
constexpr std::uint32_t sane_ttl(std::uint32_t ttl) noexcept {
    return (ttl & 0x80000000u) != 0 ? 0 : ttl;
}

class Reader {
  public:
    explicit Reader(std::span<const unsigned char> bytes) : bytes_(bytes) {}

    bool ok() const noexcept { return ok_; }
    std::size_t position() const noexcept { return pos_; }

    std::uint16_t u16() {
        if (!need(2)) return 0;
        const auto v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
        pos_ += 2;
        return v;
    }

    std::uint32_t u32() {
        const std::uint32_t hi = u16();
        const std::uint32_t lo = u16();
        return (hi << 16) | lo;
    }

    void skip(std::size_t n) {
        if (need(n)) pos_ += n;
    }

    // A name in place: labels up to a zero octet or a compression pointer (RFC 1035
    // §4.1.4). Only the octets at this position are skipped; pointers are not followed.
    void skip_name() {
        std::size_t length = 0;
        while (ok_) {
            if (!need(1)) return;
            const unsigned char octet = bytes_[pos_];
            if ((octet & 0xc0) == 0xc0) {
                skip(2);
                return;
            }
            if ((octet & 0xc0) != 0) {  // extended label types (RFC 6891 §5): not DNS names
                ok_ = false;
                return;
            }
            skip(1u + octet);
            if (octet == 0) return;
            length += 1u + octet;
            if (length > 255) ok_ = false;  // RFC 1035 §2.3.4
        }
    }

  private:
    bool need(std::size_t n) {
        if (!ok_ || bytes_.size() - pos_ < n) ok_ = false;
        return ok_;
    }

    std::span<const unsigned char> bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

struct RecordHead {
    std::uint16_t type = 0;
    std::uint16_t klass = 0;
    std::uint32_t ttl = 0;
    std::size_t rdata = 0;  // offset of the RDATA
    std::uint16_t rdlength = 0;
};

RecordHead read_record(Reader& in) {
    RecordHead r;
    in.skip_name();
    r.type = in.u16();
    r.klass = in.u16();
    r.ttl = sane_ttl(in.u32());
    r.rdlength = in.u16();
    r.rdata = in.position();
    in.skip(r.rdlength);
    return r;
}

std::uint32_t u32_at(std::span<const unsigned char> bytes, std::size_t at) {
    Reader r(bytes.subspan(at, 4));
    return r.u32();
}

}  // namespace

std::optional<AnswerTtls> read_answer_ttls(std::span<const unsigned char> message,
                                           std::uint16_t type) {
    if (message.size() < k_header_size) return std::nullopt;
    Reader in(message);
    in.skip(4);  // ID, flags
    const std::uint16_t qdcount = in.u16();
    const std::uint16_t ancount = in.u16();
    const std::uint16_t nscount = in.u16();
    in.skip(2);  // ARCOUNT: the additional section is not read
    for (std::uint16_t i = 0; i < qdcount && in.ok(); ++i) {
        in.skip_name();
        in.skip(4);  // QTYPE, QCLASS
    }

    AnswerTtls out;
    for (std::uint16_t i = 0; i < ancount && in.ok(); ++i) {
        const RecordHead r = read_record(in);
        if (in.ok() && r.type == type && r.klass == k_class_in) out.ttls.push_back(r.ttl);
    }
    for (std::uint16_t i = 0; i < nscount && in.ok(); ++i) {
        const RecordHead r = read_record(in);
        if (!in.ok() || out.negative_ttl || r.type != k_type_soa) continue;
        if (r.rdlength < k_soa_min_rdata) return std::nullopt;
        const std::uint32_t minimum = sane_ttl(u32_at(message, r.rdata + r.rdlength - 4));
        out.negative_ttl = std::min(r.ttl, minimum);
    }
    if (!in.ok()) return std::nullopt;
    return out;
}

}  // namespace happysip::runtime::dns_wire
