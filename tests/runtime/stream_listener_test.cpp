// StreamListener when the process is out of descriptors: accept() fails with EMFILE while
// the connection waits in the backlog, so retrying at once would spin; the listener pauses
// between attempts, says so once, and accepts again once descriptors are free.
#include "happysip/runtime/stream_listener.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime_test_support.hpp"

namespace happysip::runtime {
namespace {

using namespace std::chrono_literals;
using test::run_until;

// The sanitizer build (HAPPYSIP_SANITIZE: address and undefined together) cannot run with a
// full descriptor table: UBSan's vptr check probes memory through a pipe(2), which then
// fails, and it reports a valid object as having an invalid vptr.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool k_sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
constexpr bool k_sanitized = true;
#else
constexpr bool k_sanitized = false;
#endif
#else
constexpr bool k_sanitized = false;
#endif

// Fills this process's descriptor table with /dev/null until open() says EMFILE, under a
// soft limit lowered to just above what is open now (so that filling takes few files);
// gives everything back when destroyed, the limit too.
class DescriptorFiller {
  public:
    DescriptorFiller() {
        if (getrlimit(RLIMIT_NOFILE, &saved_) != 0) return;
        int highest = 0;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec))
            highest = std::max(highest, std::stoi(entry.path().filename().string()));
        if (ec) return;
        rlimit lowered = saved_;
        lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, static_cast<rlim_t>(highest) + 16);
        if (setrlimit(RLIMIT_NOFILE, &lowered) != 0) return;
        lowered_ = true;
        for (int i = 0; i < k_max_files; ++i) {
            int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                full_ = errno == EMFILE;
                break;
            }
            fds_.push_back(fd);
        }
    }
    ~DescriptorFiller() { release(); }
    DescriptorFiller(const DescriptorFiller&) = delete;
    DescriptorFiller& operator=(const DescriptorFiller&) = delete;

    bool full() const { return full_; }
    void release() {
        for (int fd : fds_)
            ::close(fd);
        fds_.clear();
        if (lowered_) setrlimit(RLIMIT_NOFILE, &saved_);
        lowered_ = false;
    }

  private:
    static constexpr int k_max_files = 4096;  // a bound, far above the ~16 needed
    rlimit saved_{};
    bool lowered_ = false;
    bool full_ = false;
    std::vector<int> fds_;
};

TEST(StreamListener, OutOfDescriptorsBacksOffReportsOnceAndAcceptsAfter) {
    if (k_sanitized) GTEST_SKIP() << "needs a build without sanitizers (see k_sanitized)";
    asio::io_context io;
    StreamListener listener(io);
    ASSERT_FALSE(listener.open({test::k_loopback_v4, 0}));
    std::vector<std::shared_ptr<StreamConnection>> accepted;
    std::vector<std::pair<std::error_code, std::string>> errors;
    listener.on_accept([&](std::shared_ptr<StreamConnection> c) { accepted.push_back(c); });
    listener.on_error([&](std::error_code ec, std::string d, const asio::ip::tcp::endpoint& r) {
        errors.emplace_back(ec, d);
        EXPECT_EQ(r.port(), 0);
    });
    asio::ip::tcp::socket client(io);
    client.open(asio::ip::tcp::v4());  // its descriptor before the table is full

    DescriptorFiller filler;
    ASSERT_TRUE(filler.full());
    std::optional<std::error_code> connected;
    client.async_connect(*listener.local_endpoint(), [&](std::error_code ec) { connected = ec; });
    auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < 1s) {
        io.restart();
        io.run_for(50ms);
    }
    ASSERT_TRUE(connected.has_value());
    EXPECT_FALSE(*connected);  // the kernel completed it: it waits in the backlog
    EXPECT_TRUE(accepted.empty());
    // One attempt per 100 ms pause, not a spin (which makes thousands in a second).
    EXPECT_GE(listener.failed_accepts(), 2u);
    EXPECT_LE(listener.failed_accepts(), 15u);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].first, asio::error::no_descriptors);  // EMFILE
    EXPECT_NE(errors[0].second.find("retrying every 100 ms"), std::string::npos)
        << errors[0].second;

    filler.release();
    run_until(io, [&] { return !accepted.empty(); });
    ASSERT_EQ(accepted.size(), 1u);
    EXPECT_EQ(accepted[0]->remote_endpoint(), client.local_endpoint());
    EXPECT_EQ(errors.size(), 1u);
    accepted[0]->close();
    listener.close();
}

}  // namespace
}  // namespace happysip::runtime
