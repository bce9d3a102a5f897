// Runs every message of tests/corpus/<set>/<name>.sip against <name>.expect: the outcome
// (accept/reject), the error code and header for rejects, and the values a parser must
// extract for accepts. See tests/corpus/README.md for the format.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"
#include "happysip/sip/text.hpp"

namespace happysip::sip {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::map<std::string, std::string> read_expect(const fs::path& p) {
    std::map<std::string, std::string> out;
    std::istringstream in(read_file(p));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        out[line.substr(0, colon)] =
            std::string(text::trim(std::string_view(line).substr(colon + 1)));
    }
    return out;
}

std::vector<fs::path> corpus_messages() {
    std::vector<fs::path> out;
    fs::path root = HAPPYSIP_CORPUS_DIR;
    if (!fs::exists(root)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.path().extension() == ".sip") out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The value of `key` as this parser extracts it; nullopt when the message has none.
std::optional<std::string> extract(const std::string& key, const Message& m, const KeyHeaders& k) {
    auto s = [](std::string_view v) { return std::optional<std::string>(std::string(v)); };
    if (key == "method") return s(m.method_text());
    if (key == "request-uri") return s(m.request_uri());
    if (key == "status") return std::to_string(m.status_code());
    if (key == "call-id") return s(k.call_id);
    if (key == "cseq-number") return std::to_string(m.cseq_number());
    if (key == "cseq-method") return s(m.cseq_method_text());
    if (key == "from-tag") return k.from.tag() ? s(*k.from.tag()) : std::nullopt;
    if (key == "to-tag") return k.to.tag() ? s(*k.to.tag()) : std::nullopt;
    if (key == "top-via-transport") return s(k.top_via.transport);
    if (key == "top-via-host") return s(k.top_via.host.text);
    if (key == "top-via-port")
        return k.top_via.port ? std::optional(std::to_string(*k.top_via.port)) : std::nullopt;
    if (key == "top-via-branch") return s(k.top_via.branch);
    if (key == "top-via-received")
        return k.top_via.received ? s(*k.top_via.received) : std::nullopt;
    if (key == "max-forwards")
        return k.max_forwards ? std::optional(std::to_string(*k.max_forwards)) : std::nullopt;
    if (key == "content-length") {
        auto cl = m.header(HeaderId::content_length);
        return cl ? s(*cl) : std::nullopt;
    }
    if (key == "body-size") return std::to_string(m.body().size());
    if (key == "via-count") return std::to_string(m.values(HeaderId::via).size());
    if (key == "contact-count") return std::to_string(m.values(HeaderId::contact).size());
    ADD_FAILURE() << "unknown expect key " << key;
    return std::nullopt;
}

class Corpus : public testing::TestWithParam<fs::path> {};

TEST_P(Corpus, MessageMeetsItsExpectation) {
    const fs::path& sip = GetParam();
    fs::path expect_path = sip;
    expect_path.replace_extension(".expect");
    ASSERT_TRUE(fs::exists(expect_path)) << "no .expect beside " << sip;
    auto expect = read_expect(expect_path);
    ASSERT_TRUE(expect.count("outcome")) << expect_path << " has no outcome";

    auto m = parse_message(read_file(sip));
    std::optional<ParseError> error;
    std::optional<KeyHeaders> key;
    if (!m) {
        error = m.error();
    } else if (auto k = interpret_key_headers(*m); !k) {
        error = k.error();
    } else {
        key = *k;
        error = validate_message(*m);
    }

    if (expect["outcome"] == "reject") {
        ASSERT_TRUE(error.has_value()) << sip.filename() << " was accepted but must be rejected";
        if (expect.count("error")) {
            EXPECT_EQ(code_name(error->code), expect["error"]) << error->to_string();
        }
        if (expect.count("error-header")) {
            EXPECT_EQ(error->header, expect["error-header"]) << error->to_string();
        }
        return;
    }
    ASSERT_EQ(expect["outcome"], "accept");
    ASSERT_FALSE(error.has_value()) << sip.filename() << ": " << error->to_string();
    for (auto [k, want] : expect) {
        if (k == "outcome" || k == "note") continue;
        // Numbers are compared as numbers: wsinv writes "CSeq: 0009".
        if (k == "cseq-number" || k == "max-forwards" || k == "status" || k == "top-via-port")
            want = std::to_string(std::stoul(want));
        EXPECT_EQ(extract(k, *m, *key), want) << k;
    }
}

// The proxy's view (interpret_proxy_key_headers) must agree with the full one wherever
// both apply: the same values when the full interpretation succeeds, the same error when
// it fails on anything but the From/To URIs and display names, which the proxy leaves
// uninterpreted (RFC 3261 §16.3).
TEST_P(Corpus, ProxyKeyHeadersAgreeWithTheFullInterpretation) {
    auto m = parse_message(read_file(GetParam()));
    if (!m) GTEST_SKIP() << "rejected by parse_message";
    KeyHeaders full;
    ProxyKeyHeaders proxy;
    const auto full_error = interpret_key_headers(*m, full);
    const auto proxy_error = interpret_proxy_key_headers(*m, proxy);
    if (full_error && full_error->header != "From" && full_error->header != "To") {
        ASSERT_TRUE(proxy_error.has_value()) << full_error->to_string();
        EXPECT_EQ(proxy_error->to_string(), full_error->to_string());
        return;
    }
    if (full_error) {
        if (proxy_error) {
            EXPECT_EQ(proxy_error->header, full_error->header);
        }
        return;
    }
    ASSERT_FALSE(proxy_error.has_value()) << proxy_error->to_string();
    EXPECT_EQ(proxy.top_via.branch, full.top_via.branch);
    EXPECT_EQ(proxy.top_via.host.text, full.top_via.host.text);
    EXPECT_EQ(proxy.top_via.received, full.top_via.received);
    EXPECT_EQ(proxy.call_id, full.call_id);
    EXPECT_EQ(proxy.from_tag, full.from.tag());
    EXPECT_EQ(proxy.to_tag, full.to.tag());
    EXPECT_EQ(proxy.max_forwards, full.max_forwards);
    ASSERT_EQ(proxy.request_uri.has_value(), full.request_uri.has_value());
    if (proxy.request_uri) {
        EXPECT_EQ(proxy.request_uri->text, full.request_uri->text);
        EXPECT_EQ(proxy.request_uri->host.text, full.request_uri->host.text);
    }
}

std::string test_name(const testing::TestParamInfo<fs::path>& info) {
    std::string name =
        info.param.parent_path().filename().string() + "_" + info.param.stem().string();
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Torture, Corpus, testing::ValuesIn(corpus_messages()), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Corpus);

TEST(CorpusPresence, TortureCorporaAreInTheTree) {
    auto messages = corpus_messages();
    EXPECT_GE(messages.size(), 40u) << "tests/corpus should hold the RFC 4475/5118 messages";
}

}  // namespace
}  // namespace happysip::sip
