// The DNS adapter of RFC 3263 resolution: NAPTR, SRV, A and AAAA queries through c-ares
// on the caller's io_context, answers as resolve/ value types with their TTLs, a TTL
// cache (resolve::DnsCache) in front. Single-threaded: call it and get called back on the
// io_context's thread.
//
// Handlers run asynchronously (never inside query_*), exactly once, unless the client is
// destroyed first: then they never run. Names are queried literally (ares_query, no
// search list); one trailing dot is stripped, so "example.com." and "example.com" are the
// same query and the same cache entry.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "happysip/eyeballs/candidate.hpp"
#include "happysip/resolve/dns_cache.hpp"
#include "happysip/resolve/dns_records.hpp"
#include "happysip/runtime/dns_result.hpp"

namespace asio {
class io_context;
}

namespace happysip::runtime {

struct DnsClientConfig {
    std::vector<std::string> servers;  // "127.0.0.1:5353", "[::1]:53"; empty = /etc/resolv.conf
    std::chrono::milliseconds timeout{2000};  // per try
    int tries = 2;
    bool use_cache = true;
    resolve::DnsCacheConfig cache;
};

class DnsClient {
  public:
    // Result-style factory: nullptr + error text on failure (bad server syntax, ares init
    // failure).
    static std::unique_ptr<DnsClient> create(asio::io_context& io, DnsClientConfig config,
                                             std::string& error);
    ~DnsClient();  // cancels; handlers must not run after destruction
    DnsClient(const DnsClient&) = delete;
    DnsClient& operator=(const DnsClient&) = delete;

    void query_naptr(const std::string& name,
                     std::function<void(DnsResult<resolve::NaptrRecord>)> done);
    void query_srv(const std::string& name,
                   std::function<void(DnsResult<resolve::SrvRecord>)> done);
    // family ipv6 = AAAA, ipv4 = A.
    void query_address(const std::string& name, eyeballs::Family family,
                       std::function<void(DnsResult<resolve::AddressRecord>)> done);
    // Pending handlers get DnsStatus::cancelled (asynchronously, like any answer).
    void cancel_all();

    // Forgets every cached answer.
    void clear_cache();

    class Impl;

  private:
    explicit DnsClient(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> impl_;
};

}  // namespace happysip::runtime
