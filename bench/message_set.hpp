// The messages parse_bench feeds to every parser, and the one loop all parsers are timed in,
// so that happysip and its peers do exactly the same work per iteration.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace happysip::bench {

struct MessageFile {
    std::string name;   // file name, e.g. "01-invite-ipv6-sdp.sip"
    std::string bytes;  // the message exactly as on disk (CRLF line ends)
};

class MessageSet {
  public:
    // Every *.sip file of `dir`, sorted by name. Throws std::runtime_error with a readable
    // message if the directory is missing, unreadable or holds no .sip file.
    static MessageSet load(const std::filesystem::path& dir);

    const std::filesystem::path& directory() const noexcept { return directory_; }
    const std::vector<MessageFile>& messages() const noexcept { return messages_; }
    std::size_t size() const noexcept { return messages_.size(); }
    std::size_t total_bytes() const noexcept { return total_bytes_; }

  private:
    std::filesystem::path directory_;
    std::vector<MessageFile> messages_;
    std::size_t total_bytes_ = 0;
};

// Registration entry points, one per parser file; main() calls each once.
void register_happysip(const MessageSet& set);
void register_sofia(const MessageSet& set);
void register_osip2(const MessageSet& set);

// Prints, once per parser, which messages it failed on (stderr), so a non-zero `failures`
// counter comes with names instead of a mystery.
void report_failures_once(std::string_view parser, const std::vector<std::string>& failed);

// Sets the counters every parse benchmark reports: msgs_per_s, bytes/s and failures (messages
// per pass that the parser rejected or that lacked a field a proxy needs).
void set_parse_counters(benchmark::State& state, const MessageSet& set, std::int64_t failures);

// The timed loop shared by all parsers. `parse_and_touch(std::string_view message)` parses
// one message, reads the fields a proxy reads (top Via branch, Call-ID, CSeq number, From tag,
// To tag, Max-Forwards, Content-Length, Request-URI host), passes each through
// benchmark::DoNotOptimize, frees the message and returns false on failure.
// One iteration parses every message of the set once.
template <typename ParseAndTouch>
void run_parse_benchmark(benchmark::State& state, std::string_view parser, const MessageSet& set,
                         ParseAndTouch&& parse_and_touch) {
    std::vector<std::string> failed;  // untimed check pass, for the report
    for (const MessageFile& m : set.messages()) {
        if (!parse_and_touch(std::string_view{m.bytes})) failed.push_back(m.name);
    }
    report_failures_once(parser, failed);

    std::int64_t failures = 0;
    for (auto _ : state) {
        for (const MessageFile& m : set.messages()) {
            if (!parse_and_touch(std::string_view{m.bytes})) ++failures;
        }
    }
    set_parse_counters(state, set, failures);
}

}  // namespace happysip::bench
