// happysip: parse_message (copies the bytes into the Message, one pass over the head,
// CSeq/Content-Length/Max-Forwards checked) then the key headers, then the fields a proxy
// reads. Two variants, both reported:
//   parse/happysip       interpret_proxy_key_headers: top Via, Call-ID and Request-URI
//                        validated; From/To located and their header parameters validated
//                        for the tag, their URIs not interpreted (RFC 3261 §16.3: a proxy
//                        leaves components it does not use alone). What a proxy does before
//                        forwarding a message.
//   parse/happysip-full  interpret_key_headers: the same plus From/To as full name-addrs
//                        with their URIs validated. What a UA's transaction layer does.
#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"
#include "message_set.hpp"

namespace happysip::bench {
namespace {

// Fields common to both variants: Via branch, Call-ID, CSeq, Content-Length (= body size,
// checked by the parser), Max-Forwards and the Request-URI host.
template <class Keys>
bool touch_common(const sip::Message& m, const Keys& key) {
    benchmark::DoNotOptimize(key.top_via.branch);
    benchmark::DoNotOptimize(key.call_id);
    std::uint32_t cseq = m.cseq_number();
    benchmark::DoNotOptimize(cseq);
    benchmark::DoNotOptimize(m.body().size());
    if (m.is_request()) {
        if (!key.max_forwards) return false;
        benchmark::DoNotOptimize(*key.max_forwards);
        benchmark::DoNotOptimize(key.request_uri->host.text);
    } else if (key.max_forwards) {
        benchmark::DoNotOptimize(*key.max_forwards);
    }
    return true;
}

// One set of key headers per thread, filled in place for every message, as a server's
// worker does (key_headers.hpp): interpreting overwrites every field.
thread_local sip::ProxyKeyHeaders t_proxy_keys;
thread_local sip::KeyHeaders t_keys;

bool parse_and_touch(std::string_view text) {
    auto m = sip::parse_message(text);
    if (!m) return false;
    sip::ProxyKeyHeaders& k = t_proxy_keys;
    if (sip::interpret_proxy_key_headers(*m, k)) return false;
    const sip::ProxyKeyHeaders* key = &k;
    benchmark::DoNotOptimize(key->from_tag);
    benchmark::DoNotOptimize(key->to_tag);
    return touch_common(*m, *key);
}

bool parse_and_touch_full(std::string_view text) {
    auto m = sip::parse_message(text);
    if (!m) return false;
    sip::KeyHeaders& k = t_keys;
    if (sip::interpret_key_headers(*m, k)) return false;
    const sip::KeyHeaders* key = &k;
    benchmark::DoNotOptimize(key->from.tag());
    benchmark::DoNotOptimize(key->to.tag());
    return touch_common(*m, *key);
}

}  // namespace

void register_happysip(const MessageSet& set) {
    benchmark::RegisterBenchmark("parse/happysip", [&set](benchmark::State& state) {
        run_parse_benchmark(state, "happysip", set, parse_and_touch);
    })->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("parse/happysip-full", [&set](benchmark::State& state) {
        run_parse_benchmark(state, "happysip-full", set, parse_and_touch_full);
    })->Unit(benchmark::kMicrosecond);
}

}  // namespace happysip::bench
