#include "group_commit.hpp"

#include <asio/post.hpp>

#include "happysip/runtime/burst_scope.hpp"

namespace happysip::daemon {

bool GroupCommit::open() {
    if (!store_.in_group()) {
        if (auto s = store_.begin_group(); !s.ok) {
            log_.error("store_group_failed", {{"detail", s.error}});
            return false;
        }
    }
    if (!flush_posted_) {
        flush_posted_ = true;
        // At the end of the UDP burst being handled, or as a handler of its own.
        if (!runtime::BurstScope::defer([this] { flush(); })) asio::post(io_, [this] { flush(); });
    }
    return true;
}

void GroupCommit::defer(runtime::Responder responder, registrar::RegisterReply reply,
                        std::function<void(int, const std::string&)> after_sent) {
    pending_.push_back({std::move(responder), std::move(reply), std::move(after_sent)});
}

void GroupCommit::flush() {
    flush_posted_ = false;
    auto committed = store_.commit_group();
    if (!committed.ok)
        log_.error("store_commit_failed",
                   {{"detail", committed.error}, {"answers", std::to_string(pending_.size())}});
    for (const auto& warning : store_.take_warnings())  // e.g. a journal compaction that failed
        log_.warning("store_warning", {{"detail", warning}});
    // The group's answers, out of pending_, which takes the last group's emptied buffer:
    // one allocation less per group (at 2,000 REGISTERs/s nearly every request is one).
    std::vector<Deferred> answering = std::exchange(pending_, std::move(spare_));
    pending_.clear();
    for (auto& d : answering) {
        if (committed.ok || d.reply.status != 200) {
            d.responder.respond(d.reply.status, d.reply.reason, d.reply.headers);
            if (d.after_sent) d.after_sent(d.reply.status, d.reply.reason);
        } else {
            // Not durable (or not all of the group: its SQLite part may have committed
            // and its refreshes not): the phone must not believe it registered.
            d.responder.respond(500, "Location store failed");
            if (d.after_sent) d.after_sent(500, "Location store failed");
        }
    }
    answering.clear();
    spare_ = std::move(answering);
}

}  // namespace happysip::daemon
