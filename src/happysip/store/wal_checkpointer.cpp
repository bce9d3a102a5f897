#include "happysip/store/wal_checkpointer.hpp"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace happysip::store {

struct WalCheckpointer::Shared {
    sqlite3* db = nullptr;  // the checkpointer's own connection, used on its thread only
    Limits limits;
    std::mutex mutex;
    std::condition_variable wake;  // the thread waits for work
    std::condition_variable idle;  // the writer waits for the thread's checkpoint to end
    bool wanted = false;           // under mutex, like everything below
    bool running = false;          // the thread is checkpointing
    bool stop = false;
    int backfilled = 0;  // WAL frames copied by the last checkpoint
    int writer_busy_timeout_ms = 0;
    std::uint64_t done = 0;
    std::uint64_t restarts = 0;
    bool held_open = false;  // the last RESTART met a reader (reported once per spell)
    std::string error;
    std::thread thread;

    void run() {
        std::unique_lock lock(mutex);
        for (;;) {
            wake.wait(lock, [&] { return wanted || stop; });
            if (stop) return;
            wanted = false;
            running = true;
            lock.unlock();
            int frames = 0;
            int copied = 0;
            const int rc =
                sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
            lock.lock();
            running = false;
            // BUSY: the writer was restarting the WAL; the next commit wakes us again.
            if (rc == SQLITE_OK) {
                ++done;
                backfilled = copied;
            } else if (rc != SQLITE_BUSY) {
                error = std::string("checkpoint: ") + sqlite3_errmsg(db);
            }
            idle.notify_all();
        }
    }

    // SQLite calls this on the writer's thread after each commit, with the WAL's size.
    static int on_commit(void* self, sqlite3* writer, const char* schema, int pages) {
        auto& shared = *static_cast<Shared*>(self);
        if (pages < shared.limits.wake_pages) return SQLITE_OK;
        std::unique_lock lock(shared.mutex);
        if (pages < shared.backfilled) shared.backfilled = 0;  // the WAL started over
        if (pages >= shared.limits.restart_pages) {
            // The hard limit: the thread's checkpoint (if one runs) ends first, then the
            // writer's RESTART copies what is left and leaves the WAL unread, so the next
            // write starts it over. The thread starts none meanwhile: only this thread
            // sets `wanted`.
            shared.wanted = false;
            shared.idle.wait(lock, [&] { return !shared.running; });
            lock.unlock();
            // Without the busy handler: RESTART waits in it for every reader to leave the
            // WAL, so one that holds a read transaction (a backup, an operator's sqlite3
            // shell) would hold this thread for the whole busy timeout at every commit.
            // Without it, SQLite copies what it can and answers BUSY.
            sqlite3_busy_timeout(writer, 0);
            const int rc = sqlite3_wal_checkpoint_v2(writer, schema, SQLITE_CHECKPOINT_RESTART,
                                                     nullptr, nullptr);
            sqlite3_busy_timeout(writer, shared.writer_busy_timeout_ms);
            lock.lock();
            if (rc == SQLITE_OK) {
                ++shared.restarts;
                shared.backfilled = 0;
                shared.held_open = false;
            } else if (rc == SQLITE_BUSY) {
                // Tried again at the next commit. Meanwhile the WAL grows as with stock
                // SQLite, and disk fills, so the operator hears of it once per spell.
                if (!shared.held_open) {
                    shared.held_open = true;
                    shared.error =
                        "checkpoint: the WAL is at " + std::to_string(pages) +
                        " pages, past its limit of " + std::to_string(shared.limits.restart_pages) +
                        ", and cannot start over while another connection holds a read "
                        "transaction on the database (a backup, a sqlite3 shell); it grows "
                        "until that reader ends";
                }
            } else {
                shared.error = std::string("checkpoint: ") + sqlite3_errmsg(writer);
            }
            return SQLITE_OK;
        }
        // A checkpoint per wake_pages new frames, as SQLite's own would: not one per
        // commit while the WAL waits for its restart.
        if (pages - shared.backfilled < shared.limits.wake_pages || shared.wanted) return SQLITE_OK;
        shared.wanted = true;
        lock.unlock();
        shared.wake.notify_one();
        return SQLITE_OK;
    }
};

std::unique_ptr<WalCheckpointer> WalCheckpointer::start(const std::string& path,
                                                        bool fsync_each_commit, Limits limits,
                                                        std::string& error) {
    auto shared = std::make_unique<Shared>();
    shared->limits = limits;
    if (sqlite3_open_v2(path.c_str(), &shared->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        error = "checkpointer: open " + path + ": " +
                (shared->db ? sqlite3_errmsg(shared->db) : "out of memory");
        sqlite3_close(shared->db);
        return nullptr;
    }
    // The same durability as the writer's: NORMAL syncs at checkpoints, here.
    const char* sync =
        fsync_each_commit ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
    char* message = nullptr;
    if (sqlite3_exec(shared->db, sync, nullptr, nullptr, &message) != SQLITE_OK) {
        error = std::string("checkpointer: ") + (message ? message : "exec failed");
        sqlite3_free(message);
        sqlite3_close(shared->db);
        return nullptr;
    }
    // Its own automatic checkpoint would never fire (it commits nothing); off to be sure.
    sqlite3_wal_autocheckpoint(shared->db, 0);
    Shared* raw = shared.get();
    shared->thread = std::thread([raw] { raw->run(); });
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(shared)));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<Shared> shared) : shared_(std::move(shared)) {}

WalCheckpointer::~WalCheckpointer() {
    {
        std::lock_guard lock(shared_->mutex);
        shared_->stop = true;
    }
    shared_->wake.notify_one();
    shared_->thread.join();
    sqlite3_close_v2(shared_->db);
}

void WalCheckpointer::install(sqlite3* writer, int busy_timeout_ms) {
    shared_->writer_busy_timeout_ms = busy_timeout_ms;  // before the hook can read it
    // Replaces the hook that sqlite3_wal_autocheckpoint() installs: one hook per connection.
    sqlite3_wal_hook(writer, &Shared::on_commit, shared_.get());
}

std::uint64_t WalCheckpointer::checkpoints() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->done;
}

std::uint64_t WalCheckpointer::restarts() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->restarts;
}

std::string WalCheckpointer::take_error() {
    std::lock_guard lock(shared_->mutex);
    return std::exchange(shared_->error, {});
}

}  // namespace happysip::store
