#include "respond_command.hpp"

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "happysip/runtime/connection_table.hpp"
#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/response_route.hpp"
#include "happysip/runtime/stream_listener.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/runtime/udp_transport.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/sip/key_headers.hpp"
#include "happysip/txn/invite_server_transaction.hpp"
#include "happysip/txn/non_invite_server_transaction.hpp"
#include "happysip/txn/transaction_table.hpp"

namespace happysip::app {
namespace {

using eyeballs::Transport;
using runtime::to_hostport;
using runtime::transport_name;

struct RespondOptions {
    std::vector<std::string> listen;
    std::string cert;
    std::string key;
    double max_seconds = 0;  // 0: until a signal
};

struct ListenSpec {
    Transport transport = Transport::udp;
    runtime::HostPort at;
    std::string text;
};

constexpr std::string_view k_allow = "Allow: OPTIONS, ACK, CANCEL";

std::optional<ListenSpec> parse_listen(const std::string& text) {
    auto colon = text.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string_view name = std::string_view(text).substr(0, colon);
    ListenSpec spec;
    spec.text = text;
    if (name == "udp")
        spec.transport = Transport::udp;
    else if (name == "tcp")
        spec.transport = Transport::tcp;
    else if (name == "tls")
        spec.transport = Transport::tls;
    else
        return std::nullopt;
    std::uint16_t default_port = spec.transport == Transport::tls ? 5061 : 5060;
    std::error_code ec;
    auto at = runtime::parse_hostport(std::string_view(text).substr(colon + 1), default_port, ec);
    if (!at) return std::nullopt;
    spec.at = *at;
    return spec;
}

// Where the responses of one server transaction go, and what it told the client.
struct Route {
    Transport transport = Transport::udp;
    runtime::UdpTransport* udp = nullptr;  // owned by the Responder, which outlives routes
    asio::ip::udp::endpoint udp_source;
    std::weak_ptr<runtime::StreamConnection> stream;
    std::string from;   // peer, for the log line
    std::string local;  // our end, for the log line
    std::string to_tag;
};

class Responder {
  public:
    explicit Responder(asio::io_context& io)
        : io_(io),
          timer_(io),
          stop_timer_(io),
          signals_(io, SIGINT, SIGTERM),
          start_(std::chrono::steady_clock::now()),
          rng_(std::random_device{}()) {}

    // Opens every listener; on failure a message on stderr and false.
    bool listen(const std::vector<ListenSpec>& specs, const RespondOptions& options);
    void run(double max_seconds);

  private:
    Instant now() const {
        return Instant{} +
               std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - start_);
    }
    void serve(std::shared_ptr<runtime::StreamConnection> connection);
    void on_request(sip::Message request, Route route);
    template <class Txn>
    void drain(const txn::TransactionKey& key, Txn& txn);
    sip::Message answer(const sip::Message& request, Route& route);
    void transmit(const txn::TransactionKey& key, const sip::Message& m, bool* failed);
    void reject(const sip::Message& request, const Route& route, const sip::ParseError& e);
    void send_raw(const Route& route, std::string bytes);
    void log_new(const sip::Message& request, const Route& route, std::string_view branch);
    void rearm();
    void stop();

    asio::io_context& io_;
    asio::steady_timer timer_;
    asio::steady_timer stop_timer_;
    asio::signal_set signals_;
    bool stopped_ = false;
    std::chrono::steady_clock::time_point start_;
    std::mt19937_64 rng_;
    std::vector<std::unique_ptr<runtime::UdpTransport>> udp_;
    std::vector<std::unique_ptr<runtime::StreamListener>> listeners_;
    runtime::ConnectionTable connections_;
    txn::TimerConfig timers_;
    txn::TransactionTable<txn::NonInviteServerTransaction> non_invite_;
    txn::TransactionTable<txn::InviteServerTransaction> invite_;
    std::unordered_map<txn::TransactionKey, Route, txn::TransactionKeyHash> routes_;
};

bool Responder::listen(const std::vector<ListenSpec>& specs, const RespondOptions& options) {
    std::shared_ptr<asio::ssl::context> tls;
    for (const ListenSpec& spec : specs) {
        std::error_code ec;
        std::string local;
        if (spec.transport == Transport::udp) {
            auto& t = udp_.emplace_back(std::make_unique<runtime::UdpTransport>(io_));
            ec = t->open({spec.at.address, spec.at.port});
            if (!ec) {
                auto ep = *t->local_endpoint(runtime::family_of(spec.at.address));
                local = to_hostport(ep);
                t->on_message([this, raw = t.get(), local](sip::Message m,
                                                           const asio::ip::udp::endpoint& from) {
                    on_request(std::move(m),
                               Route{Transport::udp, raw, from, {}, to_hostport(from), local, {}});
                });
            }
        } else {
            if (spec.transport == Transport::tls && !tls) {
                if (options.cert.empty() || options.key.empty()) {
                    std::cerr << "happysip respond: " << spec.text << " needs --cert and --key\n";
                    return false;
                }
                auto made = runtime::make_server_context({options.cert, options.key});
                if (!made.context) {
                    std::cerr << "happysip respond: " << made.error << "\n";
                    return false;
                }
                tls = made.context;
            }
            auto& l = listeners_.emplace_back(std::make_unique<runtime::StreamListener>(io_));
            ec = l->open({spec.at.address, spec.at.port},
                         spec.transport == Transport::tls ? tls : nullptr);
            if (!ec) {
                local = to_hostport(*l->local_endpoint());
                l->on_accept([this](std::shared_ptr<runtime::StreamConnection> c) { serve(c); });
                l->on_error([](std::error_code, std::string detail, const auto& remote) {
                    std::cerr << "happysip respond: " << to_hostport(remote) << ": " << detail
                              << "\n";
                });
            }
        }
        if (ec) {
            std::cerr << "happysip respond: cannot listen on " << spec.text << ": " << ec.message()
                      << "\n";
            return false;
        }
        // Port 0 picks a free port: say which, so a test can find it.
        std::cerr << "listening " << transport_name(spec.transport) << ":" << local << std::endl;
    }
    return true;
}

void Responder::serve(std::shared_ptr<runtime::StreamConnection> c) {
    connections_.add(c);
    Route route{c->is_tls() ? Transport::tls : Transport::tcp,
                nullptr,
                {},
                c,
                to_hostport(c->remote_endpoint()),
                c->local_endpoint() ? to_hostport(*c->local_endpoint()) : std::string(),
                {}};
    c->on_message([this, route](sip::Message m) { on_request(std::move(m), route); });
    c->on_bad_message([remote = route.from](std::string detail) {
        std::cerr << "happysip respond: " << remote << ": " << detail << "\n";
    });
}

void Responder::run(double max_seconds) {
    signals_.async_wait([this](std::error_code ec, int) {
        if (!ec) stop();
    });
    if (max_seconds > 0) {
        stop_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(max_seconds)));
        stop_timer_.async_wait([this](std::error_code ec) {
            if (!ec) stop();
        });
    }
    io_.run();
}

void Responder::stop() {
    stopped_ = true;  // messages already queued must not re-arm the transaction timer
    for (auto& t : udp_)
        t->close();
    for (auto& l : listeners_)
        l->close();
    connections_.close_all();
    timer_.cancel();
    stop_timer_.cancel();
    signals_.cancel();
}

void Responder::on_request(sip::Message request, Route route) {
    if (stopped_ || request.is_response()) return;  // a responder has no client transactions
    if (route.transport == Transport::udp) {
        if (auto e = runtime::stamp_received(request, route.udp_source.address(),
                                             route.udp_source.port()))
            return;  // no usable Via: nowhere to answer
    }
    auto keys = sip::interpret_key_headers(request);
    auto key = keys ? txn::server_key(request) : sip::Result<txn::TransactionKey>(keys.error());
    if (!key) {
        reject(request, route, key.error());
        return;
    }
    Instant t = now();
    txn::Transport kind =
        route.transport == Transport::udp ? txn::Transport::unreliable : txn::Transport::reliable;
    bool is_invite = request.method() == sip::Method::invite;
    if (is_invite || request.method() == sip::Method::ack) {
        if (auto* existing = invite_.find(*key)) {
            existing->on_request(request, t);  // retransmission, or the ACK of our 501
            drain(*key, *existing);
        } else if (is_invite) {
            route.to_tag = std::to_string(rng_());
            log_new(request, route, keys->top_via.branch);
            routes_[*key] = route;
            invite_.insert(*key,
                           txn::InviteServerTransaction(std::move(request), kind, timers_, t,
                                                        txn::InviteServerTransaction::Send100::no));
            drain(*key, *invite_.find(*key));
        }
        invite_.erase_terminated();
    } else {
        if (auto* existing = non_invite_.find(*key)) {
            existing->on_request(request, t);
            drain(*key, *existing);
        } else {
            route.to_tag = std::to_string(rng_());
            log_new(request, route, keys->top_via.branch);
            routes_[*key] = route;
            non_invite_.insert(
                *key, txn::NonInviteServerTransaction(std::move(request), kind, timers_, t));
            drain(*key, *non_invite_.find(*key));
        }
        non_invite_.erase_terminated();
    }
    rearm();
}

// Carries out what a transaction asks until it asks nothing more.
template <class Txn>
void Responder::drain(const txn::TransactionKey& key, Txn& txn) {
    for (auto actions = txn.take_actions(); !actions.empty(); actions = txn.take_actions()) {
        for (txn::Action& action : actions) {
            if (auto* send = std::get_if<txn::Send>(&action)) {
                bool failed = false;
                transmit(key, send->message, &failed);
                if (failed) txn.on_transport_error(now());
            } else if (auto* tu = std::get_if<txn::PassToTu>(&action)) {
                auto it = routes_.find(key);
                if (it != routes_.end()) txn.send_response(answer(tu->message, it->second), now());
            } else if (std::holds_alternative<txn::Terminated>(action)) {
                routes_.erase(key);
            }
        }
    }
}

sip::Message Responder::answer(const sip::Message& request, Route& route) {
    auto respond = [&](int status, std::string_view tag, std::vector<std::string> extra = {}) {
        extra.emplace_back("Server: happysip respond");
        auto r = sip::make_response(request, status, {}, tag, extra);
        return r ? std::move(r).value() : sip::Message{};
    };
    switch (request.method()) {
        case sip::Method::options:
            // RFC 3261 §11.2: what we would accept in an INVITE's place.
            return respond(200, route.to_tag,
                           {std::string(k_allow), "Accept: application/sdp", "Supported: "});
        case sip::Method::cancel: {
            // §9.2: find the INVITE the CANCEL targets; 481 if none. A 200 for the CANCEL
            // (same To tag as the INVITE's response), and 487 for the INVITE if it still
            // awaits its final response.
            auto target = txn::cancel_target_key(request);
            auto* invite = target ? invite_.find(*target) : nullptr;
            if (!invite) return respond(481, route.to_tag);
            std::string tag = routes_.count(*target) ? routes_[*target].to_tag : route.to_tag;
            if (invite->state() == txn::InviteServerTransaction::State::proceeding) {
                invite->send_response(respond(487, tag), now());
                drain(*target, *invite);
            }
            return respond(200, tag);
        }
        default:
            return respond(501, route.to_tag, {std::string(k_allow)});
    }
}

void Responder::transmit(const txn::TransactionKey& key, const sip::Message& m, bool* failed) {
    auto it = routes_.find(key);
    if (it == routes_.end()) return;
    const Route& route = it->second;
    if (route.transport != Transport::udp) {
        auto c = route.stream.lock();
        if (!c || !c->is_open()) {
            *failed = true;  // RFC 3261 §18.2.2 would open a new connection; a tester need not
            return;
        }
        c->send(m.serialize());
        return;
    }
    send_raw(route, m.serialize());
}

// Over UDP the response goes where §18.2.2 and RFC 3581 say, read from the stamped Via.
void Responder::send_raw(const Route& route, std::string bytes) {
    if (route.transport != Transport::udp) {
        if (auto c = route.stream.lock()) c->send(std::move(bytes));
        return;
    }
    auto parsed = sip::parse_message(bytes);
    auto dest = parsed ? runtime::udp_response_destination(*parsed) : std::nullopt;
    route.udp->send(dest.value_or(route.udp_source), std::move(bytes),
                    [to = dest.value_or(route.udp_source)](std::error_code ec) {
                        if (ec)
                            std::cerr << "happysip respond: send to " << to_hostport(to) << ": "
                                      << ec.message() << "\n";
                    });
}

// A request whose key headers do not parse gets a 400 with the reason (RFC 3261 §8.2.2
// style), straight back to where it came from, outside any transaction.
void Responder::reject(const sip::Message& request, const Route& route, const sip::ParseError& e) {
    if (request.method() == sip::Method::ack) return;
    std::string reason = "Bad Request: " + e.to_string();
    auto r = sip::make_response(request, 400, reason, std::to_string(rng_()));
    if (r) send_raw(route, r->serialize());
}

void Responder::log_new(const sip::Message& request, const Route& route, std::string_view branch) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    nlohmann::ordered_json line;
    line["t_ms"] = ms;
    line["method"] = request.method_text();
    line["call_id"] = request.header(sip::HeaderId::call_id).value_or("");
    line["cseq"] = request.cseq_number();
    line["branch"] = branch;
    line["transport"] = transport_name(route.transport);
    line["from"] = route.from;
    line["local"] = route.local;
    std::cout << line.dump() << std::endl;  // flushed: a test reads it while we run
}

void Responder::rearm() {
    auto a = non_invite_.next_deadline();
    auto b = invite_.next_deadline();
    std::optional<Instant> next = a && b ? std::min(*a, *b) : (a ? a : b);
    timer_.cancel();
    if (!next || stopped_) return;
    timer_.expires_at(start_ + (*next - Instant{}));
    timer_.async_wait([this](std::error_code ec) {
        if (ec) return;
        Instant t = now();
        non_invite_.fire_due(t, [this](const auto& key, auto& txn) { drain(key, txn); });
        invite_.fire_due(t, [this](const auto& key, auto& txn) { drain(key, txn); });
        rearm();
    });
}

int run_respond(const RespondOptions& options) {
    std::vector<ListenSpec> specs;
    for (const std::string& text : options.listen) {
        auto spec = parse_listen(text);
        if (!spec) {
            std::cerr << "happysip respond: bad --listen '" << text
                      << "': expected udp|tcp|tls:ADDRESS[:PORT], IPv6 in brackets "
                         "(udp:[::1]:5060)\n";
            return 2;
        }
        specs.push_back(*spec);
    }
    asio::io_context io;
    Responder responder(io);
    if (!responder.listen(specs, options)) return 2;
    responder.run(options.max_seconds);
    return 0;
}

}  // namespace

void add_respond_command(CLI::App& app) {
    auto options = std::make_shared<RespondOptions>();
    CLI::App* cmd =
        app.add_subcommand("respond",
                           "Answer SIP requests on the given endpoints (OPTIONS 200, others 501), "
                           "printing one JSON line per new transaction");
    cmd->add_option("--listen", options->listen,
                    "udp|tcp|tls:ADDRESS[:PORT], repeatable; IPv6 in brackets: udp:[::1]:5060")
        ->required();
    cmd->add_option("--cert", options->cert, "PEM certificate chain for tls listeners");
    cmd->add_option("--key", options->key, "PEM private key for tls listeners");
    cmd->add_option("--max-seconds", options->max_seconds, "exit after this many seconds")
        ->check(CLI::NonNegativeNumber);
    // Run from the callback and exit with the status: main stays a list of registrations.
    cmd->callback([options] { std::exit(run_respond(*options)); });
}

}  // namespace happysip::app
