#include "happysip/resolve/dns_records.hpp"

#include "happysip/sip/text.hpp"

namespace happysip::resolve {
namespace {

std::string_view without_root_dot(std::string_view name) noexcept {
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
    return name;
}

template <typename Answer>
const Answer* find_by_name(std::span<const Answer> answers, std::string_view name) noexcept {
    for (const auto& answer : answers) {
        if (dns_name_equal(answer.name, name)) return &answer;
    }
    return nullptr;
}

}  // namespace

bool dns_name_equal(std::string_view a, std::string_view b) noexcept {
    a = without_root_dot(a);
    b = without_root_dot(b);
    return sip::text::iequals(a, b);
}

const SrvAnswer* find_answer(std::span<const SrvAnswer> answers, std::string_view name) noexcept {
    return find_by_name(answers, name);
}

const AddressAnswer* find_answer(std::span<const AddressAnswer> answers,
                                 std::string_view name) noexcept {
    return find_by_name(answers, name);
}

}  // namespace happysip::resolve
