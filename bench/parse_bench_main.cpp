// parse_bench: parse throughput of happysip, sofia-sip and osip2 on one message set.
//
//   parse_bench [--messages DIR] [benchmark flags...]
//
// DIR defaults to $HAPPYSIP_BENCH_MESSAGES, then to the shared set the build was configured
// with. Each benchmark iteration parses every message of DIR once.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>

#include "message_set.hpp"

namespace {

constexpr std::string_view k_messages_flag = "--messages";

// Removes `--messages DIR` / `--messages=DIR` from argv (benchmark::Initialize rejects unknown
// flags) and returns the directory to load.
std::filesystem::path take_messages_dir(int& argc, char** argv) {
    std::filesystem::path dir = HAPPYSIP_BENCH_DEFAULT_MESSAGES;
    if (const char* env = std::getenv("HAPPYSIP_BENCH_MESSAGES"); env != nullptr && *env != '\0') {
        dir = env;
    }
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == k_messages_flag) {
            if (i + 1 == argc) {
                std::cerr << "parse_bench: --messages needs a directory\n";
                std::exit(2);
            }
            dir = argv[++i];
        } else if (arg.starts_with(k_messages_flag) && arg[k_messages_flag.size()] == '=') {
            dir = std::string(arg.substr(k_messages_flag.size() + 1));
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    argv[argc] = nullptr;
    return dir;
}

bool wants_help(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0) return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace happysip::bench;

    if (wants_help(argc, argv)) {
        std::cout << "parse_bench [--messages DIR] [benchmark flags]\n"
                     "  --messages DIR  directory of *.sip messages (env HAPPYSIP_BENCH_MESSAGES,"
                     " default " HAPPYSIP_BENCH_DEFAULT_MESSAGES ")\n\n";
        benchmark::Initialize(&argc, argv);  // prints Google Benchmark's own flags and exits
        return 0;
    }

    const std::filesystem::path dir = take_messages_dir(argc, argv);
    MessageSet set;
    try {
        set = MessageSet::load(dir);
    } catch (const std::exception& e) {
        std::cerr << "parse_bench: " << e.what() << '\n';
        return 2;
    }

    register_happysip(set);
    register_sofia(set);
    register_osip2(set);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("messages", set.directory().string());
    benchmark::AddCustomContext("message_count", std::to_string(set.size()));
    benchmark::AddCustomContext("message_bytes", std::to_string(set.total_bytes()));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
