// One pass over the bytes: start line, header lines (with continuation lines), body.
// Only what every layer needs is interpreted here (CSeq, Content-Length, presence and
// uniqueness of the RFC 3261 §8.1.1 headers); other values stay views until asked for.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <span>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "happysip/sip/cseq_value.hpp"
#include "happysip/sip/line_feed_finder.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {

namespace {

// The fields of the message being parsed, on the stack while they fit. They reach the
// Message in the one block it allocates once the parse has succeeded (message_storage.hpp),
// so a parse allocates once and a rejected message not at all.
class FieldScratch {
  public:
    // `max_size` is ParseLimits::max_headers: full() covers both that limit and the room.
    explicit FieldScratch(std::size_t max_size) noexcept
        : data_(reinterpret_cast<HeaderField*>(inline_)),
          max_size_(max_size),
          limit_(std::min(k_inline, max_size)) {}
    FieldScratch(const FieldScratch&) = delete;
    FieldScratch& operator=(const FieldScratch&) = delete;

    // One test per line: either the limit is reached (size() >= max_size) or grow() first.
    bool full() const noexcept { return size_ == limit_; }
    [[gnu::cold]] void grow() {
        if (heap_.empty()) heap_.assign(data_, data_ + size_);
        heap_.resize(capacity_ * 2);
        data_ = heap_.data();
        capacity_ = heap_.size();
        limit_ = std::min(capacity_, max_size_);
    }
    // Only when !full().
    HeaderField& emplace_back() noexcept { return *std::construct_at(data_ + size_++); }

    std::size_t size() const noexcept { return size_; }
    HeaderField& operator[](std::size_t i) noexcept { return data_[i]; }
    const HeaderField& operator[](std::size_t i) const noexcept { return data_[i]; }
    std::span<const HeaderField> view() const noexcept { return {data_, size_}; }

  private:
    static constexpr std::size_t k_inline = 64;  // RFC 3261 messages carry 10-30 headers

    alignas(HeaderField) unsigned char inline_[k_inline * sizeof(HeaderField)];
    HeaderField* data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = k_inline;
    std::size_t max_size_;
    std::size_t limit_;  // min(capacity_, max_size_)
    std::vector<HeaderField> heap_;
};

}  // namespace

class MessageParser {
  public:
    // Parses `bytes`; on success the Message copies them into its block, or takes `*owned`
    // (which holds `bytes`) over. On failure nothing is allocated and `*owned` is untouched,
    // so a server can still answer 400 from it.
    static Result<Message> parse(std::string_view bytes, std::string* owned,
                                 const ParseLimits& limits) {
        // One return object for both outcomes, so that it is built in the caller's place.
        Result<Message> result(std::in_place);
        Message& m = *result;
        MessageParser parser(m, bytes, limits);
        if (auto e = parser.run()) {
            result = std::move(*e);
            return result;
        }
        if (owned != nullptr) {
            m.storage_.assign(parser.fields_.view(), std::move(*owned));
        } else {
            m.storage_.assign(parser.fields_.view(), bytes);
        }
        return result;
    }

  private:
    MessageParser(Message& m, std::string_view bytes, const ParseLimits& limits)
        : m_(m),
          b_(bytes),
          limits_(limits),
          lines_(bytes.data(), bytes.size()),
          fields_(limits.max_headers) {}
    std::optional<ParseError> run();

    std::string_view buf() const { return b_; }
    // A field's value while the Message does not hold the bytes yet.
    std::string_view value(const HeaderField& f) const noexcept {
        const char* base = f.value_in_arena ? m_.arena_.data() : b_.data();
        return {base + f.value.offset, f.value.size};
    }
    Span span(std::size_t begin, std::size_t end) const {
        return Span{static_cast<std::uint32_t>(begin), static_cast<std::uint32_t>(end - begin)};
    }
    // Finds the end of the physical line starting at `pos`: returns the index of the
    // line break ('\n', or the '\r' of CRLF) and sets `next` to the following line.
    [[gnu::always_inline]] std::optional<std::size_t> line_end(std::size_t pos, std::size_t& next);

    std::optional<ParseError> parse_start_line(std::size_t begin, std::size_t end);
    std::optional<ParseError> parse_request_line(std::string_view line, std::size_t begin);
    [[gnu::cold]] std::optional<ParseError> check_request_line(std::string_view line,
                                                               std::size_t begin);
    void set_request_line(std::string_view line, std::size_t begin, std::size_t sp1,
                          std::size_t sp2);
    std::optional<ParseError> parse_status_line(std::string_view line, std::size_t begin);
    std::optional<ParseError> parse_version(std::string_view v, std::size_t offset) const;
    std::optional<ParseError> parse_headers(std::size_t& pos);
    [[gnu::cold]] ParseError line_error(std::size_t begin, std::size_t end) const;
    [[gnu::cold]] ParseError header_line_error(std::size_t begin, std::size_t end) const;
    [[gnu::cold]] void unfold(HeaderField& f);
    void record_first_index() noexcept;
    std::optional<ParseError> check_essentials(std::size_t body_begin);
    [[gnu::cold]] ParseError missing_essential() const;
    std::optional<ParseError> parse_cseq();

    // The headers interpreted or required here, as indices into first_.
    enum Tracked : std::uint8_t {
        via,
        from,
        to,
        call_id,
        cseq,
        max_forwards,
        content_length,
        none
    };
    static Tracked tracked(HeaderId id) noexcept;

    Message& m_;
    const std::string_view b_;  // the input; the Message gets its copy on success
    const ParseLimits& limits_;
    LineFeedFinder lines_;
    FieldScratch fields_;
    // First index in fields_ of each tracked header, -1 when absent (first_[none] is scratch).
    int first_[none + 1] = {-1, -1, -1, -1, -1, -1, -1, -1};
};

namespace {

// HeaderId -> MessageParser::Tracked, as a table: a switch compiles to a jump table that
// mispredicts on every header line.
template <class Tracked>
constexpr auto make_tracked_table(Tracked none,
                                  std::initializer_list<std::pair<HeaderId, Tracked>> ids) {
    std::array<Tracked, static_cast<std::size_t>(HeaderId::other) + 1> t{};
    t.fill(none);
    for (auto [id, tracked] : ids)
        t[static_cast<std::size_t>(id)] = tracked;
    return t;
}

}  // namespace

inline MessageParser::Tracked MessageParser::tracked(HeaderId id) noexcept {
    static constexpr auto table =
        make_tracked_table<Tracked>(none, {{HeaderId::via, via},
                                           {HeaderId::from, from},
                                           {HeaderId::to, to},
                                           {HeaderId::call_id, call_id},
                                           {HeaderId::cseq, cseq},
                                           {HeaderId::max_forwards, max_forwards},
                                           {HeaderId::content_length, content_length}});
    return table[static_cast<std::size_t>(id)];
}

namespace {

ParseError error_at(ParseErrc code, std::string_view header, std::size_t offset,
                    std::string_view detail) {
    return make_error(code, header, offset, detail);
}

// RFC 3261 §7.1: SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT, case-insensitive.
bool is_version_syntax(std::string_view v) {
    if (v.size() < 7 || !text::iequals(v.substr(0, 4), "SIP/")) return false;
    std::size_t dot = v.find('.', 4);
    if (dot == std::string_view::npos || dot == 4 || dot + 1 == v.size()) return false;
    for (std::size_t i = 4; i < v.size(); ++i)
        if (i != dot && !chars::is_digit(v[i])) return false;
    return true;
}

// "SIP/2.0" with any case of "SIP": what nearly every message carries, checked with
// seven compares (OR-ing 0x20 folds only letters to the lower-case letters tested).
constexpr bool is_sip_2_0(std::string_view v) noexcept {
    return v.size() == 7 && (v[0] | 0x20) == 's' && (v[1] | 0x20) == 'i' && (v[2] | 0x20) == 'p' &&
           v[3] == '/' && v[4] == '2' && v[5] == '.' && v[6] == '0';
}

[[gnu::cold]] ParseError duplicate_error(HeaderId id, std::size_t offset) {
    // RFC 3261 §7.3.1: these headers carry exactly one value (RFC 4475 multi01, mcl01).
    return error_at(
        id == HeaderId::content_length ? ParseErrc::bad_content_length : ParseErrc::bad_header,
        canonical_name(id), offset, "duplicate " + std::string(canonical_name(id)) + " header");
}

// A NUL is legal in a body, and in the head only as a quoted-pair ("\" %x00, RFC 3261
// §25.1, exercised by RFC 4475 intmeth). Returns the offset of any other NUL in the head.
std::optional<std::size_t> first_bare_nul(std::string_view head) {
    if (std::memchr(head.data(), '\0', head.size()) == nullptr) return std::nullopt;
    for (std::size_t nul = head.find('\0'); nul != std::string_view::npos;
         nul = head.find('\0', nul + 1))
        if (nul == 0 || head[nul - 1] != '\\') return nul;
    return std::nullopt;
}

// Offset of the first ':' in b[pos, end), or end. Header names are short, so the first
// 16 bytes are compared at once; longer names fall back to memchr.
std::size_t find_colon(std::string_view b, std::size_t pos, std::size_t end) noexcept {
#if defined(__SSE2__)
    if (pos + 16 <= b.size()) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.data() + pos));
        const unsigned colons =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))));
        if (colons != 0) [[likely]]
            return std::min(end, pos + static_cast<std::size_t>(std::countr_zero(colons)));
        if (pos + 16 >= end) return end;
        pos += 16;
    }
#endif
    const void* c = std::memchr(b.data() + pos, ':', end - pos);
    return c == nullptr ? end : static_cast<std::size_t>(static_cast<const char*>(c) - b.data());
}

#if defined(__SSE2__)
// Bit k set when byte k of the 16 at p is a control character or white space: unsigned
// at most 0x20 (SP, HTAB and the C0 controls) or DEL.
unsigned ctl_or_wsp_bits(const char* p) noexcept {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
    const __m128i del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
    return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(low, del)));
}
#endif

// Index of the first control character or white space at or after `i` in `s`, or s.size():
// the end of a Request-URI, 16 bytes at a time. Never reads outside s.
std::size_t skip_uri_chars(std::string_view s, std::size_t i) noexcept {
#if defined(__SSE2__)
    if (s.size() >= 16) {
        for (; i + 16 <= s.size(); i += 16)
            if (const unsigned bits = ctl_or_wsp_bits(s.data() + i); bits != 0)
                return i + static_cast<std::size_t>(std::countr_zero(bits));
        // The last bytes: the final 16 of s again, from i on.
        const std::size_t tail = s.size() - 16;
        const unsigned bits = ctl_or_wsp_bits(s.data() + tail) >> (i - tail);
        return bits != 0 ? i + static_cast<std::size_t>(std::countr_zero(bits)) : s.size();
    }
#endif
    while (i < s.size() && !chars::is(s[i], chars::k_ctl | chars::k_wsp))
        ++i;
    return i;
}

}  // namespace

inline std::optional<std::size_t> MessageParser::line_end(std::size_t pos, std::size_t& next) {
    const char* base = buf().data();
    const std::size_t lf = lines_.next();
    if (lf == buf().size()) return std::nullopt;
    next = lf + 1;
    return (lf > pos && base[lf - 1] == '\r') ? lf - 1 : lf;
}

std::optional<ParseError> MessageParser::run() {
    if (buf().size() > limits_.max_message_size)
        return error_at(ParseErrc::too_large, "", limits_.max_message_size,
                        "message exceeds " + std::to_string(limits_.max_message_size) + " bytes");
    // RFC 3261 §7.5: CRLFs before the start line are ignored.
    std::size_t pos = 0;
    while (pos < buf().size() && (buf()[pos] == '\r' || buf()[pos] == '\n'))
        ++pos;
    if (pos == buf().size()) return error_at(ParseErrc::truncated, "", pos, "empty message");

    std::size_t next = 0;
    lines_.start_at(pos);
    auto end = line_end(pos, next);
    if (!end) return error_at(ParseErrc::truncated, "", buf().size(), "no end of start line");
    if (auto e = parse_start_line(pos, *end)) return e;
    const std::size_t head_begin = pos;
    pos = next;
    if (auto e = parse_headers(pos)) return e;
    record_first_index();
    // Checked once the head's extent is known (after any leading CRLFs, before the body), and
    // only if the line-feed search met a NUL on its way (in the head, or in the body's first
    // bytes).
    if (auto nul = lines_.saw_nul() ? first_bare_nul(buf().substr(head_begin, pos - head_begin))
                                    : std::nullopt)
        return error_at(ParseErrc::bad_header, "", head_begin + *nul, "NUL byte in message head");
    return check_essentials(pos);
}

std::optional<ParseError> MessageParser::parse_start_line(std::size_t begin, std::size_t end) {
    if (end - begin > limits_.max_line_length)
        return error_at(ParseErrc::too_large, "", begin, "start line too long");
    m_.start_line_ = span(begin, end);
    std::string_view line = buf().substr(begin, end - begin);
    if (text::istarts_with(line, "SIP/")) return parse_status_line(line, begin);
    return parse_request_line(line, begin);
}

std::optional<ParseError> MessageParser::parse_version(std::string_view v,
                                                       std::size_t offset) const {
    if (is_sip_2_0(v)) return std::nullopt;
    if (!is_version_syntax(v))
        return error_at(ParseErrc::bad_start_line, "", offset, "malformed SIP-Version");
    if (!text::iequals(v, "SIP/2.0"))
        return error_at(ParseErrc::unsupported_version, "", offset,
                        "SIP version " + std::string(v.substr(4)) + " not supported");
    return std::nullopt;
}

// RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single spaces, nothing else.
std::optional<ParseError> MessageParser::parse_request_line(std::string_view line,
                                                            std::size_t begin) {
    m_.is_request_ = true;
    // The common line in one pass: a token, one SP, a URI without white space or control
    // characters, one SP, "SIP/2.0". Anything else takes the checks below, which word the
    // error.
    std::size_t sp1 = 0;
    while (sp1 < line.size() && chars::is_token(line[sp1]))
        ++sp1;
    if (sp1 > 0 && sp1 + 9 < line.size() && line[sp1] == ' ') {
        const std::size_t sp2 = skip_uri_chars(line, sp1 + 1);
        if (sp2 > sp1 + 1 && sp2 < line.size() && line[sp2] == ' ' &&
            is_sip_2_0(line.substr(sp2 + 1))) {
            set_request_line(line, begin, sp1, sp2);
            return std::nullopt;
        }
    }
    return check_request_line(line, begin);
}

void MessageParser::set_request_line(std::string_view line, std::size_t begin, std::size_t sp1,
                                     std::size_t sp2) {
    m_.method_span_ = span(begin, begin + sp1);
    m_.method_ = method_from_name(line.substr(0, sp1));
    m_.uri_span_ = span(begin + sp1 + 1, begin + sp2);
    m_.version_span_ = span(begin + sp2 + 1, begin + line.size());
}

std::optional<ParseError> MessageParser::check_request_line(std::string_view line,
                                                            std::size_t begin) {
    if (!line.empty() && chars::is_wsp(line.back()))
        return error_at(ParseErrc::bad_start_line, "", begin + line.size() - 1,
                        "white space after SIP-Version");
    if (line.find("  ") != std::string_view::npos)
        return error_at(ParseErrc::bad_start_line, "", begin + line.find("  "),
                        "elements of the request line must be separated by one space");
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 == 0 || !chars::is_token(line.substr(0, sp1)))
        return error_at(ParseErrc::bad_start_line, "", begin, "malformed method");
    std::size_t sp2 = line.rfind(' ');
    if (sp2 == sp1) return error_at(ParseErrc::bad_start_line, "", begin, "missing SIP-Version");
    std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (uri.empty())
        return error_at(ParseErrc::bad_start_line, "", begin + sp1 + 1,
                        "empty Request-URI or extra spaces");
    for (std::size_t i = 0; i < uri.size(); ++i) {
        char c = uri[i];
        if (c == ' ' || chars::is(c, chars::k_ctl) || c == '\t')
            return error_at(ParseErrc::bad_uri, "Request-URI", begin + sp1 + 1 + i,
                            "white space or control character in Request-URI");
    }
    if (auto e = parse_version(line.substr(sp2 + 1), begin + sp2 + 1)) return e;
    set_request_line(line, begin, sp1, sp2);
    return std::nullopt;
}

// RFC 3261 §7.2: SIP-Version SP Status-Code SP Reason-Phrase. The phrase may be empty;
// a missing final SP is tolerated because deployed servers send "SIP/2.0 100" bare.
std::optional<ParseError> MessageParser::parse_status_line(std::string_view line,
                                                           std::size_t begin) {
    m_.is_request_ = false;
    std::size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
        return error_at(ParseErrc::bad_start_line, "", begin, "missing status code");
    if (auto e = parse_version(line.substr(0, sp1), begin)) return e;
    std::string_view code = line.substr(sp1 + 1, 3);
    auto status = text::parse_uint(code);
    if (code.size() != 3 || !status || *status < 100 || *status > 699)
        return error_at(ParseErrc::bad_start_line, "", begin + sp1 + 1,
                        "status code must be three digits from 100 to 699");
    std::size_t after = sp1 + 4;
    if (after < line.size() && line[after] != ' ')
        return error_at(ParseErrc::bad_start_line, "", begin + after,
                        "status code must be three digits from 100 to 699");
    m_.status_ = static_cast<int>(*status);
    m_.version_span_ = span(begin, begin + sp1);
    std::size_t reason = after < line.size() ? after + 1 : line.size();
    m_.reason_span_ = span(begin + reason, begin + line.size());
    for (char c : line.substr(reason))
        if (chars::is(c, chars::k_ctl) && c != '\t')
            return error_at(ParseErrc::bad_start_line, "", begin + reason,
                            "control character in Reason-Phrase");
    return std::nullopt;
}

std::optional<ParseError> MessageParser::parse_headers(std::size_t& pos_io) {
    // One tight loop per header line: every fault leaves through a cold path, so the
    // common line costs a line-feed lookup, a colon test, a name lookup and a few stores.
    const std::string_view b = buf();
    FieldScratch& fields = fields_;
    // No line can be too long when the whole message is not: one test instead of one per line.
    const std::size_t max_line_length =
        b.size() > limits_.max_line_length ? limits_.max_line_length : b.size();
    std::size_t pos = pos_io;
    while (true) {
        const std::size_t lf = lines_.next();
        if (lf == b.size()) [[unlikely]]
            return error_at(ParseErrc::truncated, "", b.size(), "no empty line after headers");
        const std::size_t end = (lf > pos && b[lf - 1] == '\r') ? lf - 1 : lf;
        std::size_t next = lf + 1;
        if (end == pos) {  // the empty line: headers are over
            pos_io = next;
            return std::nullopt;
        }
        if (end - pos > max_line_length || chars::is_wsp(b[pos])) [[unlikely]]
            return line_error(pos, end);
        // header-name HCOLON: the name is everything before the first ':' but trailing
        // white space, and must be a token (known names are matched exactly, below).
        const std::size_t colon = find_colon(b, pos, end);
        // (b[colon - 1] can be read: the start line comes before any header line.)
        std::size_t name_end = colon;
        if (chars::is_wsp(b[colon - 1])) [[unlikely]]
            while (name_end > pos && chars::is_wsp(b[name_end - 1]))
                --name_end;
        if (colon == end || name_end == pos) [[unlikely]]
            return header_line_error(pos, end);
        const HeaderId id = pos + k_header_name_lookahead <= b.size()
                                ? header_id_from_padded_name(b.data() + pos, name_end - pos)
                                : header_id_from_name(b.substr(pos, name_end - pos));
        // A known name matched exactly (header_id.cpp), so only other names need the check.
        if (id == HeaderId::other && !chars::all_of(b.substr(pos, name_end - pos), chars::k_token))
            [[unlikely]]
            return header_line_error(pos, end);
        // RFC 3261 §7.3.1: a line starting with white space continues the header.
        std::size_t last_end = end;
        while (next < b.size() && chars::is_wsp(b[next]))
            [[unlikely]] {
                const std::size_t cont_lf = lines_.next();
                if (cont_lf == b.size())
                    return error_at(ParseErrc::truncated, "", b.size(),
                                    "no empty line after headers");
                last_end = (b[cont_lf - 1] == '\r') ? cont_lf - 1 : cont_lf;
                next = cont_lf + 1;
            }
        if (fields.full()) [[unlikely]] {
            if (fields.size() >= limits_.max_headers)
                return error_at(ParseErrc::too_large, "", pos,
                                "more than " + std::to_string(limits_.max_headers) + " headers");
            fields.grow();
        }
        // Remembers the first of each tracked header without a branch on which it is. (A
        // branch-free min of the unsigned indices, bit masks with the first indices found
        // after the loop, and this loop's state in locals were no faster.)
        const Tracked t = tracked(id);
        const int earlier = first_[t];
        first_[t] = earlier < 0 ? static_cast<int>(fields.size()) : earlier;
        if (earlier >= 0 && t != via && t != none) [[unlikely]]
            return duplicate_error(id, pos);
        // HCOLON = *( SP / HTAB ) ":" SWS: nearly always one SP. (b[colon + 1] is at most
        // the line end, so it can be read.)
        std::size_t v = colon + 1 + (b[colon + 1] == ' ' ? 1 : 0);
        while (v < last_end && (chars::is_wsp(b[v]) || b[v] == '\r' || b[v] == '\n'))
            [[unlikely]]++ v;
        std::size_t ve = last_end;
        if (chars::is_wsp(b[last_end - 1])) [[unlikely]]  // b[colon] at the least
            while (ve > v && chars::is_wsp(b[ve - 1]))
                --ve;
        // Built in place: assembling a HeaderField on the stack and copying it in made the CPU
        // reload byte-wise stores as one wide word (a store-forwarding stall on every line).
        HeaderField& f = fields.emplace_back();
        f.id = id;
        f.line = span(pos, last_end);
        f.name = span(pos, name_end);
        f.value = span(v, ve);
        if (last_end != end) [[unlikely]]
            unfold(f);
        pos = next;
    }
}

void MessageParser::record_first_index() noexcept {
    // Message::first_index_ covers the first HeaderIds, which must be the tracked ones.
    static_assert(static_cast<int>(HeaderId::via) == 0 && static_cast<int>(HeaderId::from) == 1 &&
                  static_cast<int>(HeaderId::to) == 2 && static_cast<int>(HeaderId::call_id) == 3 &&
                  static_cast<int>(HeaderId::cseq) == 4 &&
                  static_cast<int>(HeaderId::max_forwards) == 5 &&
                  static_cast<int>(HeaderId::content_length) == 6 && Message::k_indexed == 7);
    if (fields_.size() >= 0xffff) return;  // find() then walks the fields
    for (std::size_t i = 0; i < Message::k_indexed; ++i) {
        const int at = first_[tracked(static_cast<HeaderId>(i))];
        m_.first_index_[i] = static_cast<std::uint16_t>(at + 1);
    }
    m_.first_index_valid_ = true;
}

ParseError MessageParser::line_error(std::size_t begin, std::size_t end) const {
    if (end - begin > limits_.max_line_length)
        return error_at(ParseErrc::too_large, "", begin, "header line too long");
    return error_at(ParseErrc::bad_header, "", begin, "continuation line without a header");
}

// The error for a header line whose name is not a token followed by optional white space
// and ':', worded as a byte-by-byte scan finds it.
ParseError MessageParser::header_line_error(std::size_t begin, std::size_t end) const {
    const std::string_view b = buf();
    std::size_t name_end = begin;
    while (name_end < end && chars::is_token(b[name_end]))
        ++name_end;
    return error_at(ParseErrc::bad_header, b.substr(begin, name_end - begin), begin,
                    name_end == begin ? "header name is not a token" : "header line without colon");
}

// Moves a value spread over continuation lines into the arena, every run of white space
// containing a line break replaced by one SP.
void MessageParser::unfold(HeaderField& f) {
    const std::string_view b = buf();
    const std::size_t v = f.value.offset;
    const std::size_t ve = v + f.value.size;
    std::string unfolded;
    unfolded.reserve(ve - v);
    for (std::size_t i = v; i < ve; ++i) {
        char c = b[i];
        if (c == '\r' || c == '\n') {
            while (!unfolded.empty() && chars::is_wsp(unfolded.back()))
                unfolded.pop_back();
            while (i + 1 < ve && (chars::is_wsp(b[i + 1]) || b[i + 1] == '\n'))
                ++i;
            unfolded.push_back(' ');
        } else {
            unfolded.push_back(c);
        }
    }
    f.value = m_.store(unfolded);
    f.value_in_arena = true;
}

std::optional<ParseError> MessageParser::parse_cseq() {
    // RFC 3261 §8.1.1.5: CSeq = 1*DIGIT LWS Method; the number is below 2**31.
    const HeaderField& f = fields_[static_cast<std::size_t>(first_[cseq])];
    const std::string_view v = value(f);
    const CSeqValue parts = split_cseq(v);
    const std::string_view method = parts.method;
    // A request's CSeq method is its request line's, already checked to be a token and
    // identified: compared first, it needs neither again.
    const std::string_view request_method{b_.data() + m_.method_span_.offset, m_.method_span_.size};
    const bool same_as_request = m_.is_request_ && method == request_method;
    if (!parts.number_ok || parts.method_begin == parts.digits ||
        (!same_as_request && !chars::is_token(method)))
        return error_at(ParseErrc::bad_header, "CSeq", f.line.offset,
                        !parts.number_ok ? "sequence number missing or not below 2**31"
                                         : "expected: number SP method");
    m_.cseq_number_ = parts.number;
    m_.cseq_method_ = same_as_request ? m_.method_ : method_from_name(method);
    m_.cseq_method_span_ = span(f.value.offset + parts.method_begin, f.value.offset + v.size());
    m_.cseq_method_in_arena_ = f.value_in_arena;
    if (m_.is_request_ && !same_as_request)
        return error_at(ParseErrc::cseq_method_mismatch, "CSeq", f.line.offset,
                        "CSeq method " + std::string(method) + " does not match request method " +
                            std::string(request_method));
    return std::nullopt;
}

// The first of Via, From, To, Call-ID and CSeq (in that order) that is missing or empty.
ParseError MessageParser::missing_essential() const {
    struct Required {
        int index;
        std::string_view name;
    };
    for (Required r :
         {Required{first_[via], "Via"}, Required{first_[from], "From"}, Required{first_[to], "To"},
          Required{first_[call_id], "Call-ID"}, Required{first_[cseq], "CSeq"}}) {
        if (r.index < 0) return error_at(ParseErrc::missing_header, r.name, 0, "");
        const HeaderField& f = fields_[static_cast<std::size_t>(r.index)];
        if (f.value.size == 0)
            return error_at(ParseErrc::bad_header, r.name, f.line.offset, "empty value");
    }
    return error_at(ParseErrc::bad_header, "", 0, "");  // not reached: called when one is
}

std::optional<ParseError> MessageParser::check_essentials(std::size_t body_begin) {
    // RFC 3261 §8.1.1: Via, From, To, Call-ID and CSeq present, with values. All at once
    // first (an index is -1 when absent, so an OR of them is negative); missing_essential
    // names the first one missing or empty.
    const bool all_present =
        (first_[via] | first_[from] | first_[to] | first_[call_id] | first_[cseq]) >= 0;
    if (!all_present || fields_[static_cast<std::size_t>(first_[via])].value.size == 0 ||
        fields_[static_cast<std::size_t>(first_[from])].value.size == 0 ||
        fields_[static_cast<std::size_t>(first_[to])].value.size == 0 ||
        fields_[static_cast<std::size_t>(first_[call_id])].value.size == 0 ||
        fields_[static_cast<std::size_t>(first_[cseq])].value.size == 0) [[unlikely]]
        return missing_essential();
    if (auto e = parse_cseq()) return e;
    if (first_[max_forwards] >= 0) {
        const HeaderField& f = fields_[static_cast<std::size_t>(first_[max_forwards])];
        if (!text::parse_uint(value(f), 255))
            return error_at(ParseErrc::bad_header, "Max-Forwards", f.line.offset,
                            "expected a number from 0 to 255");
    }
    std::size_t available = buf().size() - body_begin;
    std::size_t body_size = available;
    if (first_[content_length] >= 0) {
        const HeaderField& f = fields_[static_cast<std::size_t>(first_[content_length])];
        auto length = text::parse_uint(value(f));
        if (!length)
            return error_at(ParseErrc::bad_content_length, "Content-Length", f.line.offset,
                            "not a decimal number");
        if (*length > available)
            return error_at(ParseErrc::bad_content_length, "Content-Length", f.line.offset,
                            "declares " + std::to_string(*length) + " bytes but the body has " +
                                std::to_string(available));
        body_size = *length;  // RFC 3261 §18.3: bytes past Content-Length are discarded
    }
    m_.body_span_ = span(body_begin, body_begin + body_size);
    return std::nullopt;
}

Result<Message> parse_message(std::string&& bytes, const ParseLimits& limits) {
    return MessageParser::parse(bytes, &bytes, limits);
}

Result<Message> parse_message(std::string_view bytes, const ParseLimits& limits) {
    return MessageParser::parse(bytes, nullptr, limits);
}

}  // namespace happysip::sip
