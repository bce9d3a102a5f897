// DnsClient against a real authoritative server: nsd, started by the fixture on 127.0.0.1
// and ::1 at a free port, serving tests/runtime/data/dns/lab.test.zone. If nsd cannot
// start the tests fail with its stderr (CI installs nsd): they never skip silently.
#include "happysip/runtime/dns_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime_test_support.hpp"

extern char** environ;

namespace happysip::runtime {
namespace {

namespace fs = std::filesystem;
using eyeballs::Family;
using resolve::AddressRecord;
using resolve::NaptrRecord;
using resolve::SrvRecord;

constexpr const char* k_nsd = "/usr/sbin/nsd";
constexpr int k_start_attempts = 3;
constexpr auto k_ready_timeout = std::chrono::seconds(5);
constexpr std::uint32_t k_zone_negative_ttl = 120;  // SOA MINIMUM of lab.test

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A port that was free for UDP and TCP on 127.0.0.1 a moment ago.
std::uint16_t pick_free_port() {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// One SOA query for lab.test over UDP to `address`:`port`; true when any answer came back
// within 100 ms.
bool answers_probe(int family, const char* address, std::uint16_t port) {
    const unsigned char query[] = {0x12, 0x34, 0x01, 0x00, 0,   1,   0,   0,   0, 0, 0, 0, 3,
                                   'l',  'a',  'b',  4,    't', 'e', 's', 't', 0, 0, 6, 0, 1};
    int fd = ::socket(family, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    timeval tv{0, 100000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_storage to{};
    socklen_t to_len = 0;
    if (family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&to);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        ::inet_pton(AF_INET, address, &a->sin_addr);
        to_len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&to);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        ::inet_pton(AF_INET6, address, &a->sin6_addr);
        to_len = sizeof *a;
    }
    unsigned char reply[512];
    const bool ok =
        ::sendto(fd, query, sizeof query, 0, reinterpret_cast<sockaddr*>(&to), to_len) > 0 &&
        ::recv(fd, reply, sizeof reply, 0) >= 12;
    ::close(fd);
    return ok;
}

// nsd in the foreground (-d) as the current user, no chroot, every file it writes in a
// temporary directory, remote control off. Stopped by PID.
class NsdServer {
  public:
    NsdServer() = default;
    NsdServer(const NsdServer&) = delete;
    NsdServer& operator=(const NsdServer&) = delete;
    ~NsdServer() { stop(); }

    // false + error (with nsd's stderr) when nsd could not be made to answer.
    bool start(std::string& error) {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("happysip-nsd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(dir_);
        for (int attempt = 0; attempt < k_start_attempts; ++attempt) {
            port_ = pick_free_port();
            if (start_once(error)) return true;
            stop_process();  // most likely the port was taken meanwhile: try another
        }
        return false;
    }

    std::uint16_t port() const noexcept { return port_; }

  private:
    bool start_once(std::string& error) {
        write_config();
        const fs::path log = dir_ / "nsd.stderr";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0600);
        posix_spawn_file_actions_adddup2(&actions, 1, 2);
        const std::string config = (dir_ / "nsd.conf").string();
        std::vector<char*> argv{const_cast<char*>(k_nsd), const_cast<char*>("-d"),
                                const_cast<char*>("-c"), const_cast<char*>(config.c_str()),
                                nullptr};
        const int rc = posix_spawn(&pid_, k_nsd, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            pid_ = -1;
            error = std::string("cannot run ") + k_nsd + ": " + std::strerror(rc);
            return false;
        }
        const auto deadline = std::chrono::steady_clock::now() + k_ready_timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                error = "nsd exited at start (status " + std::to_string(status) +
                        "); its stderr:\n" + read_file(log);
                return false;
            }
            if (answers_probe(AF_INET, "127.0.0.1", port_) && answers_probe(AF_INET6, "::1", port_))
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        error = "nsd did not answer on port " + std::to_string(port_) + " within 5 s; stderr:\n" +
                read_file(log);
        return false;
    }

    void write_config() const {
        const std::string d = dir_.string();
        const std::string p = std::to_string(port_);
        std::ofstream conf(dir_ / "nsd.conf");
        conf << "server:\n"
             << "    ip-address: 127.0.0.1@" << p << "\n"
             << "    ip-address: ::1@" << p << "\n"
             << "    port: " << p << "\n"
             << "    username: \"\"\n"
             << "    chroot: \"\"\n"
             << "    zonesdir: \"" << d << "\"\n"
             << "    pidfile: \"" << d << "/nsd.pid\"\n"
             << "    xfrdfile: \"" << d << "/xfrd.state\"\n"
             << "    xfrdir: \"" << d << "\"\n"
             << "    zonelistfile: \"" << d << "/zone.list\"\n"
             << "    database: \"\"\n"
             << "    server-count: 1\n"
             << "    verbosity: 1\n"
             << "remote-control:\n"
             << "    control-enable: no\n"
             << "zone:\n"
             << "    name: \"lab.test\"\n"
             << "    zonefile: \"" HAPPYSIP_TEST_DATA_DIR "/dns/lab.test.zone\"\n";
    }

    void stop_process() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
    }

    void stop() {
        stop_process();
        if (!dir_.empty()) {
            std::error_code ec;
            fs::remove_all(dir_, ec);
        }
    }

    fs::path dir_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

template <class Record>
struct Outcome {
    std::optional<DnsResult<Record>> result;
    int calls = 0;
};

class DnsClientTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string error;
        ASSERT_TRUE(nsd_.start(error)) << "nsd could not start: " << error;
    }

    std::unique_ptr<DnsClient> make_client(std::string server = {}, bool use_cache = true) {
        DnsClientConfig config;
        config.servers = {server.empty() ? "127.0.0.1:" + std::to_string(nsd_.port()) : server};
        config.timeout = std::chrono::milliseconds(1000);
        config.tries = 2;
        config.use_cache = use_cache;
        std::string error;
        auto client = DnsClient::create(io_, config, error);
        EXPECT_TRUE(client) << error;
        return client;
    }

    template <class Record, class Start>
    DnsResult<Record> run(Start start) {
        Outcome<Record> out;
        start([&out](DnsResult<Record> r) {
            ++out.calls;
            out.result = std::move(r);
        });
        test::run_until(io_, [&] { return out.calls > 0; });
        EXPECT_EQ(out.calls, 1);
        return out.result.value_or(DnsResult<Record>{});
    }

    DnsResult<NaptrRecord> naptr(DnsClient& c, const std::string& name) {
        return run<NaptrRecord>([&](auto done) { c.query_naptr(name, std::move(done)); });
    }
    DnsResult<SrvRecord> srv(DnsClient& c, const std::string& name) {
        return run<SrvRecord>([&](auto done) { c.query_srv(name, std::move(done)); });
    }
    DnsResult<AddressRecord> address(DnsClient& c, const std::string& name, Family family) {
        return run<AddressRecord>(
            [&](auto done) { c.query_address(name, family, std::move(done)); });
    }

    NsdServer nsd_;
    asio::io_context io_;
};

template <class Record, class Less>
std::vector<Record> sorted(std::vector<Record> records, Less less) {
    std::sort(records.begin(), records.end(), less);
    return records;
}

const auto by_srv = [](const SrvRecord& a, const SrvRecord& b) {
    return std::tie(a.priority, b.weight, a.target) < std::tie(b.priority, a.weight, b.target);
};
const auto by_address = [](const AddressRecord& a, const AddressRecord& b) {
    return a.address < b.address;
};

TEST_F(DnsClientTest, NaptrRecordsWithTheirTtl) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto r = naptr(*client, "lab.test");
    ASSERT_EQ(r.status, DnsStatus::ok) << r.detail;
    EXPECT_FALSE(r.from_cache);
    const std::vector<NaptrRecord> expected{
        {10, 50, "s", "SIPS+D2T", "", "_sips._tcp.lab.test", 600},
        {20, 50, "s", "SIP+D2T", "", "_sip._tcp.lab.test", 600},
        {30, 50, "S", "SIP+D2U", "", "_sip._udp.lab.test", 600},
    };
    EXPECT_EQ(sorted(r.records,
                     [](const NaptrRecord& a, const NaptrRecord& b) { return a.order < b.order; }),
              expected);
}

TEST_F(DnsClientTest, SrvRecordsWithPrioritiesWeightsAndTtl) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto udp = srv(*client, "_sip._udp.lab.test");
    ASSERT_EQ(udp.status, DnsStatus::ok) << udp.detail;
    const std::vector<SrvRecord> expected_udp{
        {10, 60, 5060, "sip1.lab.test", 300},
        {10, 40, 5060, "sip2.lab.test", 300},
        {20, 0, 5070, "backup.lab.test", 300},
    };
    EXPECT_EQ(sorted(udp.records, by_srv), expected_udp);

    auto tls = srv(*client, "_sips._tcp.lab.test.");
    ASSERT_EQ(tls.status, DnsStatus::ok) << tls.detail;
    EXPECT_EQ(tls.records, (std::vector<SrvRecord>{{0, 0, 5061, "sip1.lab.test", 180}}));
}

TEST_F(DnsClientTest, SrvRootTargetIsDot) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto r = srv(*client, "_sip._sctp.lab.test");
    ASSERT_EQ(r.status, DnsStatus::ok) << r.detail;
    EXPECT_EQ(r.records, (std::vector<SrvRecord>{{0, 0, 0, ".", 60}}));
}

TEST_F(DnsClientTest, AaaaAndARecordsWithTheirTtl) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto v6 = address(*client, "sip1.lab.test", Family::ipv6);
    ASSERT_EQ(v6.status, DnsStatus::ok) << v6.detail;
    EXPECT_EQ(sorted(v6.records, by_address),
              (std::vector<AddressRecord>{{Family::ipv6, "2001:db8::10", 120},
                                          {Family::ipv6, "2001:db8::11", 120}}));
    auto v4 = address(*client, "sip1.lab.test", Family::ipv4);
    ASSERT_EQ(v4.status, DnsStatus::ok) << v4.detail;
    EXPECT_EQ(v4.records, (std::vector<AddressRecord>{{Family::ipv4, "192.0.2.10", 90}}));
}

TEST_F(DnsClientTest, NameWithAaaaOnlyIsNodataForA) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto v6 = address(*client, "sip2.lab.test", Family::ipv6);
    ASSERT_EQ(v6.status, DnsStatus::ok) << v6.detail;
    EXPECT_EQ(v6.records, (std::vector<AddressRecord>{{Family::ipv6, "2001:db8::20", 75}}));
    auto v4 = address(*client, "sip2.lab.test", Family::ipv4);
    EXPECT_EQ(v4.status, DnsStatus::nodata) << v4.detail;
    EXPECT_TRUE(v4.records.empty());
    EXPECT_EQ(v4.negative_ttl_seconds, k_zone_negative_ttl);
}

TEST_F(DnsClientTest, NameWithAOnlyIsNodataForAaaa) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto v4 = address(*client, "backup.lab.test", Family::ipv4);
    ASSERT_EQ(v4.status, DnsStatus::ok) << v4.detail;
    EXPECT_EQ(v4.records, (std::vector<AddressRecord>{{Family::ipv4, "192.0.2.30", 45}}));
    auto v6 = address(*client, "backup.lab.test", Family::ipv6);
    EXPECT_EQ(v6.status, DnsStatus::nodata) << v6.detail;
    EXPECT_EQ(v6.negative_ttl_seconds, k_zone_negative_ttl);
    // A name holding only other types: NODATA for SRV and NAPTR too.
    EXPECT_EQ(srv(*client, "text.lab.test").status, DnsStatus::nodata);
    EXPECT_EQ(naptr(*client, "text.lab.test").status, DnsStatus::nodata);
}

TEST_F(DnsClientTest, MissingNameIsNxdomain) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto r = srv(*client, "_sip._udp.nothere.lab.test");
    EXPECT_EQ(r.status, DnsStatus::nxdomain) << r.detail;
    EXPECT_TRUE(r.records.empty());
    EXPECT_FALSE(r.detail.empty());
    EXPECT_EQ(r.negative_ttl_seconds, k_zone_negative_ttl);
}

TEST_F(DnsClientTest, ZoneTheServerDoesNotServeIsRefused) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto r = address(*client, "sip.example.org", Family::ipv6);
    EXPECT_EQ(r.status, DnsStatus::refused) << r.detail;
}

TEST_F(DnsClientTest, SecondQueryIsAnsweredFromTheCache) {
    auto client = make_client();
    ASSERT_TRUE(client);
    auto first = srv(*client, "_sip._udp.lab.test");
    ASSERT_EQ(first.status, DnsStatus::ok) << first.detail;
    ASSERT_FALSE(first.from_cache);
    // Same name, other case and a trailing dot (RFC 4343).
    auto second = srv(*client, "_SIP._UDP.Lab.Test.");
    ASSERT_EQ(second.status, DnsStatus::ok);
    EXPECT_TRUE(second.from_cache);
    EXPECT_EQ(sorted(second.records, by_srv), sorted(first.records, by_srv));
    // Another type of another name is not.
    EXPECT_FALSE(address(*client, "sip1.lab.test", Family::ipv4).from_cache);
}

TEST_F(DnsClientTest, NegativeAnswersAreCached) {
    auto client = make_client();
    ASSERT_TRUE(client);
    ASSERT_EQ(address(*client, "nothere.lab.test", Family::ipv6).status, DnsStatus::nxdomain);
    // RFC 2308 §5: NXDOMAIN holds for every type of the name.
    auto again = address(*client, "nothere.lab.test", Family::ipv4);
    EXPECT_EQ(again.status, DnsStatus::nxdomain);
    EXPECT_TRUE(again.from_cache);
    EXPECT_GE(again.negative_ttl_seconds, k_zone_negative_ttl - 2);

    ASSERT_EQ(address(*client, "sip2.lab.test", Family::ipv4).status, DnsStatus::nodata);
    auto nodata = address(*client, "sip2.lab.test", Family::ipv4);
    EXPECT_EQ(nodata.status, DnsStatus::nodata);
    EXPECT_TRUE(nodata.from_cache);
}

TEST_F(DnsClientTest, WithoutTheCacheEveryQueryGoesToTheServer) {
    auto client = make_client({}, /*use_cache=*/false);
    ASSERT_TRUE(client);
    ASSERT_EQ(naptr(*client, "lab.test").status, DnsStatus::ok);
    auto second = naptr(*client, "lab.test");
    EXPECT_EQ(second.status, DnsStatus::ok);
    EXPECT_FALSE(second.from_cache);
}

TEST_F(DnsClientTest, ClearCacheForgetsAnswers) {
    auto client = make_client();
    ASSERT_TRUE(client);
    ASSERT_EQ(naptr(*client, "lab.test").status, DnsStatus::ok);
    client->clear_cache();
    EXPECT_FALSE(naptr(*client, "lab.test").from_cache);
}

TEST_F(DnsClientTest, Ipv6ServerInBrackets) {
    auto client = make_client("[::1]:" + std::to_string(nsd_.port()));
    ASSERT_TRUE(client);
    auto r = address(*client, "sip2.lab.test", Family::ipv6);
    ASSERT_EQ(r.status, DnsStatus::ok) << r.detail;
    EXPECT_EQ(r.records, (std::vector<AddressRecord>{{Family::ipv6, "2001:db8::20", 75}}));
}

TEST_F(DnsClientTest, ConcurrentQueriesEachGetTheirAnswer) {
    auto client = make_client();
    ASSERT_TRUE(client);
    int answered = 0;
    std::vector<DnsStatus> statuses(4, DnsStatus::error);
    const std::vector<std::pair<std::string, Family>> queries{{"sip1.lab.test", Family::ipv6},
                                                              {"sip2.lab.test", Family::ipv4},
                                                              {"backup.lab.test", Family::ipv4},
                                                              {"nothere.lab.test", Family::ipv6}};
    for (std::size_t i = 0; i < queries.size(); ++i) {
        client->query_address(queries[i].first, queries[i].second,
                              [&, i](DnsResult<AddressRecord> r) {
                                  statuses[i] = r.status;
                                  ++answered;
                              });
    }
    test::run_until(io_, [&] { return answered == 4; });
    EXPECT_EQ(answered, 4);
    EXPECT_EQ(statuses, (std::vector<DnsStatus>{DnsStatus::ok, DnsStatus::nodata, DnsStatus::ok,
                                                DnsStatus::nxdomain}));
}

}  // namespace
}  // namespace happysip::runtime
