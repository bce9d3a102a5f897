// `happysip parse [FILE|-] [--json] [--crlf]`: checks one captured message and prints
// what a stack reads from it. Exit 0 valid, 1 invalid (reason on stderr), 2 usage.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace happysip::app {

struct ParseOptions {
    std::string input = "-";
    bool json = false;
    bool crlf = false;  // turn bare LF line ends into CRLF first (text pasted from a capture)
};

CLI::App* add_parse_command(CLI::App& app, ParseOptions& options);
int run_parse(const ParseOptions& options);

}  // namespace happysip::app
