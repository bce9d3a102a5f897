#include "happysip/resolve/dns_records.hpp"

namespace happysip::resolve {
namespace {

std::string_view without_root_dot(std::string_view name) noexcept {
    if (name.size() > 1 && name.back() == '.') name.remove_suffix(1);
    return name;
}

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
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
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

const SrvAnswer* find_answer(std::span<const SrvAnswer> answers, std::string_view name) noexcept {
    return find_by_name(answers, name);
}

const AddressAnswer* find_answer(std::span<const AddressAnswer> answers,
                                 std::string_view name) noexcept {
    return find_by_name(answers, name);
}

}  // namespace happysip::resolve
