// Peer: osip2's message parser (libosipparser2), used by eXosip2 and many embedded UAs.
// osip_message_parse() copies the text, parses the headers osip knows into osip_message_t and
// keeps the rest (Max-Forwards among them) as name/value pairs. osip keeps numbers as text, so
// the touch converts CSeq, Max-Forwards and Content-Length with strtoul, as a proxy must.
#include <osipparser2/osip_parser.h>

#include <cstdarg>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "message_set.hpp"

namespace happysip::bench {

namespace {

struct MessageFree {
    void operator()(osip_message_t* msg) const noexcept { osip_message_free(msg); }
};
using MessagePtr = std::unique_ptr<osip_message_t, MessageFree>;

// `text` is osip's own NUL-terminated copy; nullptr means the header was absent.
bool touch_number(const char* text) {
    if (text == nullptr) return false;
    benchmark::DoNotOptimize(std::strtoul(text, nullptr, 10));
    return true;
}

// Value of a `;name=value` parameter of From/To/Via, or nullptr.
const char* param_value(osip_list_t* params, const char* name) {
    osip_generic_param_t* param = nullptr;
    if (osip_generic_param_get_byname(params, const_cast<char*>(name), &param) != OSIP_SUCCESS ||
        param == nullptr) {
        return nullptr;
    }
    return param->gvalue;
}

// Reads what a proxy reads; false if a field a proxy needs is absent.
bool touch(osip_message_t* msg) {
    osip_via_t* via = nullptr;
    if (osip_message_get_via(msg, 0, &via) < 0 || via == nullptr) return false;
    const char* branch = param_value(&via->via_params, "branch");
    if (branch == nullptr) return false;
    benchmark::DoNotOptimize(branch);

    osip_call_id_t* call_id = osip_message_get_call_id(msg);
    if (call_id == nullptr || osip_call_id_get_number(call_id) == nullptr) return false;
    benchmark::DoNotOptimize(call_id->number);
    benchmark::DoNotOptimize(call_id->host);  // osip splits Call-ID at '@'

    osip_cseq_t* cseq = osip_message_get_cseq(msg);
    if (cseq == nullptr || !touch_number(osip_cseq_get_number(cseq))) return false;

    osip_from_t* from = osip_message_get_from(msg);
    if (from == nullptr) return false;
    const char* from_tag = param_value(&from->gen_params, "tag");
    if (from_tag == nullptr) return false;
    benchmark::DoNotOptimize(from_tag);

    osip_to_t* to = osip_message_get_to(msg);
    if (to == nullptr) return false;
    const char* to_tag = param_value(&to->gen_params, "tag");  // absent before the dialog exists
    benchmark::DoNotOptimize(to_tag);

    osip_content_length_t* length = osip_message_get_content_length(msg);
    if (length == nullptr || !touch_number(length->value)) return false;

    osip_header_t* max_forwards = nullptr;
    osip_message_get_max_forwards(msg, 0, &max_forwards);
    if (MSG_IS_REQUEST(msg)) {
        // RFC 3261 §8.1.1.6: requests carry Max-Forwards.
        if (max_forwards == nullptr || !touch_number(max_forwards->hvalue)) return false;
        osip_uri_t* uri = osip_message_get_uri(msg);
        if (uri == nullptr || osip_uri_get_host(uri) == nullptr) return false;
        benchmark::DoNotOptimize(uri->host);
    } else if (max_forwards != nullptr) {
        touch_number(max_forwards->hvalue);
    }
    return true;
}

void ignore_trace(const char* /*file*/, int /*line*/, osip_trace_level_t /*level*/,
                  const char* /*format*/, va_list /*args*/) {}

bool parse_and_touch(std::string_view text) {
    osip_message_t* raw = nullptr;
    if (osip_message_init(&raw) != OSIP_SUCCESS) return false;
    MessagePtr msg(raw);
    if (osip_message_parse(msg.get(), text.data(), text.size()) != OSIP_SUCCESS) return false;
    return touch(msg.get());
}

}  // namespace

void register_osip2(const MessageSet& set) {
    parser_init();  // builds osip's header-name lookup table; once per process
    // Left alone, osip's first trace switches on logging to stdout, which would corrupt
    // --benchmark_format=json and time the logging. Level 0 disables every level; the bench
    // counts and names failures itself.
    osip_trace_initialize_func(TRACE_LEVEL0, ignore_trace);
    benchmark::RegisterBenchmark("parse/osip2", [&set](benchmark::State& state) {
        run_parse_benchmark(state, "osip2", set, parse_and_touch);
    })->Unit(benchmark::kMicrosecond);
}

}  // namespace happysip::bench
