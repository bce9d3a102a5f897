// happysip: parse_message (copies the bytes into the Message, one pass over the head,
// CSeq/Content-Length/Max-Forwards checked) then interpret_key_headers (top Via, From
// and To as name-addr with their URIs, Call-ID, Request-URI: all validated), then the
// fields a proxy reads. The same work a proxy does before forwarding a message.
#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"
#include "message_set.hpp"

namespace happysip::bench {
namespace {

bool parse_and_touch(std::string_view text) {
    auto m = sip::parse_message(text);
    if (!m) return false;
    sip::KeyHeaders k;
    if (sip::interpret_key_headers(*m, k)) return false;
    const sip::KeyHeaders* key = &k;
    benchmark::DoNotOptimize(key->top_via.branch);
    benchmark::DoNotOptimize(key->call_id);
    std::uint32_t cseq = m->cseq_number();
    benchmark::DoNotOptimize(cseq);
    benchmark::DoNotOptimize(key->from.tag());
    benchmark::DoNotOptimize(key->to.tag());
    benchmark::DoNotOptimize(m->body().size());  // equals Content-Length (checked by the parser)
    if (m->is_request()) {
        if (!key->max_forwards) return false;
        benchmark::DoNotOptimize(*key->max_forwards);
        benchmark::DoNotOptimize(key->request_uri->host.text);
    } else if (key->max_forwards) {
        benchmark::DoNotOptimize(*key->max_forwards);
    }
    return true;
}

}  // namespace

void register_happysip(const MessageSet& set) {
    benchmark::RegisterBenchmark("parse/happysip", [&set](benchmark::State& state) {
        run_parse_benchmark(state, "happysip", set, parse_and_touch);
    })->Unit(benchmark::kMicrosecond);
}

}  // namespace happysip::bench
