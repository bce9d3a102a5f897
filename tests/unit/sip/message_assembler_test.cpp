// A message assembled with its fields noted as it grows must be the message parse_message
// makes of the same text: field for field, with the same index of first headers, and the
// same error when the parser rejects the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "happysip/sip/builder.hpp"
#include "happysip/sip/message_assembler.hpp"
#include "happysip/sip/name_addr.hpp"
#include "happysip/sip/status_reason.hpp"

namespace happysip::sip {
namespace {

namespace fs = std::filesystem;

void expect_same(const Result<Message>& got, const Result<Message>& want, const std::string& what) {
    SCOPED_TRACE(what);
    ASSERT_EQ(got.ok(), want.ok()) << (want.ok() ? got.error().to_string() : "accepted");
    if (!want.ok()) {
        EXPECT_EQ(got.error().to_string(), want.error().to_string());
        return;
    }
    const Message& g = *got;
    const Message& w = *want;
    EXPECT_EQ(g.raw(), w.raw());
    EXPECT_EQ(g.serialize(), w.serialize());
    EXPECT_EQ(g.is_request(), w.is_request());
    EXPECT_EQ(g.status_code(), w.status_code());
    EXPECT_EQ(g.reason_phrase(), w.reason_phrase());
    EXPECT_EQ(g.cseq_number(), w.cseq_number());
    EXPECT_EQ(g.cseq_method(), w.cseq_method());
    EXPECT_EQ(g.cseq_method_text(), w.cseq_method_text());
    EXPECT_EQ(g.method(), w.method());
    EXPECT_EQ(g.method_text(), w.method_text());
    EXPECT_EQ(g.request_uri(), w.request_uri());
    EXPECT_EQ(g.body(), w.body());
    ASSERT_EQ(g.fields().size(), w.fields().size());
    for (std::size_t i = 0; i < g.fields().size(); ++i) {
        const HeaderField& a = g.fields()[i];
        const HeaderField& b = w.fields()[i];
        EXPECT_EQ(a.id, b.id) << "field " << i;
        EXPECT_EQ(a.line.offset, b.line.offset) << "field " << i;
        EXPECT_EQ(a.line.size, b.line.size) << "field " << i;
        EXPECT_EQ(a.name.offset, b.name.offset) << "field " << i;
        EXPECT_EQ(a.name.size, b.name.size) << "field " << i;
        EXPECT_EQ(a.value.offset, b.value.offset) << "field " << i;
        EXPECT_EQ(a.value.size, b.value.size) << "field " << i;
        EXPECT_EQ(a.value_in_arena, b.value_in_arena) << "field " << i;
        EXPECT_EQ(a.name_in_arena, b.name_in_arena) << "field " << i;
        EXPECT_EQ(a.removed, b.removed) << "field " << i;
        EXPECT_EQ(a.edited, b.edited) << "field " << i;
    }
    for (int id = 0; id <= static_cast<int>(HeaderId::other); ++id) {
        const HeaderField* a = g.find(static_cast<HeaderId>(id));
        const HeaderField* b = w.find(static_cast<HeaderId>(id));
        ASSERT_EQ(a == nullptr, b == nullptr) << "find " << id;
        if (a != nullptr) {
            EXPECT_EQ(a - g.fields().data(), b - w.fields().data()) << "find " << id;
        }
    }
}

// The response text as RFC 3261 §8.2.6 composes it: what make_response wrote and parsed
// before it assembled.
std::string response_text(const Message& request, int status, std::string_view reason,
                          std::string_view to_tag, const std::vector<std::string>& extra) {
    std::string out = "SIP/2.0 " + std::to_string(status) + " ";
    out.append(reason.empty() ? default_reason(status) : reason).append("\r\n");
    for (const HeaderField& f : request.fields()) {
        if (f.removed) continue;
        const std::string_view v = request.value(f);
        switch (f.id) {
            case HeaderId::via:
            case HeaderId::from:
            case HeaderId::call_id:
            case HeaderId::cseq:
                out.append(canonical_name(f.id)).append(": ").append(v).append("\r\n");
                break;
            case HeaderId::to: {
                auto parsed = parse_name_addr(v, "To");
                const bool has_tag = parsed && parsed->tag().has_value();
                out.append("To: ").append(v);
                if (!has_tag && !to_tag.empty() && status > 100) out.append(";tag=").append(to_tag);
                out.append("\r\n");
                break;
            }
            case HeaderId::timestamp:
                if (status == 100) out.append("Timestamp: ").append(v).append("\r\n");
                break;
            default:
                break;
        }
    }
    for (const std::string& h : extra)
        out.append(h).append("\r\n");
    return out + "Content-Length: 0\r\n\r\n";
}

std::vector<std::string> corpus_requests() {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(HAPPYSIP_CORPUS_DIR)) {
        if (entry.path().extension() != ".sip") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto m = parse_message(text);
        if (m.ok() && m->is_request()) out.push_back(text);
    }
    return out;
}

struct Case {
    int status;
    std::string_view reason;
    std::string_view tag;
    std::vector<std::string> extra;
};

const std::vector<Case>& response_cases() {
    static const std::vector<Case> cases = {
        {100, {}, "t1", {}},
        {180, {}, "t1", {}},
        {200,
         "OK",
         "a6c85cf",
         {"Contact: <sip:alice@[2001:db8::1]:5060>;expires=3600",
          "Date: Wed, 02 Dec 2026 20:00:00 GMT", "Server: happysip"}},
        {423, "Interval Too Brief", "x", {"Min-Expires: 60"}},
        {599, {}, {}, {"X-Custom:value", "Supported: outbound, gruu"}},
    };
    return cases;
}

// Each torture request as parsed, and with its top Via edited (received), whose value then
// lives in the arena, as it does in a server.
std::vector<Message> corpus_requests_and_stamped() {
    std::vector<Message> out;
    for (const std::string& text : corpus_requests()) {
        auto request = parse_message(text);
        Message stamped = *request;
        if (const HeaderField* via = stamped.find(HeaderId::via))
            stamped.set_value(static_cast<std::size_t>(via - stamped.fields().data()),
                              std::string(stamped.value(*via)) + ";received=192.0.2.1");
        out.push_back(std::move(*request));
        out.push_back(std::move(stamped));
    }
    return out;
}

TEST(MessageAssembler, ResponsesToTheTortureRequestsAreWhatTheirTextParsesTo) {
    const std::vector<Message> requests = corpus_requests_and_stamped();
    ASSERT_GE(requests.size(), 40u);
    for (const Message& m : requests)
        for (const Case& c : response_cases())
            expect_same(make_response(m, c.status, c.reason, c.tag, c.extra),
                        parse_message(response_text(m, c.status, c.reason, c.tag, c.extra)),
                        std::string(m.raw().substr(0, 60)) + " / " + std::to_string(c.status));
}

// The stateless path writes bytes only: they must be those of the response made as a
// Message, for every torture request, with and without a last line.
TEST(ResponseBytes, AreTheMadeResponsesBytesForTheTortureRequests) {
    const std::vector<Message> requests = corpus_requests_and_stamped();
    ASSERT_GE(requests.size(), 40u);
    for (const Message& m : requests)
        for (const Case& c : response_cases())
            for (std::string_view last : {std::string_view(), std::string_view("Server: hs")}) {
                SCOPED_TRACE(std::string(m.raw().substr(0, 60)) + " / " + std::to_string(c.status));
                auto made = make_response(m, c.status, c.reason, c.tag, c.extra, last);
                auto bytes = response_bytes(m, c.status, c.reason, c.tag, c.extra, last);
                ASSERT_TRUE(made.ok()) << made.error().to_string();
                ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
                EXPECT_EQ(*bytes, made->serialize());
            }
}

constexpr std::string_view k_register =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bK1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: c1@192.0.2.5\r\n"
    "CSeq: 7 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

// Lines the parser reads otherwise than as written, or rejects: the assembler must hand
// those to it and return what it returns.
TEST(MessageAssembler, LinesTheParserReadsOtherwiseGiveTheParsersAnswer) {
    auto request = parse_message(k_register);
    ASSERT_TRUE(request.ok());
    const std::vector<std::string> odd = {
        "Expires:  60",                // two spaces: the value starts later
        "Expires:\t60",                // HCOLON's tab
        "Expires: 60 ",                // trailing white space
        "Expires : 60",                // white space before the colon
        "X-Empty:",                    // no value at all
        "Content-Length: 5",           // declares a body there is none of
        "Content-Length: 0",           // a second Content-Length
        "Max-Forwards: 300",           // out of range
        "Max-Forwards: 10",            // valid, but checked by the parser
        "CSeq: 1 REGISTER",            // a second CSeq
        "Call-ID: another",            // a second Call-ID
        "Via: SIP/2.0/UDP 192.0.2.9",  // a second Via: allowed
        "Bad Name: x",                 // not a token
        "NoColon",                     // not a header line
        ": no name",                   // empty name
        "X-Nul: a" + std::string(1, '\0') + "b",
        "X-Break: a\r\nInjected: b",          // a line break inside a value
        "X-Fold: a\r\n b",                    // a continuation line
        "X-Long: " + std::string(9000, 'a'),  // over the line limit
        "v: SIP/2.0/UDP 192.0.2.9",           // compact form of Via
        "l: 0",                               // compact Content-Length
    };
    for (const std::string& line : odd) {
        const std::vector<std::string> extra = {line};
        expect_same(make_response(*request, 200, "OK", "t", extra),
                    parse_message(response_text(*request, 200, "OK", "t", extra)), line);
    }
    std::vector<std::string> many(300, "X-Many: 1");  // over the header count limit
    expect_same(make_response(*request, 200, "OK", "t", many),
                parse_message(response_text(*request, 200, "OK", "t", many)), "300 headers");
    std::vector<std::string> big(10, "X-Big: " + std::string(7000, 'b'));  // over 64 KB
    expect_same(make_response(*request, 200, "OK", "t", big),
                parse_message(response_text(*request, 200, "OK", "t", big)), "70 KB");
}

TEST(MessageAssembler, StatusLinesTheParserRejectsGiveItsError) {
    auto request = parse_message(k_register);
    ASSERT_TRUE(request.ok());
    for (int status : {99, 700, 1000}) {
        auto got = make_response(*request, status, "Odd", "t");
        EXPECT_FALSE(got.ok()) << status;
        expect_same(got, parse_message(response_text(*request, status, "Odd", "t", {})),
                    std::to_string(status));
    }
    const std::string reason = std::string("Bad") + '\x01' + "Reason";
    expect_same(make_response(*request, 200, reason, "t"),
                parse_message(response_text(*request, 200, reason, "t", {})), "CTL in reason");
    expect_same(make_response(*request, 200, "Tab\tIs Fine", "t"),
                parse_message(response_text(*request, 200, "Tab\tIs Fine", "t", {})), "tab");
}

// What would break the framing gets make_response's answer: its error, or the bytes of
// what the parser made of the text (a line break in a line can be read as two lines).
TEST(ResponseBytes, FramingBreakersGetMakeResponsesAnswer) {
    auto request = parse_message(k_register);
    ASSERT_TRUE(request.ok());
    const auto same_answer = [&](int status, std::string_view reason,
                                 const std::vector<std::string>& extra, const std::string& what) {
        SCOPED_TRACE(what);
        auto made = make_response(*request, status, reason, "t", extra, {});
        auto bytes = response_bytes(*request, status, reason, "t", extra, {});
        ASSERT_EQ(bytes.ok(), made.ok());
        if (made.ok())
            EXPECT_EQ(*bytes, made->serialize());
        else
            EXPECT_EQ(bytes.error().to_string(), made.error().to_string());
    };
    for (int status : {99, 700, 1000})
        same_answer(status, "Odd", {}, std::to_string(status));
    same_answer(200, std::string("Bad") + '\x01' + "Reason", {}, "CTL in reason");
    same_answer(200, "Line\r\nBreak", {}, "CRLF in reason");
    same_answer(200, std::string(9000, 'r'), {}, "reason over the line limit");
    same_answer(200, {}, {"X-Nul: a" + std::string(1, '\0') + "b"}, "NUL");
    same_answer(200, {}, {"X-Break: a\r\nInjected: b"}, "CRLF in a line");
    same_answer(200, {}, {"X-Fold: a\r\n b"}, "folded line");
    same_answer(200, {}, {"X-Lf: a\nb"}, "LF in a line");
    // Refused outright where make_response refuses.
    EXPECT_FALSE(response_bytes(*request, 99, "Odd", "t", {}, {}).ok());
    EXPECT_FALSE(response_bytes(*request, 200, std::string(9000, 'r'), "t", {}, {}).ok());
}

// The caller's own lines otherwise leave as written, without the parser's reading of them:
// a server's constants, checked where they are written.
TEST(ResponseBytes, WritesTheCallersLinesAsTheyAre) {
    auto request = parse_message(k_register);
    ASSERT_TRUE(request.ok());
    const std::vector<std::string> extra = {"Allow: INVITE, ACK", "X-Two:  spaces"};
    auto bytes = response_bytes(*request, 200, {}, "t9", extra, "Server: hs");
    ASSERT_TRUE(bytes.ok());
    EXPECT_TRUE(bytes->starts_with("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;"));
    EXPECT_NE(bytes->find("\r\nTo: <sip:alice@example.com>;tag=t9\r\n"), std::string::npos);
    EXPECT_TRUE(bytes->ends_with(
        "\r\nAllow: INVITE, ACK\r\nX-Two:  spaces\r\nServer: hs\r\nContent-Length: 0\r\n\r\n"));
    auto parsed = parse_message(*bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().to_string();
    EXPECT_EQ(parsed->header(HeaderId::call_id), "c1@192.0.2.5");
}

TEST(MessageAssembler, AssemblesAMessageWithoutARequest) {
    MessageAssembler a(128);
    a.status_line(200, "OK");
    a.header(HeaderId::via, "Via", "SIP/2.0/TCP [2001:db8::1]:5061;branch=z9hG4bKx");
    a.header(HeaderId::from, "From", "<sip:a@example.com>;tag=1");
    a.header(HeaderId::to, "To", "<sip:b@example.com>;tag=2");
    a.header(HeaderId::call_id, "Call-ID", "id");
    a.header(HeaderId::cseq, "CSeq", "2147483647 OPTIONS");
    a.header_line("Allow: INVITE, ACK");
    auto m = a.finish_without_body();
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    expect_same(m, parse_message(std::string(m->raw())), "plain");
    EXPECT_EQ(m->cseq_number(), 2147483647u);
    EXPECT_EQ(m->cseq_method(), Method::options);
    EXPECT_EQ(m->header(HeaderId::allow), "INVITE, ACK");
    EXPECT_EQ(m->values(HeaderId::allow).size(), 2u);
}

// An assembled message is sent as its own bytes until it is edited; then as serialize()
// writes any message.
TEST(MessageAssembler, AnAssembledMessageSerialisesItsEdits) {
    auto request = parse_message(k_register);
    ASSERT_TRUE(request.ok());
    auto m = make_response(*request, 200, "OK", "t", {"Expires: 60"});
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->serialize(), m->raw());
    Message set = *m;
    set.set(HeaderId::expires, "120");
    EXPECT_NE(set.serialize().find("Expires: 120\r\n"), std::string::npos) << set.serialize();
    Message removed = *m;
    EXPECT_EQ(removed.remove_all(HeaderId::expires), 1u);
    EXPECT_EQ(removed.serialize().find("Expires"), std::string::npos) << removed.serialize();
    Message inserted = *m;
    inserted.prepend(HeaderId::via, "SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKtop");
    EXPECT_EQ(inserted.serialize().find("Via: SIP/2.0/UDP 192.0.2.7"), 16u) << inserted.serialize();
    Message status = *m;
    status.set_status(202, "Accepted");
    EXPECT_EQ(status.serialize().rfind("SIP/2.0 202 Accepted\r\n", 0), 0u) << status.serialize();
    Message body = *m;
    body.set_body("x=1");
    EXPECT_NE(body.serialize().find("Content-Length: 3\r\n\r\nx=1"), std::string::npos)
        << body.serialize();
}

TEST(MessageAssembler, ACSeqTheParserRejectsGivesItsError) {
    for (std::string_view cseq : {"2147483648 OPTIONS", "12", "x OPTIONS", "1 OPT@ONS"}) {
        MessageAssembler a(128);
        a.status_line(200, "OK");
        a.header(HeaderId::via, "Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx");
        a.header(HeaderId::from, "From", "<sip:a@example.com>;tag=1");
        a.header(HeaderId::to, "To", "<sip:b@example.com>");
        a.header(HeaderId::call_id, "Call-ID", "id");
        a.header(HeaderId::cseq, "CSeq", cseq);
        auto m = a.finish_without_body();
        const std::string text =
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx\r\n"
            "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\nCall-ID: id\r\n"
            "CSeq: " +
            std::string(cseq) + "\r\nContent-Length: 0\r\n\r\n";
        EXPECT_FALSE(m.ok()) << cseq;
        expect_same(m, parse_message(text), std::string(cseq));
    }
}

}  // namespace
}  // namespace happysip::sip
