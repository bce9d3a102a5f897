#include "options_command.hpp"

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "happysip/client/request_delivery.hpp"
#include "happysip/eyeballs/reachability_cache.hpp"
#include "happysip/resolve/transport_selection.hpp"
#include "happysip/runtime/delivery_runner.hpp"
#include "happysip/runtime/dns_client.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/sip/uri.hpp"

namespace happysip::app {
namespace {

using eyeballs::Family;
using eyeballs::Transport;

struct OptionsOptions {
    std::string uri;
    std::string proxy;
    std::string transport;  // empty = what RFC 3263 selects
    std::string family = "auto";
    int attempt_delay_ms = 250;
    bool no_happy_eyeballs = false;
    double timeout_s = 0;  // 0 = 32 s with Happy Eyeballs, 70 s without
    int count = 1;
    int interval_ms = 0;
    std::vector<std::string> dns_servers;
    std::string ca_file;
    bool insecure = false;
    bool json = false;
};

std::string random_hex(std::mt19937_64& rng, int bytes) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        const auto b = static_cast<unsigned>(rng() & 0xff);
        out += k_digits[b >> 4];
        out += k_digits[b & 15];
    }
    return out;
}

double ms_between(Instant from, Instant to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

nlohmann::json candidate_json(const eyeballs::Candidate& c) {
    return {{"family", eyeballs::to_string(c.family)},
            {"address", c.address},
            {"port", c.port},
            {"transport", eyeballs::to_string(c.transport)},
            {"target", c.target}};
}

nlohmann::json delivery_json(const client::RequestDelivery& d, Instant start) {
    nlohmann::json j;
    j["outcome"] = client::to_string(d.outcome());
    if (const auto& r = d.final_response()) {
        j["status"] = r->status_code();
        j["reason"] = std::string(r->reason_phrase());
    } else {
        j["status"] = nullptr;
        j["reason"] = nullptr;
    }
    j["time_to_first_response_ms"] =
        d.first_response_at() ? nlohmann::json(ms_between(start, *d.first_response_at())) : nullptr;
    j["time_to_final_ms"] = d.final_response() && d.finished_at()
                                ? nlohmann::json(ms_between(start, *d.finished_at()))
                                : nullptr;
    j["winner"] = d.winner() ? candidate_json(d.attempts()[*d.winner()].candidate) : nullptr;
    j["attempts"] = nlohmann::json::array();
    for (const auto& a : d.attempts()) {
        auto entry = candidate_json(a.candidate);
        entry["started_ms"] = ms_between(start, a.started_at);
        entry["result"] = client::to_string(a.result);
        if (!a.detail.empty()) entry["detail"] = a.detail;
        j["attempts"].push_back(std::move(entry));
    }
    j["events"] = nlohmann::json::array();
    for (const auto& e : d.timeline().events()) {
        j["events"].push_back({{"t_ms", ms_between(start, e.at)},
                               {"event", client::to_string(e.kind)},
                               {"text", e.text}});
    }
    return j;
}

void print_timeline(const client::RequestDelivery& d, Instant start, int number) {
    std::printf("request %d\n", number);
    for (const auto& e : d.timeline().events()) {
        std::printf("  %9.1f ms  %-17s %s\n", ms_between(start, e.at),
                    std::string(client::to_string(e.kind)).c_str(), e.text.c_str());
    }
    std::printf("  result: %s", std::string(client::to_string(d.outcome())).c_str());
    if (const auto& r = d.final_response()) {
        std::printf(" %d %s", r->status_code(), std::string(r->reason_phrase()).c_str());
    }
    if (d.winner()) {
        const auto& c = d.attempts()[*d.winner()].candidate;
        std::printf(" via %s %s port %u", std::string(eyeballs::to_string(c.transport)).c_str(),
                    c.address.c_str(), c.port);
    }
    if (d.first_response_at()) {
        std::printf(", first response after %.1f ms", ms_between(start, *d.first_response_at()));
    }
    std::printf("\n");
}

// The transport plan: the proxy's when one is given (the request still carries the
// target URI), else the target's.
std::optional<resolve::TransportPlan> make_plan(const OptionsOptions& o, const sip::Uri& target,
                                                const resolve::TransportSet& supported,
                                                std::string& error) {
    if (o.proxy.empty()) return resolve::plan_transport(target, supported);
    auto proxy = sip::parse_uri("sip:" + o.proxy);
    if (!proxy) {
        error = "--proxy " + o.proxy + ": " + proxy.error().to_string();
        return std::nullopt;
    }
    return resolve::plan_transport(proxy.value(), supported);
}

int run_options(const OptionsOptions& o) {
    auto target = sip::parse_uri(o.uri);
    if (!target) {
        std::cerr << "happysip options: " << o.uri
                  << " is not a SIP URI: " << target.error().to_string() << "\n";
        return 2;
    }
    resolve::TransportSet supported;
    if (!o.transport.empty()) {
        supported = {o.transport == "udp", o.transport == "tcp", o.transport == "tls"};
    }
    std::string error;
    auto plan = make_plan(o, target.value(), supported, error);
    if (!plan) {
        std::cerr << "happysip options: " << error << "\n";
        return 2;
    }
    if (plan->kind == resolve::PlanKind::unusable) {
        std::cerr << "happysip options: cannot reach " << o.uri << ": " << plan->reason << "\n";
        return 2;
    }

    client::DeliveryConfig config;
    config.supported = supported;
    if (o.family == "6") config.only_family = Family::ipv6;
    if (o.family == "4") config.only_family = Family::ipv4;
    config.race.attempt_delay = std::chrono::milliseconds(o.attempt_delay_ms);
    config.race.sequential = o.no_happy_eyeballs;
    const double timeout_s = o.timeout_s > 0 ? o.timeout_s : (o.no_happy_eyeballs ? 70.0 : 32.0);
    config.race.timeout =
        std::chrono::duration_cast<Duration>(std::chrono::duration<double>(timeout_s));

    asio::io_context io;
    runtime::UdpTransport udp(io);
    const auto v6_error = udp.open(asio::ip::udp::endpoint(asio::ip::udp::v6(), 0));
    const auto v4_error = udp.open(asio::ip::udp::endpoint(asio::ip::udp::v4(), 0));
    if (v6_error && v4_error) {
        std::cerr << "happysip options: no UDP socket: " << v6_error.message() << "\n";
        return 1;
    }
    runtime::DnsClientConfig dns_config;
    dns_config.servers = o.dns_servers;
    auto dns = runtime::DnsClient::create(io, dns_config, error);
    if (!dns) {
        std::cerr << "happysip options: DNS: " << error << "\n";
        return 2;
    }
    runtime::TlsClientConfig tls{plan->target, o.ca_file, !o.insecure};
    if (o.insecure) std::cerr << "happysip options: WARNING: TLS certificates are not verified\n";
    runtime::DeliveryRunner runner(io, udp, *dns, tls);

    std::mt19937_64 rng{std::random_device{}()};
    eyeballs::ReachabilityCache cache;
    const std::string call_id = random_hex(rng, 12) + "@happysip";
    const std::string from_tag = random_hex(rng, 6);

    nlohmann::json report = {{"uri", o.uri}, {"happy_eyeballs", !o.no_happy_eyeballs}};
    report["requests"] = nlohmann::json::array();
    if (!o.json) {
        std::printf("OPTIONS %s (%s", o.uri.c_str(),
                    o.no_happy_eyeballs ? "sequential, no Happy Eyeballs" : "Happy Eyeballs");
        if (!o.no_happy_eyeballs) std::printf(", attempt delay %d ms", o.attempt_delay_ms);
        std::printf(")\n");
    }
    bool all_ok = true;
    for (int n = 1; n <= o.count; ++n) {
        sip::RequestParts parts;
        parts.method = "OPTIONS";
        parts.request_uri = o.uri;
        parts.branch = "z9hG4bK" + random_hex(rng, 8);
        parts.from = "<sip:probe@happysip.invalid>";
        parts.from_tag = from_tag;
        parts.to = "<" + o.uri + ">";
        parts.call_id = call_id;
        parts.cseq = static_cast<std::uint32_t>(n);
        parts.extra_headers = {"Accept: application/sdp", "User-Agent: happysip/0.1"};

        client::RequestDelivery delivery(
            parts, *plan, config,
            [&runner](const eyeballs::Candidate& c) { return runner.udp_sent_by(c); },
            o.no_happy_eyeballs ? nullptr : &cache, plan->target);
        const Instant start = runtime::steady_now();
        bool done = false;
        runner.run(delivery, [&] { done = true; });
        while (!done && io.run_one() > 0) {
        }
        if (!done) {
            std::cerr << "happysip options: event loop stopped before the request finished\n";
            return 1;
        }
        const auto& final_response = delivery.final_response();
        const bool ok = final_response && final_response->status_code() / 100 == 2;
        all_ok = all_ok && ok;
        if (o.json) {
            report["requests"].push_back(delivery_json(delivery, start));
        } else {
            print_timeline(delivery, start, n);
        }
        if (n < o.count && o.interval_ms > 0) {
            asio::steady_timer pause(io, std::chrono::milliseconds(o.interval_ms));
            pause.wait();
        }
    }
    if (o.json) std::cout << report.dump(2) << "\n";
    runner.close();
    dns->cancel_all();
    udp.close();
    io.run_for(std::chrono::milliseconds(200));
    return all_ok ? 0 : 1;
}

}  // namespace

void add_options_command(CLI::App& app) {
    auto options = std::make_shared<OptionsOptions>();
    CLI::App* cmd = app.add_subcommand(
        "options", "send OPTIONS to a SIP URI with Happy Eyeballs and print the timeline");
    cmd->add_option("uri", options->uri, "target, e.g. sip:example.com or sips:[2001:db8::1]")
        ->required();
    cmd->add_option("--proxy", options->proxy, "send through this proxy: HOST[:PORT]");
    cmd->add_option("--transport", options->transport, "only this transport")
        ->check(CLI::IsMember({"udp", "tcp", "tls"}));
    cmd->add_option("--family", options->family, "address families to use")
        ->check(CLI::IsMember({"auto", "6", "4"}));
    cmd->add_option("--attempt-delay", options->attempt_delay_ms,
                    "Connection Attempt Delay in ms (RFC 8305: 10 to 2000)")
        ->check(CLI::Range(10, 2000));
    cmd->add_flag("--no-happy-eyeballs", options->no_happy_eyeballs,
                  "naive: next address only after the previous one failed (for comparison)");
    cmd->add_option("--timeout", options->timeout_s,
                    "give up after S seconds (default 32; 70 with --no-happy-eyeballs)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--count", options->count,
                    "send N requests one after another, sharing DNS and reachability caches")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--interval", options->interval_ms, "pause between requests in ms")
        ->check(CLI::Range(0, 60000));
    cmd->add_option("--dns-server", options->dns_servers,
                    "DNS server HOST[:PORT] instead of /etc/resolv.conf (repeatable)");
    cmd->add_option("--ca-file", options->ca_file, "PEM file of CAs trusted for TLS")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--insecure", options->insecure, "do not verify TLS certificates (testing only)");
    cmd->add_flag("--json", options->json, "machine-readable report");
    cmd->callback([options] { std::exit(run_options(*options)); });
}

}  // namespace happysip::app
