#include "happysip/store/refresh_journal.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string_view>
#include <utility>

#include "happysip/auth/siphash.hpp"

namespace happysip::store {

namespace {

// The checksum's key names the record format: a file of another format (or another
// file) fails the check instead of being read as refreshes. SipHash rather than a CRC
// because the project has it already and it costs a few hundred instructions per record.
constexpr auth::SipHashKey k_format_key = {'h', 'a', 'p', 'p', 'y', 's', 'i', 'p',
                                           '-', 'r', 'j', '-', 'v', '1', 0,   0};
constexpr std::size_t k_checksummed = RefreshJournal::k_record_size - 4;  // before the checksum
constexpr std::size_t k_source_at = 29;  // after its length byte at 28
// Reads in whole records; a multiple of k_record_size.
constexpr std::size_t k_read_chunk = 2048 * RefreshJournal::k_record_size;
// What retire() frees per call: 512 pages of page cache, a fraction of a millisecond.
constexpr std::size_t k_retire_slice = 2 * 1024 * 1024;

void put_le(char* at, std::uint64_t value, int bytes) {
    if constexpr (std::endian::native == std::endian::little) {
        std::memcpy(at, &value, static_cast<std::size_t>(bytes));
    } else {
        for (int i = 0; i < bytes; ++i)
            at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
}

std::uint64_t get_le(const char* at, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i)
        value |= std::uint64_t{static_cast<unsigned char>(at[i])} << (8 * i);
    return value;
}

// Over the fields and the source's own bytes: the padding after it is never read.
std::uint32_t checksum(const char* record) {
    const std::size_t used = k_source_at + static_cast<unsigned char>(record[28]);
    return static_cast<std::uint32_t>(
        auth::siphash24(k_format_key, std::string_view(record, std::min(used, k_checksummed))));
}

// Layout: rowid (8), seq (8), expires_at (8), cseq (4), source length (1), source (63,
// zero-padded), checksum (4). `out` is k_record_size bytes of zeros.
void encode(std::int64_t rowid, std::int64_t seq, std::int64_t expires_at, std::uint32_t cseq,
            std::string_view source, char* out) {
    put_le(out, static_cast<std::uint64_t>(rowid), 8);
    put_le(out + 8, static_cast<std::uint64_t>(seq), 8);
    put_le(out + 16, static_cast<std::uint64_t>(expires_at), 8);
    put_le(out + 24, cseq, 4);
    out[28] = static_cast<char>(source.size());
    std::memcpy(out + k_source_at, source.data(), source.size());
    put_le(out + k_checksummed, checksum(out), 4);
}

bool decode(const char* in, JournalRecord& r) {
    const auto source_size = static_cast<unsigned char>(in[28]);
    if (get_le(in + k_checksummed, 4) != checksum(in) || source_size > RefreshJournal::k_max_source)
        return false;
    r.rowid = static_cast<std::int64_t>(get_le(in, 8));
    r.seq = static_cast<std::int64_t>(get_le(in + 8, 8));
    r.expires_at = static_cast<std::int64_t>(get_le(in + 16, 8));
    r.cseq = static_cast<std::uint32_t>(get_le(in + 24, 4));
    r.source.assign(in + k_source_at, source_size);
    return true;
}

// Fills `buffer` from `fd` unless the file ends first; bytes read, or -1 with errno set.
ssize_t read_full(int fd, std::string& buffer) {
    std::size_t have = 0;
    while (have < buffer.size()) {
        const ssize_t n = ::read(fd, buffer.data() + have, buffer.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) break;
        have += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(have);
}

std::string parent_dir(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

std::unique_ptr<RefreshJournal> RefreshJournal::open(std::string path, Sync sync,
                                                     std::string& error,
                                                     std::size_t reserve_bytes) {
    // Read and write: a shared writable mapping needs both.
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "refresh journal " + path + ": open: " + std::strerror(errno);
        return nullptr;
    }
    ::unlink((path + ".tmp").c_str());  // a compaction that a crash interrupted
    return std::unique_ptr<RefreshJournal>(
        new RefreshJournal(std::move(path), sync, fd, std::max(reserve_bytes, k_record_size)));
}

RefreshJournal::RefreshJournal(std::string path, Sync sync, int fd, std::size_t reserve_bytes)
    : path_(std::move(path)), sync_(sync), fd_(fd), reserve_bytes_(reserve_bytes) {}

RefreshJournal::~RefreshJournal() {
    abandon_compaction();
    unmap();
    // The zeros grown ahead are not left behind: the next open reads records only.
    if (fd_ >= 0 && end_known_ && file_length_ > file_bytes_)
        (void)!::ftruncate(fd_, static_cast<off_t>(file_bytes_));
    if (fd_ >= 0) ::close(fd_);
    if (retiring_fd_ >= 0) ::close(retiring_fd_);
}

void RefreshJournal::unmap() noexcept {
    if (map_ != nullptr) ::munmap(map_, mapped_);
    map_ = nullptr;
    mapped_ = 0;
}

JournalStatus RefreshJournal::make_room(std::size_t bytes) {
    const std::size_t needed = file_bytes_ + bytes;
    if (map_ != nullptr && needed <= mapped_) return {};
    if (needed > file_length_) {
        // Zeros up to the next multiple of the reserve: written, so that the blocks are
        // the file's now (a full disk fails here, not as a SIGBUS in a store later).
        static const std::array<char, 64 * 1024> k_zeros{};
        const std::size_t length = (needed + reserve_bytes_ - 1) / reserve_bytes_ * reserve_bytes_;
        while (file_length_ < length) {
            const std::size_t n = std::min(k_zeros.size(), length - file_length_);
            const ssize_t w = ::pwrite(fd_, k_zeros.data(), n, static_cast<off_t>(file_length_));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return failure("write", errno);
            if (w == 0) return failure("write", EIO);
            file_length_ += static_cast<std::size_t>(w);
        }
        if (sync_ == Sync::fsync && ::fdatasync(fd_) != 0) return failure("write", errno);
    }
    unmap();
    void* m = ::mmap(nullptr, file_length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (m == MAP_FAILED) return failure("mmap", errno);
    map_ = static_cast<char*>(m);
    mapped_ = file_length_;
    return {};
}

JournalStatus RefreshJournal::failure(const char* what, int error) const {
    return {false, "refresh journal " + path_ + ": " + what + ": " + std::strerror(error)};
}

int RefreshJournal::write_all(int fd, const std::string& bytes, std::size_t& written) {
    written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return EIO;
        written += static_cast<std::size_t>(n);
    }
    return 0;
}

JournalStatus RefreshJournal::read(std::vector<JournalRecord>& out, std::string& warning) {
    abandon_compaction();  // it examined the file as it was; read() may cut its tail
    unmap();               // and a mapping past the file's new end would fault
    // Through the path, not fd_: the file is what survives, whatever fd_ became.
    const int in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) return failure("open for reading", errno);
    struct stat st {};
    if (::fstat(in, &st) != 0) {
        const int e = errno;
        ::close(in);
        return failure("stat", e);
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    std::string buffer(k_read_chunk, '\0');
    std::size_t valid = 0;
    std::int64_t last_seq = std::numeric_limits<std::int64_t>::min();
    bool damaged = false;
    while (!damaged) {
        const ssize_t n = read_full(in, buffer);
        if (n < 0) {
            const int e = errno;
            ::close(in);
            return failure("read", e);
        }
        const auto have = static_cast<std::size_t>(n);
        for (std::size_t at = 0; at + k_record_size <= have; at += k_record_size) {
            JournalRecord r;
            // Records are appended in seq order: an older seq after a newer one is stale
            // data (blocks of a file since truncated), not a refresh.
            if (!decode(buffer.data() + at, r) || r.seq <= last_seq) {
                damaged = true;
                break;
            }
            out.push_back(r);
            last_seq = r.seq;
            valid += k_record_size;
        }
        if (have < buffer.size()) break;
    }
    // After the records: zeros (grown ahead, never written) say nothing; anything else is
    // a torn or damaged tail, up to its last byte that is not zero.
    std::size_t tail_end = valid;
    for (std::size_t at = valid; at < size;) {
        const std::size_t want = std::min(buffer.size(), size - at);
        const ssize_t n = ::pread(in, buffer.data(), want, static_cast<off_t>(at));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int e = errno;
            ::close(in);
            return failure("read", e);
        }
        if (n == 0) break;
        const auto chunk = std::string_view(buffer.data(), static_cast<std::size_t>(n));
        const auto last = chunk.find_last_not_of('\0');
        if (last != std::string_view::npos) tail_end = at + last + 1;
        at += static_cast<std::size_t>(n);
    }
    ::close(in);
    file_bytes_ = valid;
    file_length_ = size;
    end_known_ = true;
    if (tail_end > valid) {
        warning = "refresh journal " + path_ + ": ignored " + std::to_string(tail_end - valid) +
                  " bytes of torn or damaged tail after " + std::to_string(valid / k_record_size) +
                  " records";
    }
    if (size > valid) {
        if (::ftruncate(fd_, static_cast<off_t>(valid)) == 0) {
            file_length_ = valid;
        } else if (tail_end > valid) {
            usable_ = false;
            warning += std::string("; cutting it off failed: ") + std::strerror(errno);
        }
    }
    return {};
}

void RefreshJournal::add(std::int64_t rowid, std::int64_t seq, std::int64_t expires_at,
                         std::uint32_t cseq, std::string_view source) {
    const std::size_t at = pending_.size();
    pending_.resize(at + k_record_size);  // zeros: the source's padding
    encode(rowid, seq, expires_at, cseq, source.substr(0, k_max_source), pending_.data() + at);
}

JournalStatus RefreshJournal::flush() {
    if (pending_.empty()) return {};
    if (!usable_) {
        pending_.clear();
        return {false, "refresh journal " + path_ + ": unusable since a failed write"};
    }
    if (!end_known_) {  // appends go after the file's valid records: find them
        std::vector<JournalRecord> ignored;
        std::string warning;
        if (auto s = read(ignored, warning); !s.ok) {
            pending_.clear();
            return s;
        }
    }
    if (auto s = make_room(pending_.size()); !s.ok) {
        pending_.clear();
        return s;
    }
    char* at = map_ + file_bytes_;
    std::memcpy(at, pending_.data(), pending_.size());
    if (sync_ == Sync::fsync) {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t from = file_bytes_ / page * page;
        if (::msync(map_ + from, file_bytes_ + pending_.size() - from, MS_SYNC) != 0) {
            const int error = errno;
            // Not durable, so not records: zeros again, which read() passes over.
            std::memset(at, 0, pending_.size());
            pending_.clear();
            return failure("msync", error);
        }
    }
    file_bytes_ += pending_.size();
    pending_.clear();  // keeps its capacity for the next group
    return {};
}

struct RefreshJournal::Compaction {
    int in = -1;           // the journal as it is, for reading
    int out = -1;          // the new file
    std::size_t next = 0;  // bytes of `in` examined
    std::string buffer;    // records read
    std::string kept;      // encoded records not yet written to `out`
    std::size_t damaged = 0;
};

JournalStatus RefreshJournal::begin_compaction() {
    abandon_compaction();
    auto c = std::make_unique<Compaction>();
    c->in = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (c->in < 0) return failure("compaction: open", errno);
    const std::string tmp = path_ + ".tmp";
    // Read and write: it becomes the journal, which is mapped.
    c->out = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (c->out < 0) {
        const int e = errno;
        ::close(c->in);
        return failure("compaction: open", e);
    }
    compaction_ = std::move(c);
    return {};
}

JournalStatus RefreshJournal::examine(std::size_t max, std::vector<JournalRecord>& out) {
    out.clear();
    Compaction& c = *compaction_;
    if (c.kept.size() >= k_read_chunk) {
        if (auto s = write_kept(); !s.ok) return s;
    }
    // An empty `out` tells the caller that all is examined (it then keeps the rest
    // unexamined): a batch of damaged records only must not end the examination.
    while (out.empty() && c.next < file_bytes_) {
        // Up to the end of the file as it is now: records appended since begin_compaction()
        // are examined too, so finish_compaction() has (nearly) nothing left to copy.
        const std::size_t records = std::clamp<std::size_t>(max, 1, k_read_chunk / k_record_size);
        const std::size_t bytes = std::min(records * k_record_size, file_bytes_ - c.next);
        c.buffer.resize(bytes);
        std::size_t have = 0;
        while (have < bytes) {
            const ssize_t n = ::pread(c.in, c.buffer.data() + have, bytes - have,
                                      static_cast<off_t>(c.next + have));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return failure("compaction: read", errno);
            if (n == 0) return failure("compaction: read", EIO);  // shorter than it was
            have += static_cast<std::size_t>(n);
        }
        for (std::size_t at = 0; at < bytes; at += k_record_size) {
            JournalRecord r;
            if (decode(c.buffer.data() + at, r))
                out.push_back(std::move(r));
            else
                ++c.damaged;
        }
        c.next += bytes;
    }
    return {};
}

void RefreshJournal::keep(const JournalRecord& r) {
    std::string& kept = compaction_->kept;
    const std::size_t at = kept.size();
    kept.resize(at + k_record_size);
    encode(r.rowid, r.seq, r.expires_at, r.cseq, std::string_view(r.source).substr(0, k_max_source),
           kept.data() + at);
}

JournalStatus RefreshJournal::write_kept() {
    Compaction& c = *compaction_;
    std::size_t written = 0;
    if (const int error = write_all(c.out, c.kept, written); error != 0)
        return failure("compaction: write", error);
    c.kept.clear();
    // Starts writing the new file out now, without waiting: ext4 (auto_da_alloc) writes
    // out a file renamed over another inside rename(), which held the thread ~25 ms for a
    // million bindings' records when they were all still dirty.
    ::sync_file_range(c.out, 0, 0, SYNC_FILE_RANGE_WRITE);
    return {};
}

JournalStatus RefreshJournal::finish_compaction() {
    // Records not examined yet (appended since the last examine()) are all kept: each is
    // newer than every record examined.
    Compaction& c = *compaction_;
    std::vector<JournalRecord> rest;
    while (c.next < file_bytes_) {
        if (auto s = examine((file_bytes_ - c.next) / k_record_size, rest); !s.ok) return s;
        for (const JournalRecord& r : rest)
            keep(r);
    }
    if (auto s = write_kept(); !s.ok) return s;
    const std::string tmp = path_ + ".tmp";
    struct stat st {};
    if (::fstat(c.out, &st) != 0) return failure("compaction: stat", errno);
    if (sync_ == Sync::fsync && ::fdatasync(c.out) != 0) return failure("compaction", errno);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) return failure("compaction: rename", errno);
    if (sync_ == Sync::fsync) {
        // The rename itself is durable only once the directory is.
        const int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            ::fsync(dir);
            ::close(dir);
        }
    }
    // The old file's pages are freed when its last descriptor closes: 190 MB at a million
    // bindings held the thread ~100 ms in close(). retire() frees them in slices instead.
    ::close(c.in);
    c.in = -1;
    // One file is retired at a time: one still being freed is closed now (its last pages
    // at once), not left open, with its disk space, until the process ends.
    if (retiring_fd_ >= 0) ::close(retiring_fd_);
    unmap();  // the old file's; the new one is mapped by the next flush()
    retiring_fd_ = fd_;
    retiring_bytes_ = file_length_;
    fd_ = std::exchange(c.out, -1);
    file_bytes_ = file_length_ = static_cast<std::size_t>(st.st_size);
    end_known_ = true;
    usable_ = true;
    compaction_.reset();
    return {};
}

void RefreshJournal::abandon_compaction() noexcept {
    if (!compaction_) return;
    if (compaction_->in >= 0) ::close(compaction_->in);
    if (compaction_->out >= 0) {
        ::close(compaction_->out);
        ::unlink((path_ + ".tmp").c_str());
    }
    compaction_.reset();
}

void RefreshJournal::retire() {
    if (retiring_fd_ < 0) return;
    retiring_bytes_ -= std::min(retiring_bytes_, k_retire_slice);
    // A failed truncate changes nothing that matters: close() frees the rest at once.
    if (retiring_bytes_ == 0 ||
        ::ftruncate(retiring_fd_, static_cast<off_t>(retiring_bytes_)) != 0) {
        ::close(retiring_fd_);
        retiring_fd_ = -1;
        retiring_bytes_ = 0;
    }
}

std::size_t RefreshJournal::damaged_records() const noexcept {
    return compaction_ ? compaction_->damaged : 0;
}

}  // namespace happysip::store
