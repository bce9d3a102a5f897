// The refresh journal: an append-only file beside the location database
// (`happysip.sqlite-refresh`) that makes a REGISTER refresh durable without a SQLite write.
//
// Why: nearly every REGISTER refreshes a binding that is already stored (same Call-ID and
// Contact, higher CSeq), which changes two numbers, CSeq and expiry, and sometimes the
// source, when the phone's NAT mapping (or its flow, RFC 5626) moved. As a SQLite UPDATE
// that costs ~11,000 instructions (SQLite re-encodes the whole row) plus BEGIN/COMMIT and
// two page writes per dirty page; as a journal record it is 96 bytes in one copy per
// group (issue 4: "CPU per REGISTER at most half of Kamailio's, registrations durable").
//
// A record is (rowid, seq, expires_at, cseq, source, checksum), fixed size, little-endian,
// the source in a slot of k_max_source bytes (a longer one is written to SQLite). `seq` is
// the store-wide sequence number that every SQLite write of a row carries too: on open a
// record applies only to a row whose seq is older, so a record of a binding since removed
// cannot touch a new binding that reused its rowid. The checksum (SipHash-2-4 under a
// fixed key naming the format) and strictly increasing seqs mark where valid records end:
// a torn or garbage tail (kill -9 mid-write, power loss) is ignored and cut off, with a
// warning.
//
// Records are appended by copying them into a shared mapping of the file, not by write():
// a write() per group commit was ~4.5 % of happysipd's CPU per refresh in perf (the page
// cache copy, the size and mtime updates of the inode), where a store into the mapping is
// a memcpy. The file is grown ahead by `reserve_bytes` of zeros at a time, written with
// write() so that a full disk is an error then (ENOSPC), never a SIGBUS later; a zero
// tail ends the records like any invalid one, and read() passes over it silently.
//
// Durability is the database's: with synchronous=NORMAL a committed write is in the page
// cache, so it survives kill -9 but not necessarily a power loss; a store into a shared
// mapping is the same (the page cache is what is mapped), and Sync::fsync adds an
// msync(MS_SYNC) for a database that syncs each commit. One process owns the file (as it
// owns the bindings table), and nothing else may truncate it while it is mapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace happysip::store {

struct JournalRecord {
    std::int64_t rowid = 0;
    std::int64_t seq = 0;
    std::int64_t expires_at = 0;
    std::uint32_t cseq = 0;
    std::string source;  // "udp:[2001:db8::2]:5060", at most k_max_source bytes
    friend bool operator==(const JournalRecord&, const JournalRecord&) = default;
};

struct JournalStatus {
    bool ok = true;
    std::string error;  // "refresh journal X: write: No space left on device"
};

class RefreshJournal {
  public:
    static constexpr std::size_t k_record_size = 96;
    // "tls:[" + the longest IPv6 text (45 with an embedded IPv4) + "]:65535" fits.
    static constexpr std::size_t k_max_source = 63;
    enum class Sync { page_cache, fsync };
    // How far the file is grown ahead of its records: 1 MiB, 10,922 records.
    static constexpr std::size_t k_default_reserve = 1 << 20;

    // Opens (creating) the journal at `path` for appending; nullptr + `error` on failure.
    // `reserve_bytes` (at least one record): see above; tests make it one record, so that
    // every flush() grows the file.
    static std::unique_ptr<RefreshJournal> open(std::string path, Sync sync, std::string& error,
                                                std::size_t reserve_bytes = k_default_reserve);
    ~RefreshJournal();
    RefreshJournal(const RefreshJournal&) = delete;
    RefreshJournal& operator=(const RefreshJournal&) = delete;

    // Reads the file's valid records, in file order, into `out`. A torn or damaged tail is
    // cut off (so that later appends follow valid records) and described in `warning`; a
    // tail of zeros (space grown ahead) is cut off without one. The first flush() reads
    // the file itself if nothing did: appends go after its valid records.
    JournalStatus read(std::vector<JournalRecord>& out, std::string& warning);

    // Buffers a record for the next flush(): a group's refreshes leave in one copy.
    // `source` must fit (k_max_source).
    void add(std::int64_t rowid, std::int64_t seq, std::int64_t expires_at, std::uint32_t cseq,
             std::string_view source);
    void add(const JournalRecord& r) { add(r.rowid, r.seq, r.expires_at, r.cseq, r.source); }
    bool has_pending() const noexcept { return !pending_.empty(); }
    void discard() noexcept { pending_.clear(); }
    // Appends the buffered records (the buffer is emptied either way). On failure (the
    // file could not grow, or with Sync::fsync the msync failed) nothing of them is left
    // as a valid record; if the file cannot be put back in order the journal is no longer
    // usable() and the store writes refreshes to SQLite.
    JournalStatus flush();
    bool usable() const noexcept { return usable_; }

    // Records in the file (what compaction compares with the live bindings).
    std::size_t records() const noexcept { return file_bytes_ / k_record_size; }
    std::size_t pending_records() const noexcept { return pending_.size() / k_record_size; }

    // Compaction, in steps, so that no one call holds the caller long: rewriting a million
    // bindings' records in one go held happysipd's I/O thread for seconds
    // (docs/benchmarks.md). begin_compaction() opens the new file beside the journal;
    // examine() reads the next records in file order, those appended since included, until
    // it has caught up with the file; keep() puts one in the new file; finish_compaction()
    // keeps any appended since the last examine(), then renames the new file over the
    // journal, so a crash leaves either file whole. Records keep their seqs and their
    // order, so seqs still increase, as read() requires. After a failure,
    // abandon_compaction(): the old file stays as it was.
    JournalStatus begin_compaction();
    bool compacting() const noexcept { return compaction_ != nullptr; }
    // Up to `max` records not yet examined, into `out` (cleared first); `out` stays empty
    // once every record in the file has been. A record that fails its checksum (the disk changed
    // under us) is left out of `out` and of the new file, and counted in damaged_records().
    JournalStatus examine(std::size_t max, std::vector<JournalRecord>& out);
    void keep(const JournalRecord& r);
    JournalStatus finish_compaction();
    void abandon_compaction() noexcept;
    std::size_t damaged_records() const noexcept;
    // The file a compaction replaced is freed a slice (2 MiB) per call, then closed;
    // call it now and then (each group commit). Nothing when there is none.
    void retire();
    bool retiring() const noexcept { return retiring_fd_ >= 0; }

    const std::string& path() const noexcept { return path_; }

  private:
    RefreshJournal(std::string path, Sync sync, int fd, std::size_t reserve_bytes);
    JournalStatus failure(const char* what, int error) const;
    // Grows the file (zeros) and its mapping so that `bytes` more fit after the records.
    JournalStatus make_room(std::size_t bytes);
    void unmap() noexcept;
    // write() all of `bytes` (short writes continue); errno value on failure, else 0.
    static int write_all(int fd, const std::string& bytes, std::size_t& written);
    // Writes the kept records buffered so far to the new file.
    JournalStatus write_kept();

    struct Compaction;

    std::string path_;
    Sync sync_;
    int fd_ = -1;
    std::size_t reserve_bytes_;
    std::size_t file_bytes_ = 0;   // whole valid records only
    std::size_t file_length_ = 0;  // the file's size: the records, then zeros
    bool end_known_ = false;       // file_bytes_ and file_length_ read from the file
    char* map_ = nullptr;          // the whole file, shared; null until the first flush
    std::size_t mapped_ = 0;
    std::string pending_;                     // encoded records not yet written
    std::unique_ptr<Compaction> compaction_;  // nullptr: none in progress
    int retiring_fd_ = -1;                    // the replaced file, unlinked, being freed
    std::size_t retiring_bytes_ = 0;
    bool usable_ = true;
};

}  // namespace happysip::store
