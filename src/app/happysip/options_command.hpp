// `happysip options URI [--proxy HOST[:PORT]] [--transport udp|tcp|tls] [--family auto|6|4]
//  [--attempt-delay MS] [--no-happy-eyeballs] [--timeout S] [--count N] [--json] ...`:
// sends OPTIONS the way a dual-stack phone would (RFC 3263 from the system's DNS, Happy
// Eyeballs over the candidates) and prints a timeline: DNS answers, each attempt, the
// winner, time to first response, final status. Exit 0 when every request got a 2xx,
// 1 on another final response, a timeout or no address, 2 on a usage error.
#pragma once

namespace CLI {
class App;
}

namespace happysip::app {

// Registers the subcommand; when chosen, it runs from CLI11's callback and the process
// exits with its status.
void add_options_command(CLI::App& app);

}  // namespace happysip::app
