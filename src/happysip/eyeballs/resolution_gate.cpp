#include "happysip/eyeballs/resolution_gate.hpp"

#include <utility>

namespace happysip::eyeballs {

void ResolutionGate::on_aaaa(Instant now, std::vector<Candidate> addresses) {
    on_answer(Family::ipv6, now, std::move(addresses));
}

void ResolutionGate::on_a(Instant now, std::vector<Candidate> addresses) {
    on_answer(Family::ipv4, now, std::move(addresses));
}

void ResolutionGate::on_aaaa_failed(Instant /*now*/) {
    on_failed(Family::ipv6);
}

void ResolutionGate::on_a_failed(Instant /*now*/) {
    on_failed(Family::ipv4);
}

void ResolutionGate::on_answer(Family family, Instant now, std::vector<Candidate> addresses) {
    if (addresses.empty()) return on_failed(family);
    if (unresolvable_) return;
    if (started_) {
        actions_.push_back(AddCandidates{std::move(addresses)});
        return;
    }
    query(family) = Query::answered;
    (family == Family::ipv6 ? aaaa_addresses_ : a_addresses_) = std::move(addresses);
    // RFC 8305 §3: a positive answer for the preferred family (AAAA) starts connection
    // attempts immediately, as does any answer once the preferred family has failed.
    if (family == config_.preferred || query(other_family(family)) == Query::failed) return start();
    // The other family answered first: wait the Resolution Delay for the preferred one.
    if (!deadline_) deadline_ = now + config_.resolution_delay;
}

void ResolutionGate::on_failed(Family family) {
    if (started_ || unresolvable_) return;
    query(family) = Query::failed;
    if (query(other_family(family)) == Query::answered) return start();
    check_unresolvable();
}

void ResolutionGate::on_timer(Instant now) {
    if (!started_ && deadline_ && now >= *deadline_) start();
}

std::vector<GateAction> ResolutionGate::take_actions() {
    return std::exchange(actions_, {});
}

void ResolutionGate::start() {
    started_ = true;
    deadline_.reset();
    auto& first = config_.preferred == Family::ipv6 ? aaaa_addresses_ : a_addresses_;
    auto& second = config_.preferred == Family::ipv6 ? a_addresses_ : aaaa_addresses_;
    std::vector<Candidate> all = std::move(first);
    for (auto& c : second)
        all.push_back(std::move(c));
    first.clear();
    second.clear();
    actions_.push_back(StartRace{std::move(all)});
}

void ResolutionGate::check_unresolvable() {
    if (aaaa_ == Query::failed && a_ == Query::failed) {
        unresolvable_ = true;
        actions_.push_back(Unresolvable{});
    }
}

}  // namespace happysip::eyeballs
