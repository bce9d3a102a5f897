#include "message_set.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace happysip::bench {

namespace {

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return std::move(bytes).str();
}

}  // namespace

MessageSet MessageSet::load(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw std::runtime_error("message directory " + dir.string() + " does not exist");
    }

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".sip") {
            files.push_back(entry.path());
        }
    }
    if (ec) throw std::runtime_error("cannot list " + dir.string() + ": " + ec.message());
    if (files.empty()) throw std::runtime_error("no *.sip file in " + dir.string());
    std::sort(files.begin(), files.end());

    MessageSet set;
    set.directory_ = dir;
    for (const auto& path : files) {
        MessageFile m{path.filename().string(), read_file(path)};
        if (m.bytes.empty()) throw std::runtime_error(path.string() + " is empty");
        set.total_bytes_ += m.bytes.size();
        set.messages_.push_back(std::move(m));
    }
    return set;
}

void report_failures_once(std::string_view parser, const std::vector<std::string>& failed) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> reported;
    if (failed.empty()) return;
    std::lock_guard lock(mutex);
    if (!reported.emplace(parser).second) return;
    std::cerr << "parse_bench: " << parser << " failed on " << failed.size() << " message(s):";
    for (const auto& name : failed)
        std::cerr << ' ' << name;
    std::cerr << '\n';
}

void set_parse_counters(benchmark::State& state, const MessageSet& set, std::int64_t failures) {
    const auto passes = static_cast<std::int64_t>(state.iterations());
    const auto messages = passes * static_cast<std::int64_t>(set.size());
    state.SetBytesProcessed(passes * static_cast<std::int64_t>(set.total_bytes()));
    state.counters["msgs_per_s"] =
        benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
    state.counters["failures"] =
        benchmark::Counter(static_cast<double>(failures), benchmark::Counter::kAvgIterations);
}

}  // namespace happysip::bench
