#include "daemon.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "group_commit.hpp"
#include "happysip/auth/digest_hash.hpp"
#include "happysip/registrar/gin_location_view.hpp"
#include "happysip/runtime/dns_client.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/own_addresses.hpp"
#include "happysip/runtime/self_signed_certificate.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "happysip/store/sqlite_user_store.hpp"
#include "nonce_secret.hpp"
#include "proxy_service.hpp"
#include "request_auth.hpp"
#include "request_handler.hpp"
#include "wall_clock.hpp"

namespace happysip::daemon {

namespace {

// RFC 5626 §4.4.1: how long a UA waits for the pong to its keep-alive.
constexpr std::uint32_t k_pong_timeout_s = 10;

namespace fs = std::filesystem;

bool has_tls_listener(const Config& config) {
    for (const auto& spec : config.listen)
        if (spec.transport == eyeballs::Transport::tls) return true;
    return false;
}

void warn_loudly(Logger& log, const std::string& certificate) {
    std::cerr << "\n"
                 "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                 "!!  WARNING: TLS is using a SELF-SIGNED certificate that no peer can     !!\n"
                 "!!  verify. Clients that check certificates (as they should) will refuse !!\n"
                 "!!  it. Configure [tls] certificate and private_key (docs/configuration.md)\n"
                 "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n"
              << std::flush;
    log.warning("tls_self_signed", {{"certificate", certificate}});
}

// The configured certificate, or the self-signed one under var_dir (made on first start).
std::shared_ptr<asio::ssl::context> tls_context(const Config& config, Logger& log) {
    runtime::TlsServerConfig tls{config.tls_certificate, config.tls_private_key};
    if (tls.certificate_file.empty()) {
        fs::path dir = fs::path(config.var_dir) / "tls";
        tls.certificate_file = (dir / "self-signed.crt").string();
        tls.private_key_file = (dir / "self-signed.key").string();
        std::error_code ec;
        if (!fs::exists(tls.private_key_file, ec) || !fs::exists(tls.certificate_file, ec)) {
            fs::create_directories(dir, ec);
            fs::remove(tls.private_key_file, ec);  // half a pair is no use
            runtime::SelfSignedRequest request{
                tls.certificate_file, tls.private_key_file, config.domains, {}};
            for (const auto& spec : config.listen) {
                std::string a = spec.at.address.to_string();
                auto& list = request.addresses;
                if (!spec.at.address.is_unspecified() &&
                    std::find(list.begin(), list.end(), a) == list.end())
                    list.push_back(a);
            }
            std::string error = runtime::write_self_signed_certificate(request);
            if (!error.empty()) {
                log.error("tls_certificate_failed", {{"detail", error}});
                return nullptr;
            }
            log.info("tls_certificate_generated", {{"certificate", tls.certificate_file}});
        }
        warn_loudly(log, tls.certificate_file);
    }
    auto made = runtime::make_server_context(tls);
    if (!made.context) log.error("tls_context_failed", {{"detail", made.error}});
    return made.context;
}

// Expired bindings leave the store every `interval` (RFC 3261 §10.3: they are gone once
// expired; lookups already skip them, this reclaims the rows).
class Purger {
  public:
    Purger(asio::io_context& io, registrar::LocationStore& store, Logger& log,
           std::chrono::seconds interval)
        : timer_(io), store_(store), log_(log), interval_(interval) {}
    void start() { start(interval_); }
    void start(std::chrono::milliseconds after) {
        timer_.expires_after(after);
        timer_.async_wait([this](std::error_code ec) {
            if (ec) return;
            std::size_t n = store_.purge_expired(wall_seconds());
            if (n > 0) log_.info("bindings_purged", {{"count", std::to_string(n)}});
            // The store purges a batch at a time: while it finds some, come back soon,
            // leaving the loop to the requests in between.
            start(n > 0 ? std::chrono::milliseconds(10) : interval_);
        });
    }
    void stop() { timer_.cancel(); }

  private:
    asio::steady_timer timer_;
    registrar::LocationStore& store_;
    Logger& log_;
    std::chrono::seconds interval_;
};

void warn_auth_disabled(Logger& log) {
    std::cerr << "\n"
                 "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
                 "!!  WARNING: AUTHENTICATION IS DISABLED ([auth] enabled = false). Anyone  !!\n"
                 "!!  who reaches this server can register any address-of-record and      !!\n"
                 "!!  take its calls. Scanners are answered and failures are not limited. !!\n"
                 "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n"
              << std::flush;
    log.warning("auth_disabled", {{"detail", "REGISTER is not authenticated"}});
}

// The pieces of [auth]: the user store, the nonce secret and the RequestAuth over them.
struct AuthSetup {
    std::unique_ptr<store::SqliteUserStore> users;
    std::unique_ptr<RequestAuth> auth;
    // Keys the Record-Route dialog tokens: derived from the nonce secret (so tokens survive
    // a restart), never the nonce key itself.
    std::string dialog_secret;
};

// Without [auth] there is no stored secret: tokens then last as long as the process.
std::string random_secret() {
    std::random_device rd;
    std::string s(32, '\0');
    for (auto& c : s)
        c = static_cast<char>(rd() & 0xff);
    return s;
}

// False (logged) when the user store or the secret cannot be had: the daemon must not
// start unauthenticated by accident.
bool set_up_auth(const Config& config, Logger& log, AuthSetup& out) {
    std::error_code ec;
    fs::path users_path(config.users_path());
    if (users_path.has_parent_path()) fs::create_directories(users_path.parent_path(), ec);
    std::string error;
    out.users = store::SqliteUserStore::open(users_path.string(), error);
    if (!out.users) {
        log.error("user_store_failed", {{"path", users_path.string()}, {"detail", error}});
        return false;
    }
    fs::create_directories(config.var_dir, ec);
    std::string secret_path = (fs::path(config.var_dir) / "nonce-secret").string();
    NonceSecret secret = load_or_create_nonce_secret(secret_path);
    if (!secret.error.empty()) {
        log.error("nonce_secret_failed", {{"detail", secret.error}});
        return false;
    }
    if (secret.created) log.info("nonce_secret_generated", {{"path", secret_path}});
    if (secret.fixed_mode)
        log.warning("nonce_secret_mode_fixed", {{"path", secret_path}, {"mode", "0600"}});
    std::string realm = config.realm();
    out.auth = std::make_unique<RequestAuth>(config.auth, realm, secret.bytes, *out.users, log);
    out.dialog_secret = auth::hmac_sha256(secret.bytes, "happysipd record-route dialog token");
    std::size_t users = out.users->list(realm).size();
    log.info("auth_enabled", {{"realm", realm},
                              {"algorithms", out.auth->algorithms()},
                              {"users", std::to_string(users)},
                              {"users_db", users_path.string()},
                              {"drop_scanners", config.auth.drop_scanners ? "true" : "false"}});
    if (users == 0)
        log.warning("auth_no_users", {{"realm", realm},
                                      {"detail",
                                       "every REGISTER will be refused; add users "
                                       "with 'happysip user add'"}});
    if (!out.auth->valid()) {  // cannot happen with k_nonce_secret_length bytes; never silent
        log.error("nonce_secret_failed", {{"detail", "secret too short"}});
        return false;
    }
    return true;
}

}  // namespace

int run_daemon(const Config& config, Logger& log) {
    std::error_code ec;
    fs::path db_path(config.database_path());
    if (db_path.has_parent_path()) fs::create_directories(db_path.parent_path(), ec);
    std::string error;
    auto store = store::SqliteLocationStore::open(db_path.string(), error);
    if (!store) {
        log.error("store_failed", {{"path", db_path.string()}, {"detail", error}});
        return 1;
    }
    for (const auto& warning : store->take_warnings())  // e.g. a torn refresh-journal tail
        log.warning("store_warning", {{"path", db_path.string()}, {"detail", warning}});
    while (store->purge_expired(wall_seconds()) > 0) {
    }  // a batch at a time, before any traffic
    registrar::RegistrarConfig registrar_config = config.registrar;
    registrar_config.domains = config.domains;
    registrar::Registrar registrar(registrar_config, *store);

    AuthSetup auth;
    if (!config.auth.enabled)
        warn_auth_disabled(log);
    else if (!set_up_auth(config, log, auth))
        return 1;

    std::shared_ptr<asio::ssl::context> tls;
    if (has_tls_listener(config) && !(tls = tls_context(config, log))) return 1;

    asio::io_context io;
    runtime::SipServerOptions server_options;
    server_options.server_header = config.server_header;
    server_options.invite_100_trying = true;  // §16.2: a stateful proxy answers INVITE with 100
    // RFC 5626 §4.4.1: the UAs we give a Flow-Timer ping at most that often and wait 10 s
    // for the pong; a flow silent for longer has failed (the runtime's default, 130 s,
    // matches the UAs' own 120 s when no Flow-Timer is sent).
    if (config.registrar.flow_timer > 0)
        server_options.flow_idle_timeout =
            std::chrono::seconds(config.registrar.flow_timer + k_pong_timeout_s);
    // A failed UDP flow must stay failed while a binding registered over it may live.
    server_options.failed_udp_flow_memory = std::chrono::seconds(config.registrar.max_expires);
    server_options.timers = config.sip.timers();
    runtime::SipServer server(io, server_options);
    server.on_log([&log](std::string_view event, const std::string& detail) {
        log.warning(event, {{"detail", detail}});
    });
    // Per-connection detail (tls_handshake resumed=yes|no), only when asked for: the
    // server builds each line only if a handler is set.
    if (log.enabled(LogLevel::debug))
        server.on_debug([&log](std::string_view event, const std::string& detail) {
            log.log(LogLevel::debug, event, {{"detail", detail}});
        });
    std::vector<std::string> local_hosts;
    for (const auto& spec : config.listen)
        local_hosts.push_back(runtime::to_uri_host(spec.at.address));
    // A wildcard listener ([::], 0.0.0.0) is every address the host has of its family.
    runtime::OwnAddresses own_addresses;
    proxy::LocalIdentity::OwnAddress own_address;
    if (std::any_of(config.listen.begin(), config.listen.end(),
                    [](const auto& spec) { return spec.at.address.is_unspecified(); }))
        own_address = [&own_addresses](std::string_view literal) {
            return own_addresses.contains(literal);
        };
    RequestHandler handler(registrar, server, log, local_hosts, auth.auth.get(), own_address);
    server.on_prefilter([&handler](const sip::Message& request,
                                   const runtime::RequestSource& source,
                                   const sip::Uri& request_uri) {
        return handler.prefilter(request, source, request_uri);
    });
    server.on_request(
        [&handler](const sip::Message& request, const runtime::RequestSource& source,
                   runtime::Responder& responder) { handler(request, source, responder); });
    std::vector<proxy::Listener> listeners;
    for (const auto& spec : config.listen) {
        auto listening = server.listen(spec, tls);
        if (!listening.error.empty()) {
            log.error("listen_failed", {{"detail", listening.error}});
            return 1;
        }
        log.info("listening", {{"at", listening.bound}});
        if (auto bound = runtime::parse_listen_spec(listening.bound))
            listeners.push_back({std::string(eyeballs::to_string(bound->transport)),
                                 bound->at.address.to_string(), bound->at.port});
    }
    // RFC 3263 for next hops that are names ([dns] servers, else /etc/resolv.conf).
    runtime::DnsClientConfig dns_config;
    dns_config.servers = config.dns_servers;
    std::string dns_error;
    auto dns = runtime::DnsClient::create(io, dns_config, dns_error);
    if (!dns)
        log.warning("dns_unavailable",
                    {{"detail", dns_error}, {"effect", "next hops must be addresses"}});
    // RFC 6140: the proxy looks bindings up through the GIN view, so a trunk's numbers
    // reach its bnc bindings; the registrar writes the store itself.
    registrar::GinLocationView routed(*store, registrar.gin_trunks());
    for (const auto& trunk : registrar.gin_trunks().trunks())
        log.info("gin_trunk", {{"aor", trunk.aor}, {"uris", std::to_string(trunk.serves.size())}});
    ProxyService proxy(io, server, proxy::LocalIdentity(config.domains, listeners, own_address),
                       routed, auth.auth.get(), log,
                       auth.dialog_secret.empty() ? random_secret() : auth.dialog_secret,
                       ProxySettings{true, config.tls_only, config.edge_domains,
                                     config.edge_registrar, config.sip.timers()},
                       dns.get());
    handler.set_proxy(&proxy);
    // RFC 5627: the registrar hands out the GRUUs the proxy can read back. Temp GRUU nonces
    // count up from a random start, so none repeats across restarts under one secret.
    registrar.make_gruus_with([&proxy, nonce = std::uint64_t{std::random_device{}()}
                                               << 32](const registrar::Binding& b) mutable {
        const std::string_view domain = std::string_view(b.aor).substr(b.aor.find('@') + 1);
        return registrar::Gruus{
            proxy::public_gruu(b.aor, b.instance),
            proxy.gruu().temp_gruu(b.aor, b.instance, b.call_id, domain, ++nonce)};
    });
    GroupCommit group(io, *store, log);
    handler.set_group_commit(&group);
    server.on_response([&proxy](sip::Message response, const runtime::RequestSource& from) {
        proxy.on_response(std::move(response), from);
    });

    Purger purger(io, *store, log, std::chrono::seconds(config.purge_interval));
    purger.start();
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    std::function<void(std::error_code, int)> on_signal = [&](std::error_code e, int signo) {
        if (e) return;
        if (signo == SIGHUP) {
            // Users are read from the store at every authentication, so `happysip user`
            // changes apply at once; SIGHUP re-counts them for the operator.
            if (auth.users)
                log.info("users_reloaded",
                         {{"realm", config.realm()},
                          {"users", std::to_string(auth.users->list(config.realm()).size())}});
            else
                log.info("users_reloaded", {{"detail", "[auth] is disabled"}});
            signals.async_wait(on_signal);
            return;
        }
        log.info("stopping", {{"signal", signo == SIGTERM ? "SIGTERM" : "SIGINT"},
                              {"transactions", std::to_string(server.transactions())}});
        purger.stop();
        signals.cancel();
        server.stop(std::chrono::milliseconds(config.drain_ms), [&proxy, &dns] {
            proxy.stop();
            if (dns) dns->cancel_all();  // pending queries would keep io.run() going
        });
    };
    signals.async_wait(on_signal);
    std::string domains;
    for (const auto& d : config.domains)
        domains += (domains.empty() ? "" : ",") + d;
    log.info("started", {{"domains", domains}, {"store", db_path.string()}});
    io.run();
    log.info("stopped");
    return 0;
}

}  // namespace happysip::daemon
