// Durable answers to REGISTER at a fraction of the cost: the registrar's writes of one
// burst of requests (what the I/O loop read in one go) go into one SQLite transaction,
// their refreshes into one append to the store's refresh journal (a burst of refreshes
// only opens no transaction at all), and their 200s are sent only once both are written
// (issue 4: "registrations durable — batched commits are fine"). A crash before that
// loses only requests that were never answered, which the phones retransmit. The commit
// runs at the end of the UDP burst being handled (runtime/burst_scope.hpp), or, for a
// REGISTER that came over TCP/TLS, is posted to the io_context when the group opens.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <string>
#include <vector>

#include "happysip/registrar/registrar.hpp"
#include "happysip/runtime/sip_server.hpp"
#include "happysip/store/sqlite_location_store.hpp"
#include "log.hpp"

namespace happysip::daemon {

class GroupCommit {
  public:
    GroupCommit(asio::io_context& io, store::SqliteLocationStore& store, Logger& log)
        : io_(io), store_(store), log_(log) {}

    // Before the registrar writes: opens the group (and schedules its commit) if needed.
    // False when the store cannot open a group: the caller then writes unbatched. (The
    // SQLite store starts its transaction only at the group's first SQLite write, so a
    // failure to start one is then that write's failure: its REGISTER gets a 500.)
    bool open();
    // The registrar's answer for `responder`, sent when the group commits; `after_sent`
    // (logging) runs with the status actually sent (500 if the commit failed).
    void defer(runtime::Responder responder, registrar::RegisterReply reply,
               std::function<void(int status, const std::string& reason)> after_sent);
    // Commits and answers everything deferred. Idempotent.
    void flush();

    std::size_t pending() const noexcept { return pending_.size(); }

  private:
    struct Deferred {
        runtime::Responder responder;
        registrar::RegisterReply reply;
        std::function<void(int, const std::string&)> after_sent;
    };

    asio::io_context& io_;
    store::SqliteLocationStore& store_;
    Logger& log_;
    std::vector<Deferred> pending_;
    std::vector<Deferred> spare_;  // the last group's, emptied: its buffer is reused
    bool flush_posted_ = false;
};

}  // namespace happysip::daemon
