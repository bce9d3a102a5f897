// Checkpoints a WAL database from a thread of its own.
//
// Why: SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000
// pages. It copies those pages into the database and, with synchronous=NORMAL, fsyncs
// both files: on happysipd's single I/O thread that held every queued request for
// 15-30 ms per checkpoint while phones registered by the hundred thousand
// (docs/benchmarks.md). Here the writer's WAL hook only wakes this thread, which runs a
// PASSIVE checkpoint on a second connection: it never blocks the writer, and the writer
// restarts the WAL from its start once a checkpoint has copied all of it.
//
// A writer that never pauses can outrun that: the WAL restarts only when a write begins
// with every frame copied, and each checkpoint ends behind the commits made meanwhile. So
// at a hard limit the writer waits for the thread's checkpoint to end and runs a RESTART
// checkpoint itself, as SQLite would have at 1,000 pages: most frames are copied by then,
// and the WAL stays bounded.
//
// Only the wake-up, the end of a checkpoint and the counters cross threads, under one
// lock; each thread uses its own connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct sqlite3;

namespace happysip::store {

class WalCheckpointer {
  public:
    struct Limits {
        int wake_pages = 1000;      // wakes the thread (SQLite's own default threshold)
        int restart_pages = 10000;  // the writer's own RESTART checkpoint (~40 MiB of WAL)
    };

    // Opens a second connection to `path` and starts the thread; nullptr + `error` on
    // failure. Then install() on the writer's connection.
    static std::unique_ptr<WalCheckpointer> start(const std::string& path, bool fsync_each_commit,
                                                  Limits limits, std::string& error);
    // Stops the thread and closes its connection (any checkpoint under way finishes first).
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

    // Replaces `writer`'s automatic checkpoint by this thread's. Call once, on the thread
    // that uses `writer`, which must outlive this object's use of it (its destructor runs
    // before the writer's connection closes). `busy_timeout_ms` is the writer's own, put
    // back after its RESTART, which runs without one.
    void install(sqlite3* writer, int busy_timeout_ms);

    // Checkpoints that ran to the end so far on the thread, and the writer's RESTARTs at
    // the hard limit (for tests and statistics).
    std::uint64_t checkpoints() const;
    std::uint64_t restarts() const;
    // The last failure ("checkpoint: database is locked"), once; empty if none.
    std::string take_error();

    struct Shared;

  private:
    explicit WalCheckpointer(std::unique_ptr<Shared> shared);
    std::unique_ptr<Shared> shared_;
};

}  // namespace happysip::store
