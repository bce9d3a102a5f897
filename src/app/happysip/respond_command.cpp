#include "respond_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "happysip/runtime/endpoint.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/sip/builder.hpp"
#include "happysip/sip/key_headers.hpp"

namespace happysip::app {
namespace {

using eyeballs::Transport;
using runtime::Responder;

struct RespondOptions {
    std::vector<std::string> listen;
    std::string cert;
    std::string key;
    double max_seconds = 0;  // 0: until a signal
};

constexpr std::string_view k_allow = "Allow: OPTIONS, ACK, CANCEL";

// What a test responder answers: OPTIONS 200, CANCEL per RFC 3261 §9.2, others 501.
void answer(runtime::SipServer& server, const sip::Message& request, Responder& responder) {
    switch (request.method()) {
        case sip::Method::options:
            // RFC 3261 §11.2: what we would accept in an INVITE's place.
            responder.respond(200, {},
                              {std::string(k_allow), "Accept: application/sdp", "Supported: "});
            return;
        case sip::Method::cancel:
            server.answer_cancel(request, responder);
            return;
        default:
            responder.respond(501, {}, {std::string(k_allow)});
    }
}

void log_new(const sip::Message& request, const runtime::RequestSource& source) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    nlohmann::ordered_json line;
    line["t_ms"] = ms;
    line["method"] = request.method_text();
    line["call_id"] = request.header(sip::HeaderId::call_id).value_or("");
    line["cseq"] = request.cseq_number();
    line["branch"] = sip::top_via_branch(request);
    line["transport"] = eyeballs::to_string(source.transport);
    line["from"] = source.remote_text();
    line["local"] = source.local_text();
    std::cout << line.dump() << std::endl;  // flushed: a test reads it while we run
}

int run_respond(const RespondOptions& options) {
    std::vector<runtime::ListenSpec> specs;
    bool needs_tls = false;
    for (const std::string& text : options.listen) {
        auto spec = runtime::parse_listen_spec(text);
        if (!spec) {
            std::cerr << "happysip respond: bad --listen '" << text
                      << "': expected udp|tcp|tls:ADDRESS[:PORT], IPv6 in brackets "
                         "(udp:[::1]:5060)\n";
            return 2;
        }
        needs_tls |= spec->transport == Transport::tls;
        specs.push_back(*spec);
    }
    std::shared_ptr<asio::ssl::context> tls;
    if (needs_tls) {
        auto first = std::find_if(specs.begin(), specs.end(),
                                  [](const auto& s) { return s.transport == Transport::tls; });
        if (options.cert.empty() || options.key.empty()) {
            std::cerr << "happysip respond: " << first->text << " needs --cert and --key\n";
            return 2;
        }
        auto made = runtime::make_server_context({options.cert, options.key});
        if (!made.context) {
            std::cerr << "happysip respond: " << made.error << "\n";
            return 2;
        }
        tls = made.context;
    }

    asio::io_context io;
    runtime::SipServerOptions server_options;
    server_options.server_header = "happysip respond";
    runtime::SipServer server(io, server_options);
    server.on_log([](std::string_view event, const std::string& detail) {
        if (event != "request_rejected" && event != "bad_datagram")
            std::cerr << "happysip respond: " << detail << "\n";
    });
    server.on_request([&server](const sip::Message& request, const runtime::RequestSource& source,
                                Responder& responder) {
        if (!responder) return;  // an ACK outside any transaction
        log_new(request, source);
        answer(server, request, responder);
    });
    for (const auto& spec : specs) {
        auto listening = server.listen(spec, tls);
        if (!listening.error.empty()) {
            std::cerr << "happysip respond: " << listening.error << "\n";
            return 2;
        }
        // Port 0 picks a free port: say which, so a test can find it.
        std::cerr << "listening " << listening.bound << std::endl;
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer stop_timer(io);
    auto stop = [&] {
        server.stop();
        signals.cancel();
        stop_timer.cancel();
    };
    signals.async_wait([&](std::error_code ec, int) {
        if (!ec) stop();
    });
    if (options.max_seconds > 0) {
        stop_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(options.max_seconds)));
        stop_timer.async_wait([&](std::error_code ec) {
            if (!ec) stop();
        });
    }
    io.run();
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
