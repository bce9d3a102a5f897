// The std::visit helper: one callable made of several lambdas, one per alternative of a
// variant of actions. Standard library only; any layer may include it.
#pragma once

namespace happysip {

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace happysip
