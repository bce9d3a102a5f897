// happysipd put together: the SQLite location store, the registrar, digest authentication
// ([auth]: the user store, the nonce secret kept in var_dir), the SipServer and its
// listeners, the TLS identity (configured, or self-signed under var_dir with a loud
// warning), a timer that purges expired bindings, and the signals: SIGTERM/SIGINT drain
// and exit 0, SIGHUP is logged (reloading users comes with them).
#pragma once

#include "config.hpp"
#include "log.hpp"

namespace happysip::daemon {

// Runs until SIGTERM/SIGINT. Exit status: 0 after a signal, 1 when a store, the nonce
// secret, the TLS identity or a listener cannot be set up (the reason is logged).
int run_daemon(const Config& config, Logger& log);

}  // namespace happysip::daemon
