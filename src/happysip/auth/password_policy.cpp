#include "happysip/auth/password_policy.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include "happysip/auth/common_passwords.hpp"

namespace happysip::auth {
namespace {

// A password made of this many known pieces or fewer (words, walks, short digit groups,
// repeats, one or two symbols) is a pattern; more pieces are a random-looking string.
constexpr std::size_t k_max_pattern_pieces = 4;
// Longer passwords are not searched for patterns: the search is quadratic, and a
// 64-character pattern is long enough to be out of reach of guessing anyway.
constexpr std::size_t k_max_pattern_length = 64;

constexpr std::size_t k_min_walk = 3;
constexpr std::size_t k_max_digit_group = 4;  // a year, "1234"
constexpr std::size_t k_max_symbol_group = 2;

char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
bool is_letter(char c) noexcept {
    return c >= 'a' && c <= 'z';
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

// The common letter substitutions undone: "p@ssw0rd" reads "password".
char unleet(char c) noexcept {
    switch (c) {
        case '@':
        case '4':
            return 'a';
        case '0':
            return 'o';
        case '1':
        case '!':
            return 'i';
        case '3':
            return 'e';
        case '$':
        case '5':
            return 's';
        case '7':
        case '+':
            return 't';
        case '8':
            return 'b';
        case '9':
            return 'g';
        default:
            return c;
    }
}

std::size_t code_points(std::string_view s) noexcept {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool is_walk(std::string_view piece) {
    for (std::string_view w : keyboard_walks()) {
        if (w.find(piece) != std::string_view::npos) return true;
        std::string reversed(w.rbegin(), w.rend());
        if (reversed.find(piece) != std::string::npos) return true;
    }
    return false;
}

bool is_word(std::string_view unleeted_piece) {
    const auto words = common_password_words();
    return std::find(words.begin(), words.end(), unleeted_piece) != words.end();
}

bool is_filler(std::string_view piece) {
    if (std::all_of(piece.begin(), piece.end(), is_digit)) return piece.size() <= k_max_digit_group;
    if (std::none_of(piece.begin(), piece.end(),
                     [](char c) { return is_digit(c) || is_letter(c); }))
        return piece.size() <= k_max_symbol_group;
    return false;
}

bool is_repeat(std::string_view piece) {
    return piece.size() >= 2 &&
           std::all_of(piece.begin(), piece.end(), [&](char c) { return c == piece.front(); });
}

struct Pieces {
    std::size_t count = std::numeric_limits<std::size_t>::max();
    bool uses_user = false;
};

// Fewest known pieces that make up `pw` (lowercase), by dynamic programming over prefixes.
Pieces fewest_pieces(std::string_view pw, std::string_view user) {
    const std::string unleeted = [&] {
        std::string s(pw);
        std::transform(s.begin(), s.end(), s.begin(), unleet);
        return s;
    }();
    std::vector<Pieces> best(pw.size() + 1);
    best[0].count = 0;
    for (std::size_t i = 0; i < pw.size(); ++i) {
        if (best[i].count == std::numeric_limits<std::size_t>::max()) continue;
        for (std::size_t end = i + 1; end <= pw.size(); ++end) {
            const auto piece = pw.substr(i, end - i);
            const auto plain = std::string_view(unleeted).substr(i, end - i);
            const bool user_piece = !user.empty() && (piece == user || plain == user);
            const bool known = user_piece || is_word(plain) || is_filler(piece) ||
                               is_repeat(piece) || (piece.size() >= k_min_walk && is_walk(piece));
            if (!known) continue;
            Pieces next{best[i].count + 1, best[i].uses_user || user_piece};
            if (next.count < best[end].count ||
                (next.count == best[end].count && next.uses_user && !best[end].uses_user))
                best[end] = next;
        }
    }
    return best[pw.size()];
}

PasswordCheck refuse(PasswordFault fault, std::string message) {
    return PasswordCheck{fault, std::move(message)};
}

}  // namespace

std::size_t common_password_count() noexcept {
    return common_passwords().size();
}

PasswordCheck check_password(std::string_view user, std::string_view password) {
    if (code_points(password) < k_min_password_length)
        return refuse(PasswordFault::too_short,
                      "password too short: use at least 12 characters (a few unrelated words are "
                      "long and easy to remember)");
    const std::string pw = lower(password);
    const std::string name = lower(user);
    if (pw == name)
        return refuse(PasswordFault::equals_user,
                      "password equals the user name: choose one that has nothing to do with it");
    if (std::all_of(pw.begin(), pw.end(), is_digit))
        return refuse(PasswordFault::all_digits,
                      "password is only digits, which are guessed first: use letters too (a few "
                      "unrelated words)");
    const auto list = common_passwords();
    if (std::binary_search(list.begin(), list.end(), std::string_view(pw)))
        return refuse(PasswordFault::common,
                      "password is on the list of common passwords that attackers try first: "
                      "choose another");
    if (pw.size() <= k_max_pattern_length) {
        const Pieces p = fewest_pieces(pw, name);
        if (p.count <= k_max_pattern_pieces && p.uses_user)
            return refuse(PasswordFault::equals_user,
                          "password is the user name with a few characters added: choose one "
                          "that has nothing to do with it");
        if (p.count <= k_max_pattern_pieces)
            return refuse(PasswordFault::common_pattern,
                          "password is a common word, keyboard walk or sequence with digits or "
                          "symbols added, which attackers try first: use several unrelated words "
                          "or a generated password");
    }
    return {};
}

}  // namespace happysip::auth
