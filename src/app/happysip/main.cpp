// happysip: the command line. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include "options_command.hpp"
#include "parse_command.hpp"
#include "respond_command.hpp"
#include "user_command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"happysip: SIP tools for dual-stack networks"};
    app.require_subcommand(1);
    happysip::app::ParseOptions parse;
    CLI::App* parse_cmd = happysip::app::add_parse_command(app, parse);
    happysip::app::add_respond_command(app);
    happysip::app::add_user_command(app);
    happysip::app::add_options_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;  // usage error
    }
    if (parse_cmd->parsed()) return happysip::app::run_parse(parse);
    return 2;
}
