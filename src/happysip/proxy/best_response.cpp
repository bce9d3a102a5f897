#include "happysip/proxy/best_response.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "happysip/sip/header_id.hpp"

namespace happysip::proxy {
namespace {

// §16.7 item 6: 4xx answers that carry what a resubmission needs: credentials (401, 407),
// a supported body type (415), extensions (420), a complete address (484).
bool informs_resubmission(int status) noexcept {
    switch (status) {
        case 401:
        case 407:
        case 415:
        case 420:
        case 484:
            return true;
        default:
            return false;
    }
}

// Smaller is better: 6xx first, then by class, then the informative 4xx; a 503 comes
// last in 5xx since it would go up as a bare 500 of ours.
std::tuple<bool, int, bool, bool> rank(int status) noexcept {
    const int cls = status / 100;
    return {cls != 6, cls, !informs_resubmission(status), status == 503};
}

bool is_challenge(int status) noexcept {
    return status == 401 || status == 407;
}

}  // namespace

std::optional<std::size_t> choose_best_response(std::span<const int> statuses) noexcept {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        if (!best || rank(statuses[i]) < rank(statuses[*best])) best = i;
    }
    return best;
}

int upstream_status(int status) noexcept {
    return status == 503 ? 500 : status;
}

void merge_challenges(sip::Message& chosen, std::span<const sip::Message* const> collected) {
    if (!is_challenge(chosen.status_code())) return;
    for (const sip::HeaderId id :
         {sip::HeaderId::www_authenticate, sip::HeaderId::proxy_authenticate}) {
        // Copies: the views die when `chosen` is edited.
        std::vector<std::string> present;
        for (std::string_view v : chosen.values(id))
            present.emplace_back(v);
        for (const sip::Message* m : collected) {
            if (m == nullptr || !is_challenge(m->status_code())) continue;
            for (std::string_view v : m->values(id)) {
                if (std::find(present.begin(), present.end(), v) != present.end()) continue;
                present.emplace_back(v);
                chosen.append(id, present.back());
            }
        }
    }
}

}  // namespace happysip::proxy
