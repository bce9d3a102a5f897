// DnsClient's contract apart from the answers: handlers run asynchronously and exactly
// once, timeouts are bounded, cancel_all and destruction, configuration errors. A UDP
// socket on loopback that never answers stands in for an unresponsive server.
#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <string>

#include "happysip/runtime/dns_client.hpp"
#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using eyeballs::Family;
using resolve::AddressRecord;
using resolve::SrvRecord;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

class DnsClientLifecycle : public ::testing::Test {
  protected:
    // A server that receives queries and never answers.
    std::string silent_server() {
        silent_.open(asio::ip::udp::v4());
        silent_.bind({test::k_loopback_v4, 0});
        return "127.0.0.1:" + std::to_string(silent_.local_endpoint().port());
    }

    std::unique_ptr<DnsClient> make_client(std::string server, milliseconds timeout,
                                           int tries = 1) {
        DnsClientConfig config;
        config.servers = {std::move(server)};
        config.timeout = timeout;
        config.tries = tries;
        std::string error;
        auto client = DnsClient::create(io_, config, error);
        EXPECT_TRUE(client) << error;
        return client;
    }

    asio::io_context io_;
    asio::ip::udp::socket silent_{io_};
};

TEST_F(DnsClientLifecycle, UnansweredQueryTimesOutWithinTheBound) {
    auto client = make_client(silent_server(), milliseconds(200), 1);
    ASSERT_TRUE(client);
    int calls = 0;
    DnsStatus status = DnsStatus::ok;
    std::string detail;
    const auto start = steady_clock::now();
    client->query_srv("_sip._udp.lab.test", [&](DnsResult<SrvRecord> r) {
        ++calls;
        status = r.status;
        detail = r.detail;
    });
    test::run_until(io_, [&] { return calls > 0; });
    const auto elapsed = steady_clock::now() - start;
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(status, DnsStatus::timeout);
    EXPECT_FALSE(detail.empty());
    EXPECT_GE(elapsed, milliseconds(150));
    EXPECT_LT(elapsed, milliseconds(2000));
    // The query really went out to the silent server.
    EXPECT_GT(silent_.available(), 0u);
}

TEST_F(DnsClientLifecycle, CancelAllGivesEveryPendingHandlerCancelledOnce) {
    auto client = make_client(silent_server(), milliseconds(2000), 2);
    ASSERT_TRUE(client);
    int calls = 0;
    int cancelled = 0;
    auto count = [&](DnsStatus s) {
        ++calls;
        if (s == DnsStatus::cancelled) ++cancelled;
    };
    client->query_srv("_sip._udp.lab.test", [&](DnsResult<SrvRecord> r) { count(r.status); });
    client->query_address("sip1.lab.test", Family::ipv6,
                          [&](DnsResult<AddressRecord> r) { count(r.status); });
    client->query_address("sip1.lab.test", Family::ipv4,
                          [&](DnsResult<AddressRecord> r) { count(r.status); });
    io_.run_for(milliseconds(50));  // the queries are on the wire
    client->cancel_all();
    EXPECT_EQ(calls, 0) << "handlers must not run inside cancel_all";
    const auto start = steady_clock::now();
    test::run_until(io_, [&] { return calls == 3; });
    EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
    // Nothing more arrives later (no second call, no timeout after the cancel).
    io_.restart();
    io_.run_for(milliseconds(100));
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(cancelled, 3);
}

TEST_F(DnsClientLifecycle, ClientStaysUsableAfterCancelAll) {
    auto client = make_client(silent_server(), milliseconds(200), 1);
    ASSERT_TRUE(client);
    client->cancel_all();  // nothing pending: harmless
    DnsStatus status = DnsStatus::ok;
    int calls = 0;
    client->query_address("x.lab.test", Family::ipv4, [&](DnsResult<AddressRecord> r) {
        status = r.status;
        ++calls;
    });
    test::run_until(io_, [&] { return calls > 0; });
    EXPECT_EQ(status, DnsStatus::timeout);
}

TEST_F(DnsClientLifecycle, DestroyedClientNeverRunsItsHandlers) {
    auto client = make_client(silent_server(), milliseconds(100), 1);
    ASSERT_TRUE(client);
    int calls = 0;
    client->query_srv("_sip._udp.lab.test", [&](DnsResult<SrvRecord>) { ++calls; });
    io_.run_for(milliseconds(20));  // on the wire
    // Already failed, its delivery posted but not run yet.
    client->query_srv("bad..name", [&](DnsResult<SrvRecord>) { ++calls; });
    client.reset();
    io_.restart();
    io_.run_for(milliseconds(300));  // past the timeout
    EXPECT_EQ(calls, 0);
}

TEST_F(DnsClientLifecycle, HandlerMayDestroyTheClient) {
    auto client = make_client(silent_server(), milliseconds(100), 1);
    ASSERT_TRUE(client);
    int calls = 0;
    client->query_srv("_sip._udp.lab.test", [&](DnsResult<SrvRecord>) {
        ++calls;
        client.reset();
    });
    client->query_srv("_sip._tcp.lab.test", [&](DnsResult<SrvRecord>) { ++calls; });
    test::run_until(io_, [&] { return !client; });
    io_.restart();
    io_.run_for(milliseconds(200));
    EXPECT_EQ(calls, 1);
}

TEST_F(DnsClientLifecycle, BadNameFailsAsynchronously) {
    auto client = make_client(silent_server(), milliseconds(200), 1);
    ASSERT_TRUE(client);
    int calls = 0;
    DnsStatus status = DnsStatus::ok;
    client->query_address("bad..name.lab.test", Family::ipv6, [&](DnsResult<AddressRecord> r) {
        ++calls;
        status = r.status;
    });
    EXPECT_EQ(calls, 0) << "handlers must not run inside query_*";
    test::run_until(io_, [&] { return calls > 0; });
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(status, DnsStatus::error);
}

TEST_F(DnsClientLifecycle, BadServerSyntaxIsRejected) {
    for (const char* bad : {"localhost:53", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "[::1]x",
                            "::1]:53", "127.0.0.1:53x", ""}) {
        DnsClientConfig config;
        config.servers = {bad};
        std::string error;
        EXPECT_FALSE(DnsClient::create(io_, config, error)) << bad;
        EXPECT_NE(error.find("bad DNS server"), std::string::npos) << bad << ": " << error;
    }
}

TEST_F(DnsClientLifecycle, ServerForms) {
    for (const char* good : {"127.0.0.1", "127.0.0.1:5353", "::1", "[::1]", "[::1]:5353"}) {
        DnsClientConfig config;
        config.servers = {good, "192.0.2.53:53"};
        std::string error;
        EXPECT_TRUE(DnsClient::create(io_, config, error)) << good << ": " << error;
    }
}

TEST_F(DnsClientLifecycle, BadTimeoutOrTriesIsRejected) {
    DnsClientConfig config;
    config.tries = 0;
    std::string error;
    EXPECT_FALSE(DnsClient::create(io_, config, error));
    EXPECT_FALSE(error.empty());
}

TEST_F(DnsClientLifecycle, SystemConfigurationIsUsedWhenNoServerIsGiven) {
    std::string error;
    auto client = DnsClient::create(io_, DnsClientConfig{}, error);
    EXPECT_TRUE(client) << error;  // no query: the system's servers may be unreachable here
}

}  // namespace
}  // namespace happysip::runtime
