// `happysip respond --listen udp:[::1]:5060 --listen tcp:127.0.0.1:5060 --listen tls:[::]:5061
//  [--cert PEM --key PEM] [--max-seconds N]`: a test responder. It answers OPTIONS with
// 200, CANCEL per RFC 3261 §9.2, every other request but ACK with 501, through real
// server transactions (retransmissions are absorbed and re-answered), and prints one JSON
// line per new server transaction. Exit 0 on SIGINT/SIGTERM or after --max-seconds,
// 2 on a usage or listen error.
#pragma once

namespace CLI {
class App;
}

namespace happysip::app {

// Registers the subcommand; when it is chosen, it runs from CLI11's callback and the
// process exits with its status (so main needs no more than this one call).
void add_respond_command(CLI::App& app);

}  // namespace happysip::app
