// CPU per TLS handshake, full against resumed, with happysip's own client and server
// contexts (make_client_context, make_server_context), the client session cache of
// tls_session_cache.hpp and the RFC 5922 identity check, as a StreamConnection runs them.
// Both ends run in this thread over an in-memory BIO pair, so no network or scheduling is
// measured; each side's thread CPU time is reported apart (client_us, server_us per
// handshake): the server side is what a proxy pays for each reconnecting flow.
//
//   tls_handshake_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
//
// Argument: the highest TLS version (13 or 12) the server offers.
#include <benchmark/benchmark.h>
#include <openssl/ssl.h>
#include <stdlib.h>  // mkdtemp
#include <time.h>    // clock_gettime

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "happysip/runtime/self_signed_certificate.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/runtime/tls_session_cache.hpp"

namespace {

using namespace happysip::runtime;

double thread_cpu_us() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// A self-signed server for example.com (P-256, as happysipd makes on first start) and a
// client that trusts exactly it.
struct Contexts {
    Contexts() {
        std::string dir =
            (std::filesystem::temp_directory_path() / "happysip-tlsbench-XXXXXX").string();
        if (!mkdtemp(dir.data())) return;
        directory = dir;
        std::string cert = dir + "/cert.pem";
        std::string key = dir + "/key.pem";
        error = write_self_signed_certificate({cert, key, {"example.com"}, {}});
        if (!error.empty()) return;
        auto s = make_server_context({cert, key});
        auto c = make_client_context({"example.com", cert, true});
        server = s.context;
        client = c.context;
        error = s.error + c.error;
    }
    ~Contexts() {
        std::error_code ignored;
        if (!directory.empty()) std::filesystem::remove_all(directory, ignored);
    }
    std::string directory;
    std::string error;
    std::shared_ptr<asio::ssl::context> server;
    std::shared_ptr<asio::ssl::context> client;
};

struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
};
using Ssl = std::unique_ptr<SSL, SslFree>;

// One handshake to its end, the client reading the server's tickets as a connection's
// first read would. false on failure.
bool handshake(Contexts& ctx, bool offer, double& client_us, double& server_us) {
    Ssl client(SSL_new(ctx.client->native_handle()));
    Ssl server(SSL_new(ctx.server->native_handle()));
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    if (!client || !server || BIO_new_bio_pair(&client_bio, 0, &server_bio, 0) != 1) return false;
    SSL_set_bio(client.get(), client_bio, client_bio);
    SSL_set_bio(server.get(), server_bio, server_bio);
    SSL_set_connect_state(client.get());
    SSL_set_accept_state(server.get());

    double t0 = thread_cpu_us();
    SSL_set_tlsext_host_name(client.get(), "example.com");
    // Without `offer` the connection takes no part in the cache: every handshake is full.
    if (offer) offer_client_session(client.get(), client_session_key("example.com", "bench:5061"));
    client_us += thread_cpu_us() - t0;

    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 10 && !(client_done && server_done); ++round) {
        t0 = thread_cpu_us();
        if (!client_done) client_done = SSL_do_handshake(client.get()) == 1;
        double t1 = thread_cpu_us();
        if (!server_done) server_done = SSL_do_handshake(server.get()) == 1;
        client_us += t1 - t0;
        server_us += thread_cpu_us() - t1;
    }
    if (!client_done || !server_done) return false;

    t0 = thread_cpu_us();
    X509* cert = SSL_get1_peer_certificate(client.get());
    bool ok = cert && certificate_matches(cert, "example.com") &&
              SSL_get_verify_result(client.get()) == X509_V_OK;
    X509_free(cert);
    if (ok && offer) client_session_verified(client.get());
    char byte = 0;
    SSL_read(client.get(), &byte, 1);  // the TLS 1.3 tickets: no data, WANT_READ after them
    client_us += thread_cpu_us() - t0;
    // Closed as a StreamConnection closes (close_notify, not waited for), unmeasured: an
    // SSL freed without it would void its session (OpenSSL's pre-TLS 1.1 rule).
    SSL_shutdown(client.get());
    SSL_shutdown(server.get());
    return ok;
}

void run(benchmark::State& state, bool resumed) {
    Contexts ctx;
    if (!ctx.error.empty() || !ctx.server) {
        state.SkipWithError(("no contexts: " + ctx.error).c_str());
        return;
    }
    SSL_CTX_set_max_proto_version(ctx.server->native_handle(),
                                  state.range(0) == 12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    double client_us = 0;
    double server_us = 0;
    // The first handshake of the resumed run is full: it makes the session.
    if (resumed && !handshake(ctx, true, client_us, server_us)) {
        state.SkipWithError("first handshake failed");
        return;
    }
    client_us = server_us = 0;
    for (auto _ : state) {
        if (!handshake(ctx, resumed, client_us, server_us)) {
            state.SkipWithError("handshake failed");
            return;
        }
    }
    auto n = static_cast<double>(state.iterations());
    state.counters["client_us"] = client_us / n;
    state.counters["server_us"] = server_us / n;
    if (resumed) {
        TlsHandshakeCounts counts = client_session_cache(ctx.client->native_handle())->counts();
        state.counters["resumed_share"] =
            static_cast<double>(counts.resumed) / static_cast<double>(counts.resumed + counts.full);
    }
}

void BM_TlsHandshakeFull(benchmark::State& state) {
    run(state, false);
}
void BM_TlsHandshakeResumed(benchmark::State& state) {
    run(state, true);
}

BENCHMARK(BM_TlsHandshakeFull)->Arg(13)->Arg(12)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TlsHandshakeResumed)->Arg(13)->Arg(12)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
