// `happysip user add|del|list|passwd`: manage the digest users of happysipd in its SQLite
// database (default ./var/happysip.sqlite, realm localhost). Users are stored as HA1 per
// hash (auth/ha1.hpp), never as passwords; a password is read from the terminal with echo
// off (twice) or, with --password-stdin, as one line from standard input, and must pass
// auth/password_policy.hpp. Nothing prints or logs a password or an HA1.
// Exit status: 0 done; 1 refused (weak password, user exists or unknown, passwords differ,
// storage error); 2 usage error.
#pragma once

namespace CLI {
class App;
}

namespace happysip::app {

// Registers the subcommand; when it is chosen, it runs from CLI11's callback and the
// process exits with its status (so main needs no more than this one call).
void add_user_command(CLI::App& app);

}  // namespace happysip::app
