// Authentication headers (WWW-Authenticate / Authorization and their Proxy- twins), plus
// the small list and number parsers of token_list.hpp and rack.hpp, on one header value.
// Invariants checked: every view a successful parse returns lies inside the input, and
// parameter / token iteration over a validated value ends and agrees with the parse.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "happysip/sip/char_class.hpp"
#include "happysip/sip/digest.hpp"
#include "happysip/sip/rack.hpp"
#include "happysip/sip/token_list.hpp"

namespace {

using namespace happysip::sip;

void check_inside(std::string_view input, std::string_view part) {
    if (part.empty()) return;
    if (part.data() < input.data() || part.data() + part.size() > input.data() + input.size())
        std::abort();
}

void check_params(std::string_view input, const AuthParams& params) {
    check_inside(input, params.raw());
    std::size_t pos = 0;
    std::size_t count = 0;
    while (auto p = params.next(pos)) {
        if (p->name.empty() || ++count > input.size()) std::abort();
        check_inside(input, p->name);
        check_inside(input, p->value);
        (void)unescape(p->value);
    }
    (void)params.find("realm");
}

template <class T>
void check_common(std::string_view input, const T& t) {
    check_inside(input, t.scheme);
    check_inside(input, t.token68);
    check_inside(input, t.realm);
    check_inside(input, t.nonce);
    check_params(input, t.params);
    if (!t.is_digest && (!t.realm.empty() || !t.nonce.empty())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);

    if (auto c = parse_challenge(input)) {
        check_common(input, *c);
        if (c->qop) check_inside(input, *c->qop);
        (void)c->offers_qop_auth();
        (void)c->offers_qop_auth_int();
        (void)unescape(c->realm);
    }
    if (auto c = parse_credentials(input, "Proxy-Authorization")) {
        check_common(input, *c);
        if (c->is_digest) {
            check_inside(input, c->uri);
            check_inside(input, c->response);
            const std::size_t want = digest_hex_length(c->algorithm);
            if (want != 0 && c->response.size() != want) std::abort();
            if (c->qop && (!c->nc_text || !c->cnonce)) std::abort();
        }
    }

    if (auto l = parse_token_list(input, "Supported")) {
        check_inside(input, l->raw());
        std::size_t n = 0;
        for (std::string_view t : *l) {
            check_inside(input, t);
            if (!chars::is_token(t)) std::abort();
            if (!l->contains(t) || !l->contains_case_sensitive(t)) std::abort();
            ++n;
        }
        if (n != l->size() || (n == 0) != l->empty()) std::abort();
    }

    if (auto r = parse_rack(input)) {
        check_inside(input, r->method_text);
        if (r->response_num == 0 || !chars::is_token(r->method_text)) std::abort();
    }
    if (auto r = parse_rseq(input); r && *r == 0) std::abort();
    (void)parse_delta_seconds(input);
    return 0;
}
