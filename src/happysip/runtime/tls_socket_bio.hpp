// TLS on a StreamConnection's socket: the BIO through which OpenSSL reads and writes the
// descriptor itself (no asio::ssl::stream and its buffers in between; see
// stream_connection.hpp), and what a failed SSL_* call on it means.
//
// OpenSSL's own socket BIO writes with write(2): a peer that is gone raises SIGPIPE, which
// kills a process that does not ignore it. This one sends with MSG_NOSIGNAL, as Asio does.
// It does not own the descriptor (the socket closes it); the connection detaches it before
// closing, so that no later SSL call can touch a descriptor number the kernel has reused.
#pragma once

#include <system_error>

struct bio_st;  // OpenSSL's BIO
struct ssl_st;  // OpenSSL's SSL

namespace happysip::runtime {

// A BIO on the non-blocking descriptor `fd`; nullptr when OpenSSL is out of memory.
bio_st* new_tls_socket_bio(int fd);

// From now on the SSL's socket BIO fails every read and write (EBADF) instead of using its
// descriptor. Harmless when `ssl` has no BIO yet.
void detach_tls_socket_bio(ssl_st* ssl);

// Before every SSL_* I/O call (SSL_read, SSL_write, SSL_do_handshake, SSL_shutdown):
// SSL_get_error() reads both this thread's OpenSSL error queue and errno, and must see only
// what that call left there (a stale EAGAIN would make an EOF look like would-block).
void clear_tls_errors();

// What a failed SSL_* call means as an error code, mapped as asio::ssl maps it (callers
// compare with eof, stream_truncated, connection_reset): `ssl_error` from SSL_get_error(),
// `saved_errno` the errno right after the call. The OpenSSL error queue is left for
// openssl_error_text().
std::error_code tls_io_error(int ssl_error, int saved_errno);

}  // namespace happysip::runtime
