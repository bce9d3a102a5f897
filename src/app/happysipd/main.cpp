// happysipd: the SIP registrar (and, soon, proxy). `happysipd [--config FILE]
// [--check-config]`. Exit status: 0 after SIGTERM/SIGINT or a good --check-config, 1 when
// the store, TLS or a listener cannot be set up, 2 for a usage or configuration error.
#include <malloc.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <variant>

#include "config.hpp"
#include "daemon.hpp"
#include "log.hpp"

namespace {

// glibc gives memory at the top of the heap back to the kernel as soon as 128 KiB of it is
// free, and asks for it again on the next burst: under steady load that is a brk() call
// and fresh zeroed pages (page faults) every few dozen requests. A server's working set
// comes back, so keep up to 64 MiB of free heap and grow it 4 MiB at a time. With tcmalloc
// linked (src/app/CMakeLists.txt) mallopt is tcmalloc's, which ignores it: its page heap
// keeps freed spans and hands memory back gradually, not at every burst.
void keep_free_heap() {
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 4 << 20);
}

// Every TCP/TLS flow (RFC 5626) holds a descriptor, and the soft limit is often 1024: take
// what the hard limit allows, as servers do. Failing leaves the soft limit as it was.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    // An unlimited hard limit is still bounded by fs.nr_open (1,048,576 by default).
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? rlim_t{1} << 20 : limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
    keep_free_heap();
    raise_descriptor_limit();
    CLI::App app{"happysipd: a dual-stack SIP registrar and proxy, secure by default"};
    std::string config_file;
    bool check_only = false;
    app.add_option("--config", config_file, "TOML configuration (docs/configuration.md)");
    app.add_flag("--check-config", check_only, "check the configuration and exit (0 good, 2 bad)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }

    using namespace happysip::daemon;
    Config config = default_config();
    if (!config_file.empty()) {
        auto loaded = load_config(config_file);
        if (auto* error = std::get_if<ConfigError>(&loaded)) {
            std::cerr << "happysipd: " << error->to_string() << "\n";
            return 2;
        }
        config = std::get<Config>(std::move(loaded));
    }
    if (check_only) {
        std::cout << "happysipd: configuration "
                  << (config_file.empty() ? "(defaults)" : config_file) << " is valid\n";
        std::cout << "listen:";  // the effective listeners, defaults included
        for (const auto& spec : config.listen)
            std::cout << " " << spec.text;
        std::cout << "\n";
        // The RFC 3261 timers in effect, with what an operator feels: how long a silent
        // branch lasts before its 408.
        const auto& sip = config.sip;
        char timer_b[32];
        std::snprintf(timer_b, sizeof timer_b, "%.1f", 64 * sip.t1_ms / 1000.0);
        std::cout << "sip: t1_ms=" << sip.t1_ms << " t2_ms=" << sip.t2_ms << " t4_ms=" << sip.t4_ms
                  << " (Timer B/F " << timer_b << " s)\n";
        return 0;
    }
    Logger log(config.log_level);
    return run_daemon(config, log);
}
