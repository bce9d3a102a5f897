// Peer: sofia-sip's message parser (libsofia-sip-ua), the one nta runs on every received
// datagram. msg_make() copies the text into a fresh msg_t, parses every header it knows into
// the sip_t structure, and msg_destroy() frees the lot. No su_init() is needed: parsing only
// allocates from the message's own su_home.
#include <sofia-sip/msg.h>
#include <sofia-sip/msg_types.h>
#include <sofia-sip/sip.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_protos.h>

#include <memory>
#include <string_view>

#include "message_set.hpp"

namespace happysip::bench {

namespace {

struct MsgDestroy {
    void operator()(msg_t* msg) const noexcept { msg_destroy(msg); }
};
using MsgPtr = std::unique_ptr<msg_t, MsgDestroy>;

// Reads what a proxy reads; false if sofia flagged the message or a field a proxy needs is
// absent. Headers sofia could not parse land in sip_error; that counts as a failure too.
bool touch(const sip_t& sip, bool parse_error) {
    if (parse_error || sip.sip_error != nullptr) return false;
    if (sip.sip_request == nullptr && sip.sip_status == nullptr) return false;
    if (sip.sip_via == nullptr || sip.sip_via->v_branch == nullptr) return false;
    if (sip.sip_call_id == nullptr || sip.sip_cseq == nullptr) return false;
    if (sip.sip_from == nullptr || sip.sip_from->a_tag == nullptr) return false;
    if (sip.sip_to == nullptr || sip.sip_content_length == nullptr) return false;

    benchmark::DoNotOptimize(sip.sip_via->v_branch);
    benchmark::DoNotOptimize(sip.sip_call_id->i_id);
    benchmark::DoNotOptimize(sip.sip_cseq->cs_seq);
    benchmark::DoNotOptimize(sip.sip_from->a_tag);
    benchmark::DoNotOptimize(sip.sip_to->a_tag);  // absent before the dialog exists
    benchmark::DoNotOptimize(sip.sip_content_length->l_length);
    if (sip.sip_request != nullptr) {
        // RFC 3261 §8.1.1.6: requests carry Max-Forwards.
        if (sip.sip_max_forwards == nullptr || sip.sip_request->rq_url->url_host == nullptr) {
            return false;
        }
        benchmark::DoNotOptimize(sip.sip_max_forwards->mf_count);
        benchmark::DoNotOptimize(sip.sip_request->rq_url->url_host);
    } else if (sip.sip_max_forwards != nullptr) {
        benchmark::DoNotOptimize(sip.sip_max_forwards->mf_count);
    }
    return true;
}

bool parse_and_touch(std::string_view text) {
    MsgPtr msg(msg_make(sip_default_mclass(), 0, text.data(), static_cast<ssize_t>(text.size())));
    if (msg == nullptr) return false;
    const sip_t* sip = sip_object(msg.get());
    if (sip == nullptr) return false;
    return touch(*sip, (msg_object(msg.get())->msg_flags & MSG_FLG_ERROR) != 0);
}

}  // namespace

void register_sofia(const MessageSet& set) {
    benchmark::RegisterBenchmark("parse/sofia-sip", [&set](benchmark::State& state) {
        run_parse_benchmark(state, "sofia-sip", set, parse_and_touch);
    })->Unit(benchmark::kMicrosecond);
}

}  // namespace happysip::bench
