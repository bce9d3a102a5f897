// TLS with certificates made at test time by the openssl command: a throwaway CA, a
// server certificate for the SIP domain example.com (subjectAltName URI sip:example.com
// and DNS sip.example.com), one with DNS names only (one of them a wildcard), one with a
// Common Name only, and a second CA that signed none of them.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "happysip/runtime/stream_connection.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

namespace fs = std::filesystem;
using test::run_until;

class Pki {
  public:
    Pki() {
        std::string tmpl = (fs::temp_directory_path() / "happysip-tls-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) return;
        dir_ = tmpl;
        ok_ = make_ca("ca") && make_ca("other-ca") &&
              make_leaf("server", "subjectAltName=URI:sip:example.com,DNS:sip.example.com",
                        "/CN=ignored.example.com") &&
              make_leaf("dns-only", "subjectAltName=DNS:example.net,DNS:*.example.org",
                        "/CN=ignored.example.net") &&
              make_leaf("cn-only", "basicConstraints=CA:FALSE", "/CN=cn.example.com");
    }
    ~Pki() {
        std::error_code ec;
        if (!dir_.empty()) fs::remove_all(dir_, ec);
    }
    bool ok() const { return ok_; }
    std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  private:
    bool run(const std::string& args) {
        std::string cmd = "cd '" + dir_ + "' && openssl " + args + " >/dev/null 2>&1";
        return std::system(cmd.c_str()) == 0;
    }
    bool make_ca(const std::string& name) {
        return run("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -keyout " +
                   name + ".key -out " + name + ".pem -subj /CN=" + name +
                   " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign");
    }
    bool make_leaf(const std::string& name, const std::string& ext, const std::string& subject) {
        std::FILE* f = std::fopen(path(name + ".ext").c_str(), "w");
        if (!f) return false;
        std::fputs((ext + "\n").c_str(), f);
        std::fclose(f);
        return run("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name +
                   ".key -out " + name + ".csr -subj " + subject) &&
               run("x509 -req -in " + name +
                   ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
                   "-out " +
                   name + ".pem -extfile " + name + ".ext");
    }

    std::string dir_;
    bool ok_ = false;
};

const Pki& pki() {
    static const Pki p;
    return p;
}

struct CertDeleter {
    void operator()(X509* x) const { X509_free(x); }
};
std::unique_ptr<X509, CertDeleter> load_cert(const std::string& file) {
    std::FILE* f = std::fopen(file.c_str(), "r");
    if (!f) return nullptr;
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    return std::unique_ptr<X509, CertDeleter>(x);
}

struct Outcome {
    std::error_code ec;
    std::string detail;
};

// Serves `leaf` on a TLS listener at ::1 and connects to it as `server_name` trusting `ca`.
std::optional<Outcome> handshake(const std::string& leaf, const std::string& ca,
                                 const std::string& server_name,
                                 std::vector<sip::Message>* server_got = nullptr) {
    asio::io_context io;
    auto ctx = make_server_context({pki().path(leaf + ".pem"), pki().path(leaf + ".key")});
    EXPECT_TRUE(ctx.context) << ctx.error;
    if (!ctx.context) return std::nullopt;
    StreamListener listener(io);
    EXPECT_FALSE(listener.open({test::k_loopback_v6, 0}, ctx.context));
    std::shared_ptr<StreamConnection> server;
    listener.on_accept([&](std::shared_ptr<StreamConnection> c) {
        server = c;
        c->on_message([&](sip::Message m) {
            if (server_got) server_got->push_back(std::move(m));
        });
    });
    std::optional<Outcome> out;
    TlsClientConfig tls{server_name, pki().path(ca + ".pem"), true};
    auto client = StreamConnection::connect(io, *listener.local_endpoint(), tls,
                                            [&](std::error_code ec, std::string d) {
                                                out = Outcome{ec, d};
                                            });
    client->send(test::options_text("client.invalid", "z9hG4bKtls", "TLS"));
    run_until(io,
              [&] { return out.has_value() && (out->ec || !server_got || !server_got->empty()); });
    EXPECT_EQ(client->is_tls(), true);
    client->close();
    if (server) server->close();
    listener.close();
    io.restart();
    io.run_for(std::chrono::seconds(1));
    return out;
}

TEST(Tls, HandshakeSucceedsWhenTheSipDomainMatches) {
    ASSERT_TRUE(pki().ok()) << "openssl could not make the test certificates";
    std::vector<sip::Message> got;
    auto out = handshake("server", "ca", "example.com", &got);
    ASSERT_TRUE(out.has_value());
    EXPECT_FALSE(out->ec) << out->detail;
    ASSERT_EQ(got.size(), 1u);  // and a message crosses it
    EXPECT_EQ(got[0].method_text(), "OPTIONS");
}

TEST(Tls, HandshakeFailsWithADetailWhenTheNameDoesNotMatch) {
    ASSERT_TRUE(pki().ok());
    auto out = handshake("server", "ca", "other.example");
    ASSERT_TRUE(out.has_value());
    EXPECT_TRUE(out->ec);
    EXPECT_NE(out->detail.find("certificate does not match sip domain other.example"),
              std::string::npos)
        << out->detail;
}

TEST(Tls, HandshakeFailsWithADetailWhenTheCaIsUnknown) {
    ASSERT_TRUE(pki().ok());
    auto out = handshake("server", "other-ca", "example.com");
    ASSERT_TRUE(out.has_value());
    EXPECT_TRUE(out->ec);
    EXPECT_NE(out->detail.find("not trusted"), std::string::npos) << out->detail;
}

TEST(Tls, ServerContextReportsAMissingCertificate) {
    auto ctx = make_server_context({"/nonexistent/cert.pem", "/nonexistent/key.pem"});
    EXPECT_FALSE(ctx.context);
    EXPECT_NE(ctx.error.find("cannot load certificate /nonexistent/cert.pem"), std::string::npos)
        << ctx.error;
}

// One client context per trust configuration: the CA bundle is parsed once, not for each
// connection; the server name is per connection and does not count.
TEST(Tls, ClientContextIsSharedPerCaFileAndRenewedWhenTheFileChanges) {
    ASSERT_TRUE(pki().ok());
    std::string ca = pki().path("shared-ca.pem");
    fs::copy_file(pki().path("ca.pem"), ca, fs::copy_options::overwrite_existing);
    auto first = shared_client_context({"example.com", ca, true});
    ASSERT_TRUE(first.context) << first.error;
    EXPECT_EQ(shared_client_context({"other.example", ca, true}).context, first.context);
    EXPECT_NE(shared_client_context({"example.com", pki().path("other-ca.pem"), true}).context,
              first.context);
    EXPECT_NE(shared_client_context({"example.com", ca, false}).context, first.context);

    // Another CA written over the file (another size): the next connection trusts it.
    std::ifstream other(pki().path("other-ca.pem"));
    std::string pem((std::istreambuf_iterator<char>(other)), std::istreambuf_iterator<char>());
    std::ofstream(ca, std::ios::trunc) << pem << "\n";
    auto renewed = shared_client_context({"example.com", ca, true});
    ASSERT_TRUE(renewed.context) << renewed.error;
    EXPECT_NE(renewed.context, first.context);
    EXPECT_EQ(shared_client_context({"example.com", ca, true}).context, renewed.context);

    // A failure is not kept.
    auto missing = shared_client_context({"example.com", "/nonexistent/ca.pem", true});
    EXPECT_FALSE(missing.context);
    EXPECT_NE(missing.error.find("cannot load CA file /nonexistent/ca.pem"), std::string::npos)
        << missing.error;
}

// RFC 5922 §7.1: URI identities first; DNS names only when no sip URI is present.
TEST(SipDomainIdentity, SipUriSanHidesDnsNames) {
    ASSERT_TRUE(pki().ok());
    auto cert = load_cert(pki().path("server.pem"));
    ASSERT_TRUE(cert);
    EXPECT_EQ(sip_domain_identities(cert.get()), std::vector<std::string>{"example.com"});
    EXPECT_TRUE(certificate_matches(cert.get(), "EXAMPLE.com"));
    EXPECT_FALSE(certificate_matches(cert.get(), "sip.example.com"));
    EXPECT_FALSE(certificate_matches(cert.get(), "ignored.example.com"));  // CN unused
}

// RFC 5922 §7.2: no wildcard matching for SIP domains.
TEST(SipDomainIdentity, DnsNamesMatchExactlyAndWildcardsNever) {
    ASSERT_TRUE(pki().ok());
    auto cert = load_cert(pki().path("dns-only.pem"));
    ASSERT_TRUE(cert);
    EXPECT_TRUE(certificate_matches(cert.get(), "example.net"));
    EXPECT_FALSE(certificate_matches(cert.get(), "a.example.org"));
    EXPECT_FALSE(certificate_matches(cert.get(), "ignored.example.net"));
}

TEST(SipDomainIdentity, CommonNameCountsOnlyWithoutSubjectAltName) {
    ASSERT_TRUE(pki().ok());
    auto cert = load_cert(pki().path("cn-only.pem"));
    ASSERT_TRUE(cert);
    EXPECT_TRUE(certificate_matches(cert.get(), "cn.example.com"));
}

}  // namespace
}  // namespace happysip::runtime
