#include "happysip/eyeballs/resolution_gate.hpp"

#include <utility>

namespace happysip::eyeballs {

void ResolutionGate::on_aaaa(Instant now, std::vector<Candidate> addresses) {
    if (addresses.empty()) return on_aaaa_failed(now);
    if (unresolvable_) return;
    if (started_) {
        actions_.push_back(AddCandidates{std::move(addresses)});
        return;
    }
    aaaa_ = Query::answered;
    aaaa_addresses_ = std::move(addresses);
    // RFC 8305 §3: a positive AAAA response starts connection attempts immediately.
    start();
}

void ResolutionGate::on_a(Instant now, std::vector<Candidate> addresses) {
    if (addresses.empty()) return on_a_failed(now);
    if (unresolvable_) return;
    if (started_) {
        actions_.push_back(AddCandidates{std::move(addresses)});
        return;
    }
    a_ = Query::answered;
    a_addresses_ = std::move(addresses);
    if (aaaa_ == Query::failed) return start();
    // RFC 8305 §3: A first; wait the Resolution Delay for the AAAA answer.
    if (!deadline_) deadline_ = now + config_.resolution_delay;
}

void ResolutionGate::on_aaaa_failed(Instant /*now*/) {
    if (started_ || unresolvable_) return;
    aaaa_ = Query::failed;
    if (a_ == Query::answered) return start();
    check_unresolvable();
}

void ResolutionGate::on_a_failed(Instant /*now*/) {
    if (started_ || unresolvable_) return;
    a_ = Query::failed;
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
    std::vector<Candidate> all = std::move(aaaa_addresses_);
    for (auto& c : a_addresses_)
        all.push_back(std::move(c));
    a_addresses_.clear();
    actions_.push_back(StartRace{std::move(all)});
}

void ResolutionGate::check_unresolvable() {
    if (aaaa_ == Query::failed && a_ == Query::failed) {
        unresolvable_ = true;
        actions_.push_back(Unresolvable{});
    }
}

}  // namespace happysip::eyeballs
