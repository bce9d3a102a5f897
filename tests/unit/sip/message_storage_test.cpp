// A parsed Message keeps its header fields and a copy of its bytes in one block
// (message_storage.hpp), or the caller's string when the bytes were handed over. These
// tests pin down what a user can rely on whichever way the bytes are held: copies are deep,
// moves keep views valid, insertions past the block's spare slots keep every field.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "happysip/sip/message.hpp"

namespace happysip::sip {
namespace {

constexpr std::string_view k_options =
    "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP [2001:db8::2]:5060;branch=z9hG4bKhjhs8ass877\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:carol@chicago.example.com>\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

Message parsed(std::string_view text) {
    auto m = parse_message(text);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
    return m.ok() ? std::move(m).value() : Message{};
}

TEST(MessageStorage, CopyIsDeepAndIndependentOfTheOriginal) {
    auto original = std::make_unique<Message>(parsed(k_options));
    Message copy = *original;
    original->set(HeaderId::call_id, "changed");
    original.reset();  // the copy must not point into the original's block
    EXPECT_EQ(copy.raw(), k_options);
    EXPECT_EQ(copy.header(HeaderId::call_id), "a84b4c76e66710");
    EXPECT_EQ(copy.serialize(), k_options);
}

TEST(MessageStorage, MovedMessageKeepsItsViewsAndLeavesAnEmptyOne) {
    Message m = parsed(k_options);
    const std::string_view raw = m.raw();
    Message moved = std::move(m);
    EXPECT_EQ(moved.raw().data(), raw.data());  // the block moved, not the bytes
    EXPECT_EQ(moved.header(HeaderId::call_id), "a84b4c76e66710");
    EXPECT_TRUE(m.raw().empty());     // NOLINT(bugprone-use-after-move): empty, as documented
    EXPECT_TRUE(m.fields().empty());  // NOLINT(bugprone-use-after-move)
    Message assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.header(HeaderId::cseq), "63104 OPTIONS");
}

TEST(MessageStorage, InsertionsBeyondTheSpareSlotsKeepEveryFieldInOrder) {
    Message m = parsed(k_options);
    const std::size_t before = m.fields().size();
    for (int i = 0; i < 12; ++i)
        m.insert(0, HeaderId::record_route, "<sip:p" + std::to_string(i) + ".example.com;lr>");
    m.insert(3, "X-Middle", "kept");
    m.append(HeaderId::supported, "path");
    ASSERT_EQ(m.fields().size(), before + 14);
    EXPECT_EQ(m.value(m.fields()[0]), "<sip:p11.example.com;lr>");
    EXPECT_EQ(m.name(m.fields()[3]), "X-Middle");
    EXPECT_EQ(m.value(m.fields().back()), "path");
    EXPECT_EQ(m.header(HeaderId::call_id), "a84b4c76e66710");
    // Copies and moves of a message whose fields outgrew its block.
    Message copy = m;
    Message moved = std::move(m);
    EXPECT_EQ(copy.serialize(), moved.serialize());
    auto again = parse_message(copy.serialize());
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->fields().size(), before + 14);
}

TEST(MessageStorage, HandedOverBytesAreKeptWithoutACopy) {
    std::string bytes(k_options);
    const char* data = bytes.data();
    auto m = parse_message(std::move(bytes));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->raw().data(), data);
    Message copy = *m;
    EXPECT_NE(copy.raw().data(), data);
    EXPECT_EQ(copy.raw(), k_options);
    Message moved = std::move(*m);
    EXPECT_EQ(moved.raw().data(), data);
    EXPECT_EQ(moved.header(HeaderId::to), "<sip:carol@chicago.example.com>");
}

// A copy of handed-over bytes holds its own (in its one block): it outlives the original
// and takes edits past its spare field slots.
TEST(MessageStorage, CopyOfHandedOverBytesOutlivesTheOriginal) {
    Message copy;
    {
        auto m = parse_message(std::string(k_options));
        ASSERT_TRUE(m.ok());
        copy = *m;
    }
    EXPECT_EQ(copy.raw(), k_options);
    EXPECT_EQ(copy.header(HeaderId::call_id), "a84b4c76e66710");
    for (int i = 0; i < 4; ++i)
        copy.insert(0, HeaderId::record_route, "<sip:p" + std::to_string(i) + ".example.com;lr>");
    auto again = parse_message(copy.serialize());
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->values(HeaderId::record_route).size(), 4u);
    EXPECT_EQ(again->header(HeaderId::cseq), "63104 OPTIONS");
}

TEST(MessageStorage, DefaultMessageCopiesAndGrowsFromNothing) {
    Message empty;
    Message copy = empty;
    EXPECT_TRUE(copy.raw().empty());
    EXPECT_TRUE(copy.fields().empty());
    copy.append(HeaderId::call_id, "x@y");
    Message copy2 = copy;
    EXPECT_EQ(copy2.header(HeaderId::call_id), "x@y");
}

TEST(MessageStorage, ManyHeadersParseBeyondTheParsersStackSlots) {
    std::string text(k_options);
    std::string extra;
    for (int i = 0; i < 150; ++i)
        extra += "X-H" + std::to_string(i) + ": " + std::to_string(i) + "\r\n";
    text.insert(text.find("Content-Length"), extra);
    auto m = parse_message(text);
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    ASSERT_EQ(m->fields().size(), 157u);  // 6 before the extra ones, 150, Content-Length
    EXPECT_EQ(m->value(m->fields()[6 + 149]), "149");
    EXPECT_EQ(m->find("x-h100"), &m->fields()[6 + 100]);
    EXPECT_EQ(m->header(HeaderId::content_length), "0");
}

// The parser looks for NULs in the head only when the line-feed search met one; a NUL in
// the last, partial 64-byte block or right after the head must still be told apart.
TEST(MessageStorage, NulChecksAtTheEndOfTheInput) {
    std::string head(k_options);
    head.pop_back();
    head.pop_back();  // the empty line, put back below
    for (std::size_t pad = 0; pad < 70; ++pad) {
        const std::string padding(pad, 'a');
        std::string with_body = head + "X-Pad: " + padding + "\r\n\r\n";
        with_body.replace(with_body.find("Content-Length: 0"), 17, "Content-Length: 2");
        with_body += std::string("\0\0", 2);  // NULs in the body: fine
        auto ok = parse_message(with_body);
        EXPECT_TRUE(ok.ok()) << pad << ": " << (ok.ok() ? "" : ok.error().to_string());
        std::string bad = head + "X-Pad: " + padding + std::string("\0", 1) + "\r\n\r\n";
        auto rejected = parse_message(bad);
        ASSERT_FALSE(rejected.ok()) << pad;
        EXPECT_EQ(rejected.error().code, ParseErrc::bad_header) << pad;
        EXPECT_EQ(rejected.error().offset, head.size() + 7 + pad) << pad;
    }
}

// Found by fuzz_message: a head without its empty line whose last line ends on a 64-byte
// boundary made the line-feed search shift a 64-bit mask by 64.
TEST(MessageStorage, HeadEndingOnABlockBoundaryWithoutEmptyLineIsTruncated) {
    std::string head(k_options);
    head.resize(head.size() - 2);  // drop the empty line
    for (std::size_t total : {std::size_t{320}, std::size_t{384}}) {
        ASSERT_LT(head.size() + 11, total);
        const std::string text =
            head + "X-Pad: " + std::string(total - head.size() - 9, 'p') + "\r\n";
        ASSERT_EQ(text.size(), total);
        auto m = parse_message(text);
        ASSERT_FALSE(m.ok());
        EXPECT_EQ(m.error().code, ParseErrc::truncated);
    }
}

}  // namespace
}  // namespace happysip::sip
