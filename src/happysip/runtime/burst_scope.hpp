// Work that waits for the end of the UDP burst being handled, instead of being posted to
// the io_context. A posted handler is cheap, but asio's loop polls epoll (epoll_wait with
// a zero timeout) between the handler that posted and the posted one: a REGISTER used to
// pay three epoll_waits (the burst, the group commit, the send flush) for one datagram.
// While UdpTransport delivers a burst, a BurstScope is open; the group commit and the
// send flush defer() to it and run, in order, when the burst has been delivered.
// One I/O thread: the open scope is per thread.
#pragma once

#include <functional>
#include <vector>

namespace happysip::runtime {

class BurstScope {
  public:
    BurstScope();
    // Runs everything deferred, including what that defers in turn, then closes.
    ~BurstScope();
    BurstScope(const BurstScope&) = delete;
    BurstScope& operator=(const BurstScope&) = delete;

    // Whether a burst is being handled on this thread (defer() then succeeds).
    static bool open() noexcept;
    // Runs `work` at the end of the open burst; false (and nothing kept) when none is open.
    static bool defer(std::function<void()> work);

  private:
    BurstScope* outer_;
    std::vector<std::function<void()>> deferred_;
};

}  // namespace happysip::runtime
