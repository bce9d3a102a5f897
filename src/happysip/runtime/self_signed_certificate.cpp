#include "happysip/runtime/self_signed_certificate.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "happysip/runtime/tls_context.hpp"

namespace happysip::runtime {

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(std::FILE* p) const { std::fclose(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

std::string subject_alt_names(const SelfSignedRequest& r) {
    std::string names;
    auto add = [&](const std::string& item) {
        if (!names.empty()) names += ",";
        names += item;
    };
    for (const auto& d : r.domains) {
        add("URI:sip:" + d);
        add("DNS:" + d);
    }
    for (const auto& a : r.addresses)
        add("IP:" + a);
    return names;
}

bool add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    Owned<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A random positive 127-bit serial (RFC 5280 §4.1.2.2: unique, at most 20 octets).
bool set_random_serial(X509* cert) {
    Owned<BIGNUM> serial(BN_new());
    if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1)
        return false;
    return BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

Owned<X509> make_certificate(EVP_PKEY* key, const SelfSignedRequest& r) {
    Owned<X509> cert(X509_new());
    if (!cert || X509_set_version(cert.get(), 2) != 1 || !set_random_serial(cert.get()))
        return nullptr;
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    const std::string cn = r.domains.empty() ? std::string("localhost") : r.domains.front();
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("happysipd self-signed"), -1,
                               -1, 0);
    if (X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key) != 1)
        return nullptr;
    if (!add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
        !add_extension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
        !add_extension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
        !add_extension(cert.get(), NID_subject_alt_name, subject_alt_names(r)))
        return nullptr;
    if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return nullptr;
    return cert;
}

// Opens `path` for writing with `mode`; with `exclusive`, fails if it exists.
Owned<std::FILE> create_file(const std::string& path, int mode, bool exclusive) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
    int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0) return nullptr;
    std::FILE* f = ::fdopen(fd, "w");
    if (!f) ::close(fd);
    return Owned<std::FILE>(f);
}

}  // namespace

std::string write_self_signed_certificate(const SelfSignedRequest& request) {
    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key) return "cannot generate a P-256 key: " + openssl_error_text();
    auto cert = make_certificate(key.get(), request);
    if (!cert) return "cannot make the certificate: " + openssl_error_text();

    auto key_file = create_file(request.private_key_file, 0600, true);
    if (!key_file) return "cannot create " + request.private_key_file;
    if (PEM_write_PrivateKey(key_file.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1 ||
        std::fflush(key_file.get()) != 0)
        return "cannot write " + request.private_key_file + ": " + openssl_error_text();

    auto cert_file = create_file(request.certificate_file, 0644, false);
    if (!cert_file) return "cannot create " + request.certificate_file;
    if (PEM_write_X509(cert_file.get(), cert.get()) != 1 || std::fflush(cert_file.get()) != 0)
        return "cannot write " + request.certificate_file + ": " + openssl_error_text();
    return {};
}

}  // namespace happysip::runtime
