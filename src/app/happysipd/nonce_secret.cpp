#include "nonce_secret.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace happysip::daemon {

namespace {

std::string os_error(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

// Reads the whole (small) file; false with `error` set on failure.
bool read_secret(int fd, const std::string& path, NonceSecret& out) {
    char buffer[k_nonce_secret_length + 1];
    std::size_t got = 0;
    while (got < sizeof buffer) {
        ssize_t n = ::read(fd, buffer + got, sizeof buffer - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            out.error = os_error("cannot read", path);
            return false;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    if (got != k_nonce_secret_length) {
        out.error = path + ": expected " + std::to_string(k_nonce_secret_length) +
                    " bytes, found " +
                    (got > k_nonce_secret_length ? "more" : std::to_string(got)) +
                    " (remove the file to draw a new secret)";
        return false;
    }
    out.bytes.assign(buffer, got);
    return true;
}

// `raced`: the file appeared between our open and our create (another daemon made it).
NonceSecret create(const std::string& path, bool& raced) {
    NonceSecret out;
    std::string bytes(k_nonce_secret_length, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size())) != 1) {
        out.error = "RAND_bytes failed: no entropy for the nonce secret";
        return out;
    }
    // O_EXCL: two daemons starting on one var_dir must not each write their own secret.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        raced = errno == EEXIST;
        out.error = os_error("cannot create", path);
        return out;
    }
    std::size_t put = 0;
    while (put < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + put, bytes.size() - put);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        put += static_cast<std::size_t>(n);
    }
    bool ok = put == bytes.size() && ::fsync(fd) == 0;
    if (!ok) out.error = os_error("cannot write", path);
    ::close(fd);
    if (!ok) {
        ::unlink(path.c_str());  // a short file would refuse the next start
        return out;
    }
    out.bytes = std::move(bytes);
    out.created = true;
    return out;
}

}  // namespace

NonceSecret load_or_create_nonce_secret(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) return NonceSecret{{}, os_error("cannot open", path)};
        bool raced = false;
        NonceSecret made = create(path, raced);
        if (!raced) return made;
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // another process won the race
        if (fd < 0) return NonceSecret{{}, os_error("cannot open", path)};
    }
    NonceSecret out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) out.fixed_mode = ::fchmod(fd, 0600) == 0;
    read_secret(fd, path, out);
    ::close(fd);
    return out;
}

}  // namespace happysip::daemon
