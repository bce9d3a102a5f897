// store_stall_bench: the longest single store call (replace() or commit_group()) while
// happysipd's durable location store grows to N bindings and while they are refreshed
// again and again, beside the mean. A registrar answers on its I/O thread, so one long call
// holds back every request queued behind it: a one-shot rehash of a million-entry map or
// a rewrite of the whole refresh journal shows up as a p99 spike and as retransmissions
// (issue 4: p99 no worse than Kamailio's; 1 million bindings).
//
// Each "group" is what happysipd commits per UDP burst: begin_group, 32 REGISTERs of
// distinct AORs (one Contact each), commit_group. The database and its journal live in a
// fresh directory under $TMPDIR, removed at the end.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "happysip/registrar/binding.hpp"
#include "happysip/store/sqlite_location_store.hpp"

namespace {

using happysip::registrar::Binding;
using happysip::store::SqliteLocationStore;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t k_group = 32;

Binding binding_of(std::int64_t i, std::uint32_t cseq, std::int64_t expires_at) {
    Binding b;
    b.aor = "sip:user" + std::to_string(i) + "@example.com";
    b.contact = "sip:user" + std::to_string(i) + "@192.0.2." + std::to_string(i % 250 + 1) + ":" +
                std::to_string(5060 + i % 1000);
    b.call_id = "call-" + std::to_string(i);
    b.cseq = cseq;
    b.expires_at = expires_at;
    b.source = "udp:192.0.2." + std::to_string(i % 250 + 1) + ":" + std::to_string(5060 + i % 1000);
    b.user_agent = "bench";
    return b;
}

struct Stalls {
    double max_ms = 0;
    double total_s = 0;
    std::int64_t calls = 0;
    std::int64_t over_1ms = 0;
    void add(Clock::duration d) {
        const double s = std::chrono::duration<double>(d).count();
        max_ms = std::max(max_ms, s * 1e3);
        total_s += s;
        ++calls;
        over_1ms += s > 1e-3 ? 1 : 0;
    }
};

// Registers (cseq 1) or refreshes (cseq > 1) bindings [0, n) in groups, timing each call.
void pass(SqliteLocationStore& store, std::int64_t n, std::uint32_t cseq, Stalls& stalls,
          benchmark::State& state) {
    std::vector<Binding> one(1);
    for (std::int64_t first = 0; first < n; first += k_group) {
        auto t = Clock::now();
        store.begin_group();
        for (std::int64_t i = first; i < std::min(n, first + k_group); ++i) {
            one[0] = binding_of(i, cseq, 4'000'000'000 + cseq);
            if (!store.replace(one[0].aor, one).ok) state.SkipWithError("replace failed");
            const auto now = Clock::now();
            stalls.add(now - t);
            t = now;
        }
        if (!store.commit_group().ok) state.SkipWithError("commit failed");
        stalls.add(Clock::now() - t);
    }
}

// Arg: bindings. Counters: the longest single call, the calls over 1 ms and the mean per
// call, first while the store grows from empty, then over four refreshes of every binding
// (each pass appends one journal record per binding, so a compaction starts about every
// other pass).
void BM_StoreStalls(benchmark::State& state) {
    const std::int64_t n = state.range(0);
    const auto dir = std::filesystem::temp_directory_path() /
                     ("happysip-store-bench-" + std::to_string(::getpid()));
    for (auto _ : state) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        std::string error;
        auto store = SqliteLocationStore::open((dir / "bindings.sqlite").string(), error);
        if (!store) {
            state.SkipWithError(error.c_str());
            break;
        }
        Stalls grow, refresh;
        pass(*store, n, 1, grow, state);
        for (std::uint32_t cseq = 2; cseq <= 5; ++cseq)
            pass(*store, n, cseq, refresh, state);
        state.counters["grow_max_ms"] = grow.max_ms;
        state.counters["grow_over_1ms"] = static_cast<double>(grow.over_1ms);
        state.counters["grow_mean_us"] = grow.total_s / static_cast<double>(grow.calls) * 1e6;
        state.counters["refresh_max_ms"] = refresh.max_ms;
        state.counters["refresh_over_1ms"] = static_cast<double>(refresh.over_1ms);
        state.counters["refresh_mean_us"] =
            refresh.total_s / static_cast<double>(refresh.calls) * 1e6;
        store.reset();
        std::filesystem::remove_all(dir);
    }
}
BENCHMARK(BM_StoreStalls)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
