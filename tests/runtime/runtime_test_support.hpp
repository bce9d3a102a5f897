// Shared by the runtime tests: loopback addresses of both families, a small SIP request,
// a bounded event loop so that a failing test never hangs, and a throw-away self-signed
// server certificate.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "happysip/runtime/self_signed_certificate.hpp"
#include "happysip/runtime/tls_context.hpp"
#include "happysip/sip/builder.hpp"

namespace happysip::runtime::test {

inline const asio::ip::address k_loopback_v4 = asio::ip::make_address("127.0.0.1");
inline const asio::ip::address k_loopback_v6 = asio::ip::make_address("::1");
inline constexpr std::chrono::seconds k_bound{5};

// Runs the loop until `done` holds, nothing is left to do, or k_bound passes.
inline void run_until(asio::io_context& io, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + k_bound;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(20));
        if (io.stopped()) break;  // out of work: nothing more can happen
    }
}

inline std::string options_text(const std::string& sent_by, const std::string& branch,
                                const std::string& transport = "UDP") {
    sip::RequestParts p;
    p.method = "OPTIONS";
    p.request_uri = "sip:responder.example.com";
    p.via_transport = transport;
    p.via_sent_by = sent_by;
    p.branch = branch;
    p.from = "<sip:probe@example.com>";
    p.from_tag = "f1";
    p.to = "<sip:responder.example.com>";
    p.call_id = "call-" + branch;
    auto m = sip::make_request(p);
    EXPECT_TRUE(m.ok());
    return m ? m->serialize() : std::string();
}

// A temporary directory holding a self-signed certificate for example.com (and the
// address literals given) with its key, and a server TLS context made from them. The
// directory is removed with it. Failures are test failures (context stays null).
class SelfSignedServer {
  public:
    explicit SelfSignedServer(const std::string& name, std::vector<std::string> addresses = {}) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / ("happysip-" + name + "-XXXXXX")).string();
        if (!mkdtemp(tmpl.data())) {
            ADD_FAILURE() << "mkdtemp " << tmpl;
            return;
        }
        dir_ = tmpl;
        cert = dir_ + "/cert.pem";
        key = dir_ + "/key.pem";
        EXPECT_EQ(write_self_signed_certificate({cert, key, {"example.com"}, std::move(addresses)}),
                  "");
        auto made = make_server_context({cert, key});
        EXPECT_TRUE(made.context) << made.error;
        context = made.context;
    }
    ~SelfSignedServer() {
        std::error_code ignored;
        if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
    }
    SelfSignedServer(const SelfSignedServer&) = delete;
    SelfSignedServer& operator=(const SelfSignedServer&) = delete;

    std::string cert;  // PEM paths inside the directory
    std::string key;
    std::shared_ptr<asio::ssl::context> context;

  private:
    std::string dir_;
};

}  // namespace happysip::runtime::test
