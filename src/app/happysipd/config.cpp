#include "config.hpp"

#include "happysip/registrar/aor.hpp"
#include "happysip/registrar/gin.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/sip/text.hpp"
#include "happysip/sip/uri.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <toml.hpp>

namespace happysip::daemon {

namespace {

using runtime::parse_listen_spec;

// Thrown only inside this file, from the checks below, and caught by load_config: it
// turns the first refusal into a ConfigError value.
struct Refusal {
    unsigned line;
    std::string key;
    std::string message;
};

unsigned line_of(const toml::value& v) {
    return static_cast<unsigned>(v.location().line());
}

[[noreturn]] void refuse(const toml::value& v, const std::string& key, std::string message) {
    throw Refusal{line_of(v), key, std::move(message)};
}

std::string text(const toml::value& v, const std::string& key) {
    if (!v.is_string()) refuse(v, key, "must be a string");
    return v.as_string().str;
}

std::uint32_t integer(const toml::value& v, const std::string& key, std::int64_t min,
                      std::int64_t max) {
    if (!v.is_integer()) refuse(v, key, "must be an integer");
    std::int64_t n = v.as_integer();
    if (n < min || n > max)
        refuse(v, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return static_cast<std::uint32_t>(n);
}

bool boolean(const toml::value& v, const std::string& key) {
    if (!v.is_boolean()) refuse(v, key, "must be true or false");
    return v.as_boolean();
}

std::vector<std::string> strings(const toml::value& v, const std::string& key) {
    if (!v.is_array()) refuse(v, key, "must be an array of strings");
    std::vector<std::string> out;
    for (const toml::value& item : v.as_array())
        out.push_back(text(item, key));
    return out;
}

// A list of domain names ([server] domains, [edge] domains).
std::vector<std::string> domain_names(const toml::value& v, const std::string& key) {
    std::vector<std::string> out = strings(v, key);
    for (const auto& d : out)
        if (d.empty() || d.find_first_of(" \t;:@<>") != std::string::npos)
            refuse(v, key, "'" + d + "' is not a domain name");
    return out;
}

// [sip] bounds. Below 10 ms T1 is shorter than a scheduler tick and Timer A would spin;
// above 60 s a silent branch would be kept for over an hour (64*T1).
constexpr std::int64_t k_min_t1_ms = 10;
constexpr std::int64_t k_max_timer_ms = 60'000;

using KeyReader = std::function<void(const toml::value&, const std::string& key, Config&)>;

// [[gin.trunk]] (RFC 6140): one table per SIP-PBX trunk, `aor` (what it registers as) and
// `uris` (the AORs it takes requests for: exact URIs and "sip:+1555123*@domain" blocks).
registrar::GinTrunk gin_trunk(const toml::value& v, const std::string& k) {
    if (!v.is_table()) refuse(v, k, "must be a table ([[gin.trunk]])");
    registrar::GinTrunk trunk;
    bool has_aor = false;
    bool has_uris = false;
    for (const auto& [name, value] : v.as_table()) {
        const std::string key = k + "." + name;
        if (name == "aor") {
            const std::string s = text(value, key);
            auto uri = sip::parse_uri(s);
            auto aor = uri ? registrar::canonical_aor(uri.value()) : std::nullopt;
            if (!aor || !uri->has_user)
                refuse(value, key, "'" + s + "' is not a sip: URI with a user part");
            trunk.aor = *aor;
            has_aor = true;
        } else if (name == "uris") {
            for (const auto& s : strings(value, key)) {
                auto parsed = registrar::parse_gin_pattern(s);
                if (!parsed.pattern) refuse(value, key, parsed.error);
                trunk.serves.push_back(std::move(*parsed.pattern));
            }
            if (trunk.serves.empty()) refuse(value, key, "must name at least one URI");
            has_uris = true;
        } else {
            refuse(value, key, "unknown key");
        }
    }
    if (!has_aor) refuse(v, k + ".aor", "missing: the AOR the trunk registers as");
    if (!has_uris) refuse(v, k + ".uris", "missing: the URIs the trunk serves");
    return trunk;
}

void gin_trunks(const toml::value& v, const std::string& k, Config& c) {
    if (!v.is_array()) refuse(v, k, "must be an array of tables ([[gin.trunk]])");
    c.registrar.gin_trunks.clear();
    for (const toml::value& item : v.as_array())
        c.registrar.gin_trunks.push_back(gin_trunk(item, k));
    if (auto overlap = registrar::gin_overlap(c.registrar.gin_trunks); !overlap.empty())
        refuse(v, k, overlap);
}

// [tls] only: the default listeners shrink to the TLS ones; listeners named in the file
// must all be TLS.
void check_tls_only(const toml::value& root, Config& config) {
    if (!config.tls_only) return;
    const bool listed = root.contains("server") && root.at("server").contains("listen");
    if (!listed) {
        std::erase_if(config.listen, [](const runtime::ListenSpec& s) {
            return s.transport != eyeballs::Transport::tls;
        });
        return;
    }
    for (const auto& spec : config.listen)
        if (spec.transport != eyeballs::Transport::tls)
            refuse(root.at("server").at("listen"), "server.listen",
                   "'" + spec.text + "' is not TLS, but [tls] only = true");
}

// Every key happysipd knows, by table; docs/configuration.md documents the same list.
const std::map<std::string, std::map<std::string, KeyReader>>& known_keys() {
    static const std::map<std::string, std::map<std::string, KeyReader>> keys = {
        {"server",
         {{"domains",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.domains = domain_names(v, k);
               if (c.domains.empty()) refuse(v, k, "must name at least one domain");
           }},
          {"listen",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.listen.clear();
               for (const auto& s : strings(v, k)) {
                   auto spec = parse_listen_spec(s);
                   if (!spec)
                       refuse(v, k,
                              "'" + s +
                                  "': expected udp|tcp|tls:ADDRESS[:PORT], IPv6 in "
                                  "brackets (udp:[::1]:5060)");
                   c.listen.push_back(*spec);
               }
               if (c.listen.empty()) refuse(v, k, "must name at least one listener");
           }},
          {"var_dir",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.var_dir = text(v, k);
               if (c.var_dir.empty()) refuse(v, k, "must not be empty");
           }},
          {"server_header",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.server_header = text(v, k);
               if (c.server_header.find_first_of("\r\n") != std::string::npos)
                   refuse(v, k, "must be one line");
           }},
          {"drain_ms", [](const toml::value& v, const std::string& k,
                          Config& c) { c.drain_ms = integer(v, k, 0, 60000); }}}},
        {"tls",
         {{"certificate", [](const toml::value& v, const std::string& k,
                             Config& c) { c.tls_certificate = text(v, k); }},
          {"private_key", [](const toml::value& v, const std::string& k,
                             Config& c) { c.tls_private_key = text(v, k); }},
          {"only", [](const toml::value& v, const std::string& k,
                      Config& c) { c.tls_only = boolean(v, k); }}}},
        {"store",
         {{"sqlite", [](const toml::value& v, const std::string& k,
                        Config& c) { c.database = text(v, k); }}}},
        {"registrar",
         {{"min_expires", [](const toml::value& v, const std::string& k,
                             Config& c) { c.registrar.min_expires = integer(v, k, 1, 86400); }},
          {"default_expires",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.registrar.default_expires = integer(v, k, 1, 31536000);
           }},
          {"max_expires", [](const toml::value& v, const std::string& k,
                             Config& c) { c.registrar.max_expires = integer(v, k, 1, 31536000); }},
          {"max_bindings_per_aor",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.registrar.max_bindings_per_aor = integer(v, k, 1, 1000);
           }},
          {"flow_timer", [](const toml::value& v, const std::string& k,
                            Config& c) { c.registrar.flow_timer = integer(v, k, 0, 86400); }},
          {"purge_interval", [](const toml::value& v, const std::string& k,
                                Config& c) { c.purge_interval = integer(v, k, 1, 86400); }}}},
        {"auth",
         {{"enabled", [](const toml::value& v, const std::string& k,
                         Config& c) { c.auth.enabled = boolean(v, k); }},
          {"realm",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.auth.realm = text(v, k);
               // RFC 7616 §3.3: a quoted-string; keep it printable and quote-free.
               if (c.auth.realm.empty() ||
                   c.auth.realm.find_first_of("\"\\\r\n") != std::string::npos)
                   refuse(v, k, "must be a non-empty string without quotes or backslashes");
           }},
          {"allow_md5", [](const toml::value& v, const std::string& k,
                           Config& c) { c.auth.allow_md5 = boolean(v, k); }},
          {"md5_first", [](const toml::value& v, const std::string& k,
                           Config& c) { c.auth.md5_first = boolean(v, k); }},
          {"md5_only", [](const toml::value& v, const std::string& k,
                          Config& c) { c.auth.md5_only = boolean(v, k); }},
          {"nonce_lifetime_s",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.auth.nonce_lifetime_s = integer(v, k, 10, 86400);
           }},
          {"users_db",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.auth.users_db = text(v, k);
               if (c.auth.users_db.empty()) refuse(v, k, "must not be empty");
           }},
          {"max_failures", [](const toml::value& v, const std::string& k,
                              Config& c) { c.auth.max_failures = integer(v, k, 1, 1000); }},
          {"block_s", [](const toml::value& v, const std::string& k,
                         Config& c) { c.auth.block_s = integer(v, k, 1, 86400); }},
          {"request_rate", [](const toml::value& v, const std::string& k,
                              Config& c) { c.auth.request_rate = integer(v, k, 0, 1'000'000); }},
          {"request_burst", [](const toml::value& v, const std::string& k,
                               Config& c) { c.auth.request_burst = integer(v, k, 1, 10'000'000); }},
          {"drop_scanners", [](const toml::value& v, const std::string& k,
                               Config& c) { c.auth.drop_scanners = boolean(v, k); }}}},
        {"log",
         {{"level",
           [](const toml::value& v, const std::string& k, Config& c) {
               auto level = parse_log_level(text(v, k));
               if (!level) refuse(v, k, "must be one of debug, info, warning, error");
               c.log_level = *level;
           }}}},
        {"edge",
         {{"domains", [](const toml::value& v, const std::string& k,
                         Config& c) { c.edge_domains = domain_names(v, k); }},
          {"registrar",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.edge_registrar = text(v, k);
               if (c.edge_registrar.empty()) return;
               auto uri = sip::parse_uri(c.edge_registrar);
               if (!uri || !uri->is_sip_or_sips())
                   refuse(v, k, "'" + c.edge_registrar + "' is not a sip: or sips: URI");
           }}}},
        {"gin", {{"trunk", gin_trunks}}},
        {"sip",
         {{"t1_ms", [](const toml::value& v, const std::string& k,
                       Config& c) { c.sip.t1_ms = integer(v, k, k_min_t1_ms, k_max_timer_ms); }},
          {"t2_ms", [](const toml::value& v, const std::string& k,
                       Config& c) { c.sip.t2_ms = integer(v, k, k_min_t1_ms, k_max_timer_ms); }},
          {"t4_ms", [](const toml::value& v, const std::string& k,
                       Config& c) { c.sip.t4_ms = integer(v, k, 1, k_max_timer_ms); }}}},
        {"dns",
         {{"servers",
           [](const toml::value& v, const std::string& k, Config& c) {
               c.dns_servers = strings(v, k);
               for (const auto& s : c.dns_servers) {
                   std::error_code ec;
                   if (!runtime::parse_hostport(s, 53, ec))
                       refuse(v, k, "'" + s + "': expected ADDRESS[:PORT], IPv6 in brackets");
               }
           }}}},
    };
    return keys;
}

// The expiry bounds must nest: min <= default <= max (RFC 3261 §10.3 step 7).
void check_expires(const toml::value& root, const Config& c) {
    auto where = [&](const char* key) -> const toml::value& {
        if (root.contains("registrar") && root.at("registrar").is_table() &&
            root.at("registrar").contains(key))
            return root.at("registrar").at(key);
        return root;
    };
    const auto& r = c.registrar;
    if (r.min_expires > r.max_expires)
        refuse(where("min_expires"), "registrar.min_expires",
               "must not exceed registrar.max_expires (" + std::to_string(r.max_expires) + ")");
    if (r.default_expires < r.min_expires || r.default_expires > r.max_expires)
        refuse(where("default_expires"), "registrar.default_expires",
               "must lie between registrar.min_expires and registrar.max_expires");
}

// RFC 3261 §17.1.1.2: T2 caps the interval that starts at T1 and doubles; a T2 below T1
// would make the "cap" a shrink.
void check_sip_timers(const toml::value& root, const Config& c) {
    if (c.sip.t1_ms <= c.sip.t2_ms) return;
    const bool t1_given = root.contains("sip") && root.at("sip").contains("t1_ms");
    const toml::value& where = root.at("sip").at(t1_given ? "t1_ms" : "t2_ms");
    if (t1_given)
        refuse(
            where, "sip.t1_ms",
            "must not exceed sip.t2_ms (" + std::to_string(c.sip.t2_ms) + "): raise t2_ms with it");
    refuse(where, "sip.t2_ms", "must not be below sip.t1_ms (" + std::to_string(c.sip.t1_ms) + ")");
}

// An [edge] domain is another registrar's: serving it here as well would make its REGISTERs
// ambiguous (answered here, or relayed with our Path?).
void check_edge_domains(const toml::value& root, const Config& c) {
    for (const auto& edge : c.edge_domains) {
        const bool served =
            std::any_of(c.domains.begin(), c.domains.end(),
                        [&](const std::string& d) { return sip::text::iequals(d, edge); });
        if (served)
            refuse(root.at("edge").at("domains"), "edge.domains",
                   "'" + edge +
                       "' is in server.domains too: a domain is either ours or its "
                       "neighbouring registrar's");
    }
}

// Trunk AORs and the URIs they serve are in served domains (a request for another domain
// never reaches the location service). Checked once [server] domains is known.
void check_gin_domains(const toml::value& root, const Config& c) {
    if (c.registrar.gin_trunks.empty()) return;
    const auto& items = root.at("gin").at("trunk").as_array();
    auto served = [&](std::string_view domain_port) {  // "example.com:5070", "[::1]"
        auto end = domain_port.starts_with('[') ? domain_port.find(']') + 1 : domain_port.find(':');
        const std::string_view host = domain_port.substr(0, end);
        return std::any_of(c.domains.begin(), c.domains.end(),
                           [&](const std::string& d) { return sip::text::iequals(d, host); });
    };
    for (std::size_t i = 0; i < c.registrar.gin_trunks.size(); ++i) {
        const auto& trunk = c.registrar.gin_trunks[i];
        const toml::value& item = items.at(i);
        const std::string aor_domain = trunk.aor.substr(trunk.aor.rfind('@') + 1);
        if (!served(aor_domain))
            refuse(item.at("aor"), "gin.trunk.aor",
                   "'" + trunk.aor + "' is not in a domain of server.domains");
        for (const auto& p : trunk.serves)
            if (!served(p.domain))
                refuse(item.at("uris"), "gin.trunk.uris",
                       "'" + p.domain + "' is not a domain of server.domains");
    }
}

void read_tables(const toml::value& root, Config& config) {
    const auto& keys = known_keys();
    for (const auto& [table_name, table] : root.as_table()) {
        auto known = keys.find(table_name);
        if (known == keys.end()) refuse(table, table_name, "unknown key");
        if (!table.is_table()) refuse(table, table_name, "must be a table ([" + table_name + "])");
        for (const auto& [name, value] : table.as_table()) {
            std::string key = table_name + "." + name;
            auto reader = known->second.find(name);
            if (reader == known->second.end()) refuse(value, key, "unknown key");
            reader->second(value, key, config);
        }
    }
    if (config.tls_certificate.empty() != config.tls_private_key.empty()) {
        const toml::value& tls = root.at("tls");
        const char* missing = config.tls_certificate.empty() ? "certificate" : "private_key";
        refuse(tls, std::string("tls.") + missing, "must be given together with the other");
    }
    check_expires(root, config);
    check_sip_timers(root, config);
    check_tls_only(root, config);
    check_gin_domains(root, config);
    check_edge_domains(root, config);
    // md5_only without allow_md5 would offer nothing a client can answer.
    if (config.auth.md5_only && !config.auth.allow_md5)
        refuse(root.at("auth").at("md5_only"), "auth.md5_only", "needs auth.allow_md5 = true");
}

}  // namespace

txn::TimerConfig SipTimerSettings::timers() const {
    using std::chrono::milliseconds;
    txn::TimerConfig t;
    t.t1 = milliseconds(t1_ms);
    t.t2 = milliseconds(t2_ms);
    t.t4 = milliseconds(t4_ms);
    // RFC 3261 §17.1.1.2: Timer D (32 s on UDP) absorbs the retransmissions of a final
    // response, which a server sends until Timer G/H (64*T1) ends: with a T1 above 500 ms
    // it must grow with it.
    t.timer_d = std::max<txn::Duration>(t.timer_d, 64 * t.t1);
    return t;
}

std::string ConfigError::to_string() const {
    std::string out = file;
    if (line) out += ":" + std::to_string(line);
    out += ": ";
    if (!key.empty()) out += key + ": ";
    return out + message;
}

Config default_config() {
    Config c;
    for (const char* spec : {"udp:127.0.0.1:5060", "udp:[::1]:5060", "tcp:127.0.0.1:5060",
                             "tcp:[::1]:5060", "tls:127.0.0.1:5061", "tls:[::1]:5061"})
        c.listen.push_back(*parse_listen_spec(spec));
    return c;
}

std::variant<Config, ConfigError> load_config(const std::string& path) {
    Config config = default_config();
    toml::value root;
    try {
        root = toml::parse(path);
    } catch (const toml::syntax_error& e) {
        // toml11's message spans several lines with a caret; the first one says what.
        std::string what = e.what();
        auto first = what.find('\n');
        std::string message = what.substr(0, first);
        if (message.rfind("[error] ", 0) == 0) message.erase(0, 8);
        return ConfigError{
            path, static_cast<unsigned>(e.location().line()), {}, "TOML syntax: " + message};
    } catch (const std::exception& e) {
        return ConfigError{path, 0, {}, e.what()};
    }
    try {
        read_tables(root, config);
    } catch (const Refusal& r) {
        return ConfigError{path, r.line, r.key, r.message};
    } catch (const std::exception& e) {  // toml11 on a surprise; never expected
        return ConfigError{path, 0, {}, e.what()};
    }
    return config;
}

}  // namespace happysip::daemon
