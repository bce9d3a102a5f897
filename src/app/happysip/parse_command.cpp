#include "parse_command.hpp"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"
#include "message_summary.hpp"

namespace happysip::app {
namespace {

std::optional<std::string> read_input(const std::string& path) {
    if (path == "-") {
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string to_crlf(const std::string& in) {
    std::string out;
    out.reserve(in.size() + 64);
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) out.push_back('\r');
        out.push_back(in[i]);
    }
    return out;
}

}  // namespace

CLI::App* add_parse_command(CLI::App& app, ParseOptions& options) {
    CLI::App* cmd = app.add_subcommand(
        "parse", "Check one SIP message (file or stdin) and print what a stack reads from it");
    cmd->add_option("file", options.input, "message file, or - for standard input")
        ->default_val("-");
    cmd->add_flag("--json", options.json, "print the summary as JSON");
    cmd->add_flag("--crlf", options.crlf,
                  "turn bare LF line ends into CRLF first (for text copied from a capture)");
    return cmd;
}

int run_parse(const ParseOptions& options) {
    auto bytes = read_input(options.input);
    if (!bytes) {
        std::cerr << "happysip parse: cannot read " << options.input << "\n";
        return 2;
    }
    if (options.crlf) *bytes = to_crlf(*bytes);
    auto message = sip::parse_message(std::move(*bytes));
    if (!message) {
        std::cerr << "invalid: " << message.error().to_string() << "\n";
        return 1;
    }
    auto key = sip::interpret_key_headers(*message);
    std::optional<sip::ParseError> error =
        key ? sip::validate_message(*message) : std::optional(key.error());
    if (error) {
        std::cerr << "invalid: " << error->to_string() << "\n";
        return 1;
    }
    nlohmann::json summary = summarize(*message, *key);
    if (options.json)
        std::cout << summary.dump(2) << "\n";
    else
        std::cout << format_summary(summary);
    return 0;
}

}  // namespace happysip::app
