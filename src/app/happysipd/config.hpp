// happysipd's configuration: one TOML file (docs/configuration.md lists every key), read
// strictly. Every key has a default that works with no file at all: domain localhost,
// loopback listeners on both families (UDP/TCP 5060, TLS 5061), state under ./var. An
// unknown key, a wrong type or a value out of range is an error naming the key and line.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "happysip/registrar/registrar.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/txn/timers.hpp"
#include "log.hpp"

namespace happysip::daemon {

// [auth]: digest authentication of REGISTER (docs/security.md, "In happysipd").
struct AuthSettings {
    bool enabled = true;                   // false: no challenge, no limiter, no scanner filter
    std::string realm;                     // empty: the first served domain
    bool allow_md5 = false;                // RFC 8760 §3: MD5 only for clients that need it
    bool md5_first = false;                // MD5 challenge before SHA-256 (SIPp reads the first)
    bool md5_only = false;                 // MD5 challenge alone (legacy UAs; needs allow_md5)
    std::uint32_t nonce_lifetime_s = 300;  // RFC 7616 §3.3: then stale=true
    std::string users_db;                  // empty: the location store's database
    std::uint32_t max_failures = 5;        // failed authentications per source before a block
    std::uint32_t block_s = 60;            // the first block; each further one doubles
    std::uint32_t request_rate = 200;      // requests per second per source; 0: no limit
    std::uint32_t request_burst = 400;     // the bucket: requests a source may send at once
    bool drop_scanners = true;             // known scanners get no answer at all
};

// [sip]: the RFC 3261 §17.1.1.1 timer values every transaction of happysipd derives from
// (Timer A-K, the proxy's CANCEL guard, the next-hop race). §17.1.1.1: T1 MAY be larger
// (RECOMMENDED when the RTT is known to be); smaller only in closed, private networks.
// 64*T1 is Timer B/F, the time a silent branch is given.
struct SipTimerSettings {
    std::uint32_t t1_ms = 500;   // RTT estimate
    std::uint32_t t2_ms = 4000;  // retransmit interval cap (non-INVITE, INVITE responses)
    std::uint32_t t4_ms = 5000;  // how long a message may stay in the network

    txn::TimerConfig timers() const;
};

struct Config {
    std::vector<std::string> domains = {"localhost"};  // [server] domains
    std::vector<runtime::ListenSpec> listen;           // [server] listen
    std::string var_dir = "var";                       // [server] var_dir
    std::string server_header = "happysipd";           // [server] server_header
    std::uint32_t drain_ms = 2000;                     // [server] drain_ms
    std::string tls_certificate;                       // [tls] certificate (empty: self-signed)
    std::string tls_private_key;                       // [tls] private_key
    bool tls_only = false;                             // [tls] only: no UDP/TCP at all
    std::string database;                              // [store] sqlite (empty: var_dir/...)
    registrar::RegistrarConfig registrar;              // [registrar] ...
    std::uint32_t purge_interval = 60;                 // [registrar] purge_interval (s)
    LogLevel log_level = LogLevel::info;               // [log] level
    std::vector<std::string> dns_servers;              // [dns] servers (empty: resolv.conf)
    AuthSettings auth;                                 // [auth] ...
    SipTimerSettings sip;                              // [sip] t1_ms, t2_ms, t4_ms
    // [edge] domains: domains whose registrar is a neighbour; happysipd is their RFC 5626
    // edge proxy. [edge] registrar: where requests for those domains go (a sip:/sips:
    // URI); empty: RFC 3263 on the domain. Read and checked only; no behaviour yet.
    std::vector<std::string> edge_domains;
    std::string edge_registrar;

    std::string database_path() const {
        return database.empty() ? var_dir + "/happysip.sqlite" : database;
    }
    std::string users_path() const {
        return auth.users_db.empty() ? database_path() : auth.users_db;
    }
    std::string realm() const { return auth.realm.empty() ? domains.front() : auth.realm; }
};

// Where and why a configuration is refused: "happysipd.toml:7: registrar.min_expires:
// must be at least 1".
struct ConfigError {
    std::string file;
    unsigned line = 0;  // 0 when unknown (file unreadable)
    std::string key;    // dotted: "registrar.min_expires"; empty for a syntax error
    std::string message;

    std::string to_string() const;
};

// The defaults alone (no file).
Config default_config();
// Reads and checks `path`; every key absent from the file keeps its default.
std::variant<Config, ConfigError> load_config(const std::string& path);

}  // namespace happysip::daemon
