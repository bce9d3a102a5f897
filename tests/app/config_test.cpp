// happysipd's TOML configuration (docs/configuration.md): the defaults that work with no
// file, every table read, and refusals that name the file, the line and the key.
#include "config.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>

namespace happysip::daemon {
namespace {

namespace fs = std::filesystem;

// A TOML file in a private temporary directory, removed afterwards.
class ConfigFile {
  public:
    explicit ConfigFile(const std::string& text) {
        char tmpl[] = "/tmp/happysipd-config-XXXXXX";
        EXPECT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        path_ = dir_ + "/happysipd.toml";
        std::ofstream(path_) << text;
    }
    ~ConfigFile() { fs::remove_all(dir_); }
    const std::string& path() const { return path_; }

  private:
    std::string dir_;
    std::string path_;
};

Config loaded(const std::string& text) {
    ConfigFile f(text);
    auto result = load_config(f.path());
    if (auto* e = std::get_if<ConfigError>(&result)) ADD_FAILURE() << e->to_string();
    return std::holds_alternative<Config>(result) ? std::get<Config>(result) : Config{};
}

ConfigError refused(const std::string& text) {
    ConfigFile f(text);
    auto result = load_config(f.path());
    EXPECT_TRUE(std::holds_alternative<ConfigError>(result)) << "accepted:\n" << text;
    return std::holds_alternative<ConfigError>(result) ? std::get<ConfigError>(result)
                                                       : ConfigError{};
}

std::vector<std::string> listen_texts(const Config& c) {
    std::vector<std::string> out;
    for (const auto& spec : c.listen)
        out.push_back(spec.text);
    return out;
}

TEST(Config, DefaultsServeLocalhostOnLoopbackOfBothFamilies) {
    const Config c = default_config();
    EXPECT_EQ(c.domains, (std::vector<std::string>{"localhost"}));
    EXPECT_EQ(listen_texts(c), (std::vector<std::string>{"udp:127.0.0.1:5060", "udp:[::1]:5060",
                                                         "tcp:127.0.0.1:5060", "tcp:[::1]:5060",
                                                         "tls:127.0.0.1:5061", "tls:[::1]:5061"}));
    EXPECT_EQ(c.database_path(), "var/happysip.sqlite");
    EXPECT_EQ(c.users_path(), c.database_path());
    EXPECT_EQ(c.realm(), "localhost");
    EXPECT_TRUE(c.auth.enabled);
    EXPECT_FALSE(c.auth.allow_md5);
    EXPECT_EQ(c.auth.request_rate, 200u);
    EXPECT_FALSE(c.tls_only);
}

TEST(Config, AnEmptyFileKeepsEveryDefault) {
    const Config c = loaded("");
    EXPECT_EQ(listen_texts(c), listen_texts(default_config()));
    EXPECT_EQ(c.domains, default_config().domains);
}

TEST(Config, ReadsEveryTable) {
    const Config c = loaded(R"([server]
domains = ["example.com", "example.org"]
listen = ["udp:[2001:db8::1]:5070", "tls:192.0.2.1"]
var_dir = "/srv/happysip"
drain_ms = 500
[tls]
certificate = "/etc/happysip/cert.pem"
private_key = "/etc/happysip/key.pem"
[store]
sqlite = "/srv/db.sqlite"
[registrar]
min_expires = 120
default_expires = 600
max_expires = 7200
[auth]
realm = "example.com"
allow_md5 = true
md5_first = true
max_failures = 3
block_s = 300
request_rate = 0
[dns]
servers = ["127.0.0.1:5353", "[::1]"]
[log]
level = "debug"
)");
    EXPECT_EQ(c.domains, (std::vector<std::string>{"example.com", "example.org"}));
    EXPECT_EQ(listen_texts(c),
              (std::vector<std::string>{"udp:[2001:db8::1]:5070", "tls:192.0.2.1"}));
    EXPECT_EQ(c.listen[1].at.port, 5061);  // the TLS default
    EXPECT_EQ(c.database_path(), "/srv/db.sqlite");
    EXPECT_EQ(c.drain_ms, 500u);
    EXPECT_EQ(c.registrar.min_expires, 120u);
    EXPECT_EQ(c.registrar.max_expires, 7200u);
    EXPECT_TRUE(c.auth.allow_md5 && c.auth.md5_first);
    EXPECT_FALSE(c.auth.md5_only);
    EXPECT_EQ(c.auth.max_failures, 3u);
    EXPECT_EQ(c.auth.request_rate, 0u);
    EXPECT_EQ(c.dns_servers, (std::vector<std::string>{"127.0.0.1:5353", "[::1]"}));
    EXPECT_EQ(c.log_level, LogLevel::debug);
}

TEST(Config, UnknownKeyIsRefusedWithItsLine) {
    const ConfigError e =
        refused("[server]\ndomains = [\"a.example\"]\n\n[registrar]\nmin_expire = 30\n");
    EXPECT_EQ(e.line, 5u);
    EXPECT_EQ(e.key, "registrar.min_expire");
    EXPECT_NE(e.to_string().find(":5: registrar.min_expire: unknown key"), std::string::npos)
        << e.to_string();
}

TEST(Config, WrongTypesAndRangesNameTheKey) {
    EXPECT_EQ(refused("[registrar]\nmax_expires = \"long\"\n").key, "registrar.max_expires");
    EXPECT_EQ(refused("[registrar]\nmin_expires = 0\n").key, "registrar.min_expires");
    EXPECT_EQ(refused("[auth]\nenabled = \"no\"\n").key, "auth.enabled");
    EXPECT_EQ(refused("[log]\nlevel = \"loud\"\n").key, "log.level");
    EXPECT_EQ(refused("[dns]\nservers = [\"not an address\"]\n").key, "dns.servers");
    EXPECT_EQ(refused("[server]\nlisten = [\"sctp:[::1]\"]\n").key, "server.listen");
    EXPECT_EQ(refused("[server]\ndomains = []\n").key, "server.domains");
}

TEST(Config, ExpiresMustNest) {
    const ConfigError e = refused("[registrar]\nmin_expires = 600\ndefault_expires = 60\n");
    EXPECT_EQ(e.key, "registrar.default_expires");
    EXPECT_EQ(e.line, 3u);
}

TEST(Config, Md5OnlyNeedsMd5Allowed) {
    const ConfigError e = refused("[auth]\nmd5_only = true\n");
    EXPECT_EQ(e.key, "auth.md5_only");
    EXPECT_EQ(e.line, 2u);
    const Config c = loaded("[auth]\nallow_md5 = true\nmd5_only = true\n");
    EXPECT_TRUE(c.auth.md5_only);
}

TEST(Config, CertificateAndKeyComeTogether) {
    EXPECT_EQ(refused("[tls]\ncertificate = \"/c.pem\"\n").key, "tls.private_key");
}

TEST(Config, TlsOnlyKeepsTheTlsDefaultsAndRefusesOtherListeners) {
    EXPECT_EQ(listen_texts(loaded("[tls]\nonly = true\n")),
              (std::vector<std::string>{"tls:127.0.0.1:5061", "tls:[::1]:5061"}));
    const ConfigError e =
        refused("[server]\nlisten = [\"tls:[::1]\", \"udp:[::1]\"]\n[tls]\nonly = true\n");
    EXPECT_EQ(e.key, "server.listen");
    EXPECT_NE(e.message.find("'udp:[::1]' is not TLS"), std::string::npos) << e.message;
}

// docs/configuration.md's "Example (the defaults, spelled out)" must stay true: it parses,
// and it says exactly what the defaults are.
TEST(Config, TheDocumentedExampleIsAcceptedAndIsTheDefaults) {
    std::ifstream doc(HAPPYSIP_CONFIGURATION_DOC);
    ASSERT_TRUE(doc) << HAPPYSIP_CONFIGURATION_DOC;
    const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
    const auto section = text.find("## Example (the defaults, spelled out)");
    ASSERT_NE(section, std::string::npos);
    const auto start = text.find("```toml\n", section);
    ASSERT_NE(start, std::string::npos);
    const auto end = text.find("```", start + 8);
    ASSERT_NE(end, std::string::npos);
    const Config c = loaded(text.substr(start + 8, end - start - 8));
    const Config d = default_config();
    EXPECT_EQ(listen_texts(c), listen_texts(d));
    EXPECT_EQ(c.domains, d.domains);
    EXPECT_EQ(c.var_dir, d.var_dir);
    EXPECT_EQ(c.drain_ms, d.drain_ms);
    EXPECT_EQ(c.registrar.min_expires, d.registrar.min_expires);
    EXPECT_EQ(c.registrar.default_expires, d.registrar.default_expires);
    EXPECT_EQ(c.registrar.max_expires, d.registrar.max_expires);
    EXPECT_EQ(c.registrar.max_bindings_per_aor, d.registrar.max_bindings_per_aor);
    EXPECT_EQ(c.purge_interval, d.purge_interval);
    EXPECT_EQ(c.auth.enabled, d.auth.enabled);
    EXPECT_EQ(c.auth.allow_md5, d.auth.allow_md5);
    EXPECT_EQ(c.auth.md5_first, d.auth.md5_first);
    EXPECT_EQ(c.auth.nonce_lifetime_s, d.auth.nonce_lifetime_s);
    EXPECT_EQ(c.auth.max_failures, d.auth.max_failures);
    EXPECT_EQ(c.auth.block_s, d.auth.block_s);
    EXPECT_EQ(c.auth.request_rate, d.auth.request_rate);
    EXPECT_EQ(c.auth.request_burst, d.auth.request_burst);
    EXPECT_EQ(c.auth.drop_scanners, d.auth.drop_scanners);
    EXPECT_EQ(c.tls_only, d.tls_only);
    EXPECT_EQ(c.dns_servers, d.dns_servers);
    EXPECT_EQ(c.edge_domains, d.edge_domains);
    EXPECT_EQ(c.edge_registrar, d.edge_registrar);
    EXPECT_EQ(c.log_level, d.log_level);
    EXPECT_EQ(c.sip.t1_ms, d.sip.t1_ms);
    EXPECT_EQ(c.sip.t2_ms, d.sip.t2_ms);
    EXPECT_EQ(c.sip.t4_ms, d.sip.t4_ms);
}

TEST(Config, SipTimersDefaultToRfc3261Table4) {
    using std::chrono::milliseconds;
    const txn::TimerConfig t = default_config().sip.timers();
    const txn::TimerConfig rfc;
    EXPECT_EQ(t.t1, milliseconds(500));
    EXPECT_EQ(t.t2, rfc.t2);
    EXPECT_EQ(t.t4, rfc.t4);
    EXPECT_EQ(t.timer_d, rfc.timer_d);
    EXPECT_EQ(t.timer_b(), std::chrono::seconds(32));
}

TEST(Config, SipT1SetsEveryTimerDerivedFromIt) {
    using std::chrono::milliseconds;
    const Config c = loaded("[sip]\nt1_ms = 50\nt2_ms = 400\nt4_ms = 500\n");
    const txn::TimerConfig t = c.sip.timers();
    EXPECT_EQ(t.t1, milliseconds(50));
    EXPECT_EQ(t.t2, milliseconds(400));
    EXPECT_EQ(t.t4, milliseconds(500));
    EXPECT_EQ(t.timer_b(), milliseconds(3200));  // 64*T1
    EXPECT_EQ(t.timer_f(), milliseconds(3200));
    // Timer D is RFC 3261's fixed 32 s at most T1s...
    EXPECT_EQ(t.timer_d, std::chrono::seconds(32));
    // ...and follows 64*T1 (Timer H of the server retransmitting) above 500 ms.
    const txn::TimerConfig slow = loaded("[sip]\nt1_ms = 2000\n").sip.timers();
    EXPECT_EQ(slow.timer_d, std::chrono::seconds(128));
}

TEST(Config, SipTimersOutOfRangeNameTheKeyAndLine) {
    for (const char* bad : {"0", "-1", "9", "60001", "\"fast\"", "0.5"}) {
        const ConfigError e = refused(std::string("[sip]\n\nt1_ms = ") + bad + "\n");
        EXPECT_EQ(e.key, "sip.t1_ms") << bad;
        EXPECT_EQ(e.line, 3u) << bad;
    }
    EXPECT_EQ(refused("[sip]\nt2_ms = 0\n").key, "sip.t2_ms");
    EXPECT_EQ(refused("[sip]\nt2_ms = 3600000\n").key, "sip.t2_ms");
    EXPECT_EQ(refused("[sip]\nt4_ms = 0\n").key, "sip.t4_ms");
    EXPECT_EQ(refused("[sip]\nt4_ms = 60001\n").key, "sip.t4_ms");
    const ConfigError unknown = refused("[sip]\nt3_ms = 100\n");
    EXPECT_EQ(unknown.key, "sip.t3_ms");
    EXPECT_EQ(unknown.message, "unknown key");
}

TEST(Config, SipT1MustNotExceedT2) {
    // T1 raised past the default T2: the T1 line is the one to fix (or raise T2 with it).
    ConfigError e = refused("[sip]\nt1_ms = 5000\n");
    EXPECT_EQ(e.key, "sip.t1_ms");
    EXPECT_EQ(e.line, 2u);
    EXPECT_NE(e.message.find("sip.t2_ms (4000)"), std::string::npos) << e.message;
    // T2 lowered below the default T1.
    e = refused("[sip]\nt4_ms = 100\nt2_ms = 100\n");
    EXPECT_EQ(e.key, "sip.t2_ms");
    EXPECT_EQ(e.line, 3u);
    // Equal is fine: the interval is capped at once.
    EXPECT_EQ(loaded("[sip]\nt1_ms = 5000\nt2_ms = 5000\n").sip.t1_ms, 5000u);
}

TEST(Config, EdgeDomainsAndRegistrarAreRead) {
    const Config d = default_config();
    EXPECT_TRUE(d.edge_domains.empty());
    EXPECT_TRUE(d.edge_registrar.empty());
    const Config c = loaded(
        "[edge]\ndomains = [\"a.example\", \"b.example\"]\nregistrar = "
        "\"sips:reg.a.example;transport=tcp\"\n");
    EXPECT_EQ(c.edge_domains, (std::vector<std::string>{"a.example", "b.example"}));
    EXPECT_EQ(c.edge_registrar, "sips:reg.a.example;transport=tcp");
    EXPECT_EQ(refused("[edge]\ndomains = [\"a b\"]\n").key, "edge.domains");
    const ConfigError e = refused("[edge]\n\nregistrar = \"tel:+15551234\"\n");
    EXPECT_EQ(e.key, "edge.registrar");
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(refused("[edge]\nregistrar = \"reg.a.example\"\n").key, "edge.registrar");
    // A domain is ours or the neighbouring registrar's, never both.
    const ConfigError both =
        refused("[server]\ndomains = [\"a.example\"]\n[edge]\ndomains = [\"A.example\"]\n");
    EXPECT_EQ(both.key, "edge.domains");
    EXPECT_EQ(both.line, 4u);
    EXPECT_NE(both.message.find("server.domains"), std::string::npos) << both.message;
}

TEST(Config, GinTrunksAreReadWithTheirNumberBlocks) {
    const Config c = loaded(R"([server]
domains = ["example.com"]

[[gin.trunk]]
aor = "sip:pbx1@example.com"
uris = ["sip:+1555123*@example.com", "sip:sales@example.com"]

[[gin.trunk]]
aor = "sip:pbx2@EXAMPLE.com"
uris = ["sip:+15559870001@example.com"]
)");
    ASSERT_EQ(c.registrar.gin_trunks.size(), 2u);
    EXPECT_EQ(c.registrar.gin_trunks[0].aor, "sip:pbx1@example.com");
    ASSERT_EQ(c.registrar.gin_trunks[0].serves.size(), 2u);
    EXPECT_EQ(c.registrar.gin_trunks[0].serves[0].user, "+1555123");
    EXPECT_TRUE(c.registrar.gin_trunks[0].serves[0].prefix);
    EXPECT_EQ(c.registrar.gin_trunks[1].aor, "sip:pbx2@example.com");
    EXPECT_TRUE(default_config().registrar.gin_trunks.empty());
}

TEST(Config, GinTrunkMistakesNameTheKeyAndLine) {
    const std::string head = "[server]\ndomains = [\"example.com\"]\n[[gin.trunk]]\n";
    ConfigError e =
        refused(head + "aor = \"sip:pbx1@example.com\"\nuris = [\"sip:+15*5*@example.com\"]\n");
    EXPECT_EQ(e.key, "gin.trunk.uris");
    EXPECT_EQ(e.line, 5u);
    EXPECT_NE(e.message.find("a block is a number prefix"), std::string::npos) << e.message;
    e = refused(head + "uris = [\"sip:+1555*@example.com\"]\n");
    EXPECT_EQ(e.key, "gin.trunk.aor");
    e = refused(head +
                "aor = \"sip:pbx1@example.com\"\nuris = [\"sip:+1@example.com\"]\nnumbers = 1\n");
    EXPECT_EQ(e.key, "gin.trunk.numbers");
    EXPECT_EQ(e.message, "unknown key");
    e = refused(head + "aor = \"sip:pbx1@example.org\"\nuris = [\"sip:+1@example.com\"]\n");
    EXPECT_EQ(e.key, "gin.trunk.aor");
    EXPECT_EQ(e.line, 4u);
    e = refused(head + "aor = \"sip:pbx1@example.com\"\nuris = [\"sip:+1@example.net\"]\n");
    EXPECT_EQ(e.key, "gin.trunk.uris");
    e = refused(
        head + "aor = \"sip:pbx1@example.com\"\nuris = [\"sip:+1555*@example.com\"]\n" +
        "[[gin.trunk]]\naor = \"sip:pbx2@example.com\"\nuris = [\"sip:+15551@example.com\"]\n");
    EXPECT_EQ(e.key, "gin.trunk");
    EXPECT_NE(e.message.find("overlaps"), std::string::npos) << e.message;
    EXPECT_EQ(refused("[gin]\ntrunk = 3\n").key, "gin.trunk");
}

TEST(Config, SyntaxErrorAndMissingFileAreErrorsNotCrashes) {
    const ConfigError syntax = refused("[server]\ndomains = [\"localhost\"\n");
    EXPECT_NE(syntax.message.find("TOML syntax"), std::string::npos) << syntax.message;
    auto missing = load_config("/nonexistent/happysipd.toml");
    ASSERT_TRUE(std::holds_alternative<ConfigError>(missing));
    EXPECT_EQ(std::get<ConfigError>(missing).line, 0u);
}

}  // namespace
}  // namespace happysip::daemon
