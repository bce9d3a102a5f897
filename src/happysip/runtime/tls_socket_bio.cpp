#include "happysip/runtime/tls_socket_bio.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <asio/error.hpp>
#include <asio/ssl/error.hpp>
#include <cerrno>
#include <cstdint>

namespace happysip::runtime {
namespace {

constexpr int k_detached = -1;

int socket_fd(BIO* bio) {
    return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(bio)));
}

void set_fd(BIO* bio, int fd) {
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
}

bool retryable(int e) {
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

int bio_write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    int fd = socket_fd(bio);
    if (fd == k_detached) {
        errno = EBADF;
        return -1;
    }
    ssize_t n = ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n < 0 && retryable(errno)) BIO_set_retry_write(bio);
    return static_cast<int>(n);
}

int bio_read(BIO* bio, char* into, int size) {
    BIO_clear_retry_flags(bio);
    int fd = socket_fd(bio);
    if (fd == k_detached) {
        errno = EBADF;
        return -1;
    }
    ssize_t n = ::recv(fd, into, static_cast<std::size_t>(size), 0);
    if (n < 0 && retryable(errno)) BIO_set_retry_read(bio);
    return static_cast<int>(n);  // 0: the peer closed
}

long bio_ctrl(BIO*, int command, long, void*) {
    return command == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

struct SocketMethod {
    int type = 0;
    BIO_METHOD* method = nullptr;
};

const SocketMethod& socket_method() {
    static const SocketMethod ours = [] {
        SocketMethod s;
        s.type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;
        s.method = BIO_meth_new(s.type, "happysip socket");
        if (!s.method) return s;
        BIO_meth_set_write(s.method, bio_write);
        BIO_meth_set_read(s.method, bio_read);
        BIO_meth_set_ctrl(s.method, bio_ctrl);
        return s;
    }();
    return ours;
}

}  // namespace

BIO* new_tls_socket_bio(int fd) {
    BIO_METHOD* method = socket_method().method;
    BIO* bio = method ? BIO_new(method) : nullptr;
    if (!bio) return nullptr;
    set_fd(bio, fd);
    BIO_set_init(bio, 1);
    return bio;
}

void detach_tls_socket_bio(SSL* ssl) {
    // One BIO serves both directions (SSL_set_bio(ssl, bio, bio)).
    BIO* bio = ssl ? SSL_get_rbio(ssl) : nullptr;
    if (bio && BIO_method_type(bio) == socket_method().type) set_fd(bio, k_detached);
}

void clear_tls_errors() {
    ERR_clear_error();
    errno = 0;
}

std::error_code tls_io_error(int ssl_error, int saved_errno) {
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return asio::error::eof;  // close_notify
    unsigned long code = ERR_peek_error();
    if (ssl_error == SSL_ERROR_SYSCALL && code == 0)
        return saved_errno != 0 ? std::error_code(saved_errno, asio::error::get_system_category())
                                : std::error_code(asio::ssl::error::stream_truncated);
    if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        return asio::ssl::error::stream_truncated;  // closed without close_notify
    }
    if (code == 0) return std::make_error_code(std::errc::protocol_error);
    return {static_cast<int>(code), asio::error::get_ssl_category()};
}

}  // namespace happysip::runtime
