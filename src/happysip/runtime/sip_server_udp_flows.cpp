// RFC 5626 flows over UDP for SipServer: mark_flow tracks the 5-tuple a UA registered over
// (§5.2), every datagram from it (SIP, STUN keep-alive, anything) refreshes it, and the
// idle sweep fails it after flow_idle_timeout of silence, so flow_alive reports it failed
// (§5.3) and a proxy answers 430 or takes another flow. While it is alive, requests to the
// UA leave from the listener the flow was marked over, the one its NAT mapping points at
// (send_request, via_sent_by, forward_response), and on a wildcard listener from the
// address the REGISTER was sent to. The table is udp_flow_table.hpp.
#include <algorithm>

#include "happysip/runtime/sip_server.hpp"
#include "happysip/runtime/udp_transport.hpp"

namespace happysip::runtime {

using eyeballs::Transport;

namespace {

UdpFlowTable::Key flow_key(std::uint8_t socket, const asio::ip::address& address,
                           std::uint16_t port) {
    UdpFlowTable::Key key;
    key.port = port;
    key.socket = socket;
    if (address.is_v4()) {
        key.family = 4;
        key.address[10] = 0xff;
        key.address[11] = 0xff;
        const auto v4 = address.to_v4().to_bytes();
        std::copy(v4.begin(), v4.end(), key.address.begin() + 12);
    } else {
        const auto v6 = address.to_v6();
        if (v6.is_v4_mapped())
            return flow_key(socket, asio::ip::make_address_v4(asio::ip::v4_mapped, v6), port);
        key.address = v6.to_bytes();
    }
    return key;
}

UdpFlowTable::LocalAddress local_bytes(const asio::ip::address& address) {
    const UdpFlowTable::Key k = flow_key(0, address, 0);
    return {k.address, k.family};
}

asio::ip::address from_local_bytes(const UdpFlowTable::LocalAddress& local) {
    if (local.family == 0) return {};
    const asio::ip::address_v6 v6(local.address);
    if (local.family == 4) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6);
    return v6;
}

std::string remote_text(const UdpFlowTable::Key& key) {
    const asio::ip::address_v6 v6(key.address);
    if (key.family == 4)
        return to_hostport(asio::ip::make_address_v4(asio::ip::v4_mapped, v6), key.port);
    return to_hostport(v6, key.port);
}

}  // namespace

UdpFlowTable::Limits SipServer::udp_flow_limits() const {
    return {options_.flow_idle_timeout, options_.failed_udp_flow_memory};
}

void SipServer::refresh_udp_flow(std::uint8_t socket, const asio::ip::udp::endpoint& from) {
    udp_flows_.heard(flow_key(socket, from.address(), from.port()),
                     std::chrono::steady_clock::now());
}

bool SipServer::mark_udp_flow(const RequestSource& source) {
    if (options_.flow_idle_timeout.count() <= 0 || options_.idle_sweep_interval.count() <= 0)
        return false;  // nothing would ever fail it
    // The listener the registration came in on: the one bound to the source's local port
    // and address, or to that port on a wildcard address; a source made by hand (no local
    // end) takes the one send_request would use.
    const eyeballs::Family family = family_of(source.remote_address);
    std::optional<std::size_t> index;
    for (std::size_t i = 0; i < udp_.size() && !index && source.local_port != 0; ++i) {
        auto local = udp_[i]->local_endpoint(family);
        if (local && local->port() == source.local_port &&
            (local->address().is_unspecified() || local->address() == source.local_address))
            index = i;
    }
    for (std::size_t i = 0; i < udp_.size() && !index; ++i)
        if (udp_[i]->local_endpoint(family)) index = i;
    if (!index) return false;
    const auto socket = static_cast<std::uint8_t>(std::min<std::size_t>(*index, 255));
    // On a wildcard listener the flow's local end is the address the REGISTER was sent to.
    const bool known = udp_[*index]->local_endpoint(family)->address().is_unspecified() &&
                       !source.local_address.is_unspecified() &&
                       family_of(source.local_address) == family;
    udp_flows_.mark(flow_key(socket, source.remote_address, source.remote_port),
                    std::chrono::steady_clock::now(), udp_flow_limits(),
                    known ? local_bytes(source.local_address) : UdpFlowTable::LocalAddress{});
    arm_idle_sweep();
    return true;
}

SipServer::UdpFlowLookup SipServer::find_udp_flow(const asio::ip::address& address,
                                                  std::uint16_t port) const {
    UdpFlowLookup found;
    const eyeballs::Family family = family_of(address);
    for (std::size_t i = 0; i < udp_.size() && i < 256 && !found.alive; ++i) {
        if (!udp_[i]->local_endpoint(family)) continue;
        UdpFlowTable::LocalAddress local;
        switch (udp_flows_.state(flow_key(static_cast<std::uint8_t>(i), address, port), local)) {
            case UdpFlowTable::State::alive:
                found.alive = i;
                found.local = from_local_bytes(local);
                break;
            case UdpFlowTable::State::failed:
                found.failed = true;
                break;
            case UdpFlowTable::State::untracked:
                break;
        }
    }
    return found;
}

// A Destination names no local socket: the flow is failed when a failed one to that peer
// exists on some listener and no alive one does. Untracked: alive (a UA without Outbound
// gets what UDP always gave it, best effort, no failure detection).
bool SipServer::udp_flow_alive(const Destination& to) const {
    if (udp_flows_.empty()) return true;
    const UdpFlowLookup found = find_udp_flow(to.address, to.port);
    return found.alive || !found.failed;
}

void SipServer::sweep_udp_flows(std::chrono::steady_clock::time_point now) {
    if (udp_flows_.empty()) return;
    udp_flows_.expire(now, udp_flow_limits(),
                      [this](const UdpFlowTable::Key& key, UdpFlowTable::Duration silent) {
                          ++counters_.idle_flows_closed;
                          // RFC 5626 §4.4.2: the STUN keep-alives stopped; the flow failed.
                          log_idle("flow_idle_closed", "udp:" + remote_text(key),
                                   "no keep-alive or message for ", silent);
                      });
}

}  // namespace happysip::runtime
