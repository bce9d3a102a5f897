// SIP, SIPS, tel and other URIs (RFC 3261 §19.1.1, §25.1; RFC 5118; RFC 3966): what
// parse_uri accepts, rejects and finds. Hosts are in host_test.cpp, comparison in
// uri_compare_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "happysip/sip/uri.hpp"
#include "uri_test_support.hpp"

namespace happysip::sip {
namespace {

using test::parsed;

ParseError error_of(std::string_view text) {
    auto u = parse_uri(text);
    EXPECT_FALSE(u.ok()) << text << " parsed but should not";
    return u.ok() ? ParseError{} : u.error();
}

// ---- SIP URI structure (RFC 3261 §19.1.1, §25.1) ---------------------------------------

TEST(Uri, ParsesUserHostAndKeepsWholeText) {
    Uri u = parsed("sip:alice@atlanta.com");
    EXPECT_EQ(u.scheme, UriScheme::sip);
    EXPECT_EQ(u.scheme_text, "sip");
    EXPECT_TRUE(u.has_user);
    EXPECT_EQ(u.user, "alice");
    EXPECT_FALSE(u.has_password);
    EXPECT_EQ(u.host.text, "atlanta.com");
    EXPECT_EQ(u.host.kind, HostKind::hostname);
    EXPECT_FALSE(u.port.has_value());
    EXPECT_TRUE(u.params.empty());
    EXPECT_TRUE(u.headers.empty());
    EXPECT_EQ(u.text, "sip:alice@atlanta.com");
}

TEST(Uri, ViewsPointIntoTheInput) {
    const std::string text = "sip:bob:pw@[2001:db8::1]:5070;lr?x=y";
    Uri u = parsed(text);
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    for (std::string_view v : {u.user, u.password, u.host.text, u.params.raw, u.headers, u.text}) {
        EXPECT_GE(v.data(), begin);
        EXPECT_LE(v.data() + v.size(), end);
    }
    EXPECT_EQ(u.user.data(), begin + 4);
}

TEST(Uri, SchemeIsCaseInsensitive) {
    Uri u = parsed("SIP:ALICE@AtLanTa.CoM");
    EXPECT_EQ(u.scheme, UriScheme::sip);
    EXPECT_EQ(u.scheme_text, "SIP");
    EXPECT_EQ(parsed("SiPs:bob@biloxi.com").scheme, UriScheme::sips);
    EXPECT_EQ(parsed("TEL:+1-201-555-0123").scheme, UriScheme::tel);
}

TEST(Uri, ParsesSipsUri) {
    Uri u = parsed("sips:alice@atlanta.com");
    EXPECT_EQ(u.scheme, UriScheme::sips);
    EXPECT_TRUE(u.is_sip_or_sips());
}

TEST(Uri, ParsesHostWithoutUser) {
    Uri u = parsed("sip:registrar.biloxi.com");
    EXPECT_FALSE(u.has_user);
    EXPECT_TRUE(u.user.empty());
    EXPECT_EQ(u.host.text, "registrar.biloxi.com");
}

TEST(Uri, ParsesPasswordAfterColonInUserinfo) {
    Uri u = parsed("sip:alice:secretword@atlanta.com;transport=tcp");
    EXPECT_EQ(u.user, "alice");
    EXPECT_TRUE(u.has_password);
    EXPECT_EQ(u.password, "secretword");
    Uri empty = parsed("sip:alice:@atlanta.com");
    EXPECT_TRUE(empty.has_password);
    EXPECT_TRUE(empty.password.empty());
}

TEST(Uri, SemicolonInUserinfoBelongsToTheUser) {
    // RFC 4475 §3.1.1.13 (semiuri).
    Uri u = parsed("sip:user;par=u%40example.net@example.com");
    EXPECT_EQ(u.user, "user;par=u%40example.net");
    EXPECT_EQ(u.host.text, "example.com");
    EXPECT_TRUE(u.params.empty());
    EXPECT_EQ(percent_decode(u.user), "user;par=u@example.net");
}

TEST(Uri, UserKeepsEscapesAsWritten) {
    // RFC 4475 §3.1.1.3 (esc01).
    Uri u = parsed("sip:sips%3Auser%40example.com@example.net");
    EXPECT_EQ(u.user, "sips%3Auser%40example.com");
    EXPECT_EQ(percent_decode(u.user), "sips:user@example.com");
    EXPECT_EQ(u.host.text, "example.net");
}

TEST(Uri, EscapedNulInUserIsValid) {
    // RFC 4475 §3.1.1.4 (escnull).
    Uri u = parsed("sip:null-%00-null@example.com");
    EXPECT_EQ(u.user, "null-%00-null");
    EXPECT_EQ(percent_decode(u.user), std::string("null-\0-null", 11));
}

TEST(Uri, AcceptsEveryUserUnreservedAndPasswordCharacter) {
    // RFC 4475 §3.1.1.2 (intmeth) Request-URI.
    Uri u = parsed(
        "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too."
        "(doesn't-it)@example.com");
    EXPECT_EQ(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    EXPECT_EQ(u.host.text, "example.com");
    EXPECT_TRUE(u.headers.empty());
}

TEST(Uri, RejectsBadEscapeInUser) {
    auto e = error_of("sip:a%G1b@example.com");
    EXPECT_EQ(e.code, ParseErrc::bad_uri);
    EXPECT_TRUE(e.header.empty());
    EXPECT_EQ(e.detail, "bad escape sequence in user");
    EXPECT_EQ(e.offset, 5u);
    EXPECT_EQ(error_of("sip:ab%4@example.com").detail, "bad escape sequence in user");
}

TEST(Uri, RejectsBadEscapeInPasswordParamsAndHeaders) {
    EXPECT_EQ(error_of("sip:a:p%zz@example.com").detail, "bad escape sequence in password");
    EXPECT_EQ(error_of("sip:example.com;a=%4").detail, "bad escape sequence in parameter value");
    EXPECT_EQ(error_of("sip:example.com?a=b%").detail, "bad escape sequence in header value");
}

TEST(Uri, RejectsEmptyUserAndBadUserCharacters) {
    EXPECT_EQ(error_of("sip:@example.com").detail, "empty user");
    EXPECT_EQ(error_of("sip:a<b@example.com").detail, "invalid character in user");
    EXPECT_EQ(error_of("sip:a:b:c@example.com").detail, "invalid character in password");
    EXPECT_EQ(error_of("sip:a#b@example.com").detail, "invalid character in user");
}

TEST(Uri, RejectsWhiteSpace) {
    EXPECT_EQ(error_of("sip:bob@exa mple.com").detail, "white space in host");
    EXPECT_EQ(error_of("sip:b ob@example.com").detail, "white space in user");
    EXPECT_EQ(error_of(" sip:bob@example.com").detail, "white space in URI");
    EXPECT_EQ(error_of("sip:bob@example.com ").detail, "white space in host");
    EXPECT_EQ(error_of("sip:bob@example.com; lr").detail, "white space in parameter name");
}

TEST(Uri, RejectsMissingOrEmptyHost) {
    for (std::string_view bad : {"sip:", "sip:alice@", "sip:;lr", "sip:alice@:5060", "sips:?a=b"}) {
        EXPECT_EQ(error_of(bad).detail, "missing host") << bad;
    }
}

TEST(Uri, RejectsMissingScheme) {
    EXPECT_EQ(error_of("alice@atlanta.com").detail, "missing scheme");
    EXPECT_EQ(error_of("<sip:alice@atlanta.com>").detail, "missing scheme");
    EXPECT_EQ(error_of(":alice").detail, "missing scheme");
    EXPECT_EQ(error_of("").detail, "empty URI");
}

TEST(Uri, ParsesIpv4HostAndPort) {
    Uri u = parsed("sip:bob@192.0.2.4:5080");
    EXPECT_EQ(u.host.kind, HostKind::ipv4);
    EXPECT_EQ(u.host.text, "192.0.2.4");
    EXPECT_EQ(u.port, 5080);
}

TEST(Uri, AcceptsPortsZeroTo65535) {
    EXPECT_EQ(parsed("sip:example.com:0").port, 0);
    EXPECT_EQ(parsed("sip:example.com:65535").port, 65535);
    EXPECT_EQ(parsed("sip:example.com:05060").port, 5060);
}

TEST(Uri, RejectsPortOutOfRange) {
    auto e = error_of("sip:alice@example.com:65536");
    EXPECT_EQ(e.detail, "port out of range");
    EXPECT_EQ(e.offset, 22u);
    EXPECT_EQ(error_of("sip:example.com:99999999999").detail, "port out of range");
}

TEST(Uri, RejectsMissingOrNonNumericPort) {
    EXPECT_EQ(error_of("sip:example.com:").detail, "missing port");
    EXPECT_EQ(error_of("sip:example.com:;lr").detail, "missing port");
    EXPECT_EQ(error_of("sip:example.com:http").detail, "invalid character in port");
    EXPECT_EQ(error_of("sip:example.com:50a").detail, "invalid character in port");
}

// ---- IPv6 (RFC 5118) ---------------------------------------------------------------------

TEST(Uri, ParsesIpv6Reference) {
    // RFC 5118 §4.1 (ipv6-good).
    Uri u = parsed("sip:[2001:db8::10]");
    EXPECT_EQ(u.host.kind, HostKind::ipv6);
    EXPECT_EQ(u.host.text, "[2001:db8::10]");
    EXPECT_EQ(u.host.address(), "2001:db8::10");
    EXPECT_FALSE(u.port.has_value());
}

TEST(Uri, ParsesIpv6ReferenceWithPort) {
    // RFC 5118 §4.4 (port-unambiguous).
    Uri u = parsed("sip:[2001:db8::10]:5070");
    EXPECT_EQ(u.host.text, "[2001:db8::10]");
    EXPECT_EQ(u.port, 5070);
}

TEST(Uri, ColonInsideIpv6BracketsIsNotAPort) {
    // RFC 5118 §4.3 (port-ambiguous): the last group is part of the address.
    Uri u = parsed("sip:[2001:db8::10:5070]");
    EXPECT_EQ(u.host.address(), "2001:db8::10:5070");
    EXPECT_FALSE(u.port.has_value());
}

TEST(Uri, RejectsUnbracketedIpv6) {
    // RFC 5118 §4.2 (ipv6-bad).
    auto e = error_of("sip:2001:db8::10");
    EXPECT_EQ(e.detail, "IPv6 address must be enclosed in brackets");
    EXPECT_EQ(e.offset, 4u);
    EXPECT_FALSE(parse_uri("sip:user@fe80::1").ok());
    EXPECT_FALSE(parse_uri("sip:::1").ok());
}

TEST(Uri, RejectsUnterminatedIpv6Reference) {
    auto e = error_of("sip:[2001:db8::10");
    EXPECT_EQ(e.detail, "unterminated IPv6 reference");
    EXPECT_EQ(e.offset, 4u);
    EXPECT_EQ(error_of("sip:user@[2001:db8::10;lr").detail, "unterminated IPv6 reference");
}

TEST(Uri, RejectsInvalidIpv6Reference) {
    auto e = error_of("sip:alice@[2001:db8::10::1]:5060");
    EXPECT_EQ(e.detail, "invalid IPv6 reference");
    EXPECT_EQ(e.offset, 10u);
    EXPECT_EQ(error_of("sip:[2001:db8::10]]").detail, "invalid character in host");
    EXPECT_EQ(error_of("sip:[fe80::1%25eth0]").detail, "invalid IPv6 reference");
}

TEST(Uri, ParsesRfc5118Ipv6Uris) {
    for (std::string_view text :
         {"sip:[2001:db8::9:1]", "sip:[2001:db8::9:255]", "sip:user@[2001:db8::10]",
          "sip:caller@[2001:db8::9:1]", "sip:ted@[::ffff:192.0.2.2]",
          "sip:user@[2001:db8::192.0.2.1]", "sip:user@[2001:db8:::192.0.2.1]"}) {
        Uri u = parsed(text);
        EXPECT_EQ(u.host.kind, HostKind::ipv6) << text;
    }
}

TEST(Uri, ParsesIpv4MappedIpv6WithUserPortAndParams) {
    Uri u = parsed("sip:ted@[::ffff:192.0.2.10]:19823;transport=udp");
    EXPECT_EQ(u.user, "ted");
    EXPECT_EQ(u.host.address(), "::ffff:192.0.2.10");
    EXPECT_EQ(u.port, 19823);
    EXPECT_TRUE(u.transport_is("UDP"));
}

// ---- uri-parameters ----------------------------------------------------------------------

TEST(Uri, ParamLookupIsCaseInsensitiveOnName) {
    Uri u = parsed("sip:alice@atlanta.com;Transport=TCP");
    EXPECT_EQ(u.params.raw, "Transport=TCP");
    EXPECT_EQ(u.params.find("transport"), "TCP");
    EXPECT_EQ(u.transport(), "TCP");
    EXPECT_TRUE(u.transport_is("tcp"));
    EXPECT_FALSE(u.transport_is("udp"));
    EXPECT_FALSE(u.params.has("maddr"));
}

TEST(Uri, LrFlagHasEmptyValue) {
    Uri u = parsed("sip:p1.example.com;lr");
    EXPECT_TRUE(u.has_lr());
    EXPECT_EQ(u.params.find("lr"), "");
    EXPECT_TRUE(parsed("sip:p1.example.com;lr=on").has_lr());
    EXPECT_FALSE(parsed("sip:p1.example.com").has_lr());
}

TEST(Uri, ReadsMaddrAndTtl) {
    Uri u = parsed("sip:alice@atlanta.com;maddr=239.255.255.1;ttl=15");
    EXPECT_EQ(u.maddr(), "239.255.255.1");
    EXPECT_EQ(u.ttl(), 15);
    EXPECT_FALSE(parsed("sip:alice@atlanta.com").ttl().has_value());
    EXPECT_EQ(parsed("sip:a.com;maddr=[2001:db8::1]").maddr(), "[2001:db8::1]");
}

TEST(Uri, RejectsBadTtlMaddrTransportUserAndMethodParameters) {
    EXPECT_EQ(error_of("sip:a.com;ttl=256").detail, "ttl must be 0 to 255");
    EXPECT_EQ(error_of("sip:a.com;ttl=0015").detail, "ttl must be 0 to 255");
    EXPECT_EQ(error_of("sip:a.com;ttl").detail, "ttl must be 0 to 255");
    EXPECT_EQ(error_of("sip:a.com;maddr=a..b").detail, "bad maddr parameter");
    EXPECT_EQ(error_of("sip:a.com;transport").detail, "bad transport parameter");
    EXPECT_EQ(error_of("sip:a.com;user").detail, "bad user parameter");
    EXPECT_EQ(error_of("sip:a.com;method=[x]").detail, "bad method parameter");
}

TEST(Uri, ReadsUserAndMethodParameters) {
    Uri u = parsed("sip:+1-212-555-1212:1234@gateway.com;user=phone");
    EXPECT_EQ(u.user, "+1-212-555-1212");
    EXPECT_EQ(u.password, "1234");
    EXPECT_EQ(u.user_param(), "phone");
    EXPECT_EQ(parsed("sip:biloxi.com;method=REGISTER").method(), "REGISTER");
}

TEST(Uri, ReadsOutboundAndGruuParameters) {
    Uri ob = parsed("sip:[2001:db8:10::5]:49352;transport=tcp;ob");
    EXPECT_TRUE(ob.has_ob());
    // RFC 5627: a bare gr vs a public GRUU's gr=value.
    Uri temp = parsed("sip:alice@example.com;gr");
    ASSERT_TRUE(temp.gr().has_value());
    EXPECT_EQ(temp.gr(), "");
    Uri pub = parsed("sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    EXPECT_EQ(pub.gr(), "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    EXPECT_FALSE(parsed("sip:alice@example.com").gr().has_value());
}

TEST(Uri, IteratesParametersInOrder) {
    Uri u = parsed("sip:a.com;transport=tcp;lr;x=%41");
    std::vector<std::pair<std::string, std::string>> seen;
    std::vector<bool> has_value;
    std::size_t pos = 0;
    while (auto p = u.params.next(pos)) {
        seen.emplace_back(p->name, p->value);
        has_value.push_back(p->has_value);
    }
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0], (std::pair<std::string, std::string>{"transport", "tcp"}));
    EXPECT_EQ(seen[1].first, "lr");
    EXPECT_FALSE(has_value[1]);
    EXPECT_EQ(seen[2].second, "%41");
    std::size_t none = 0;
    EXPECT_FALSE(parsed("sip:a.com").params.next(none).has_value());
}

TEST(Uri, EscapedParameterNamesMatch) {
    // RFC 4475 §3.1.1.3: ";%6C%72" is "lr", "n%61me" is "name".
    Uri u = parsed("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
    EXPECT_TRUE(u.has_lr());
    EXPECT_EQ(u.params.find("name"), "v%61lue%25%34%31");
    EXPECT_EQ(percent_decode(*u.params.find("name")), "value%41");
}

TEST(Uri, ParamValuesMayHoldParamUnreservedCharacters) {
    Uri u = parsed("sip:a.com;x=[a]/b:c&d+e$f;y=-_.!~*'()");
    EXPECT_EQ(u.params.find("x"), "[a]/b:c&d+e$f");
    EXPECT_EQ(u.params.find("y"), "-_.!~*'()");
}

TEST(Uri, RejectsEmptyParameterNamesAndValues) {
    EXPECT_EQ(error_of("sip:a.com;").detail, "empty parameter name");
    EXPECT_EQ(error_of("sip:a.com;lr;").detail, "empty parameter name");
    EXPECT_EQ(error_of("sip:a.com;;lr").detail, "empty parameter name");
    EXPECT_EQ(error_of("sip:a.com;=x").detail, "empty parameter name");
    auto e = error_of("sip:a.com;lr;x=");
    EXPECT_EQ(e.detail, "empty parameter value");
    EXPECT_EQ(e.offset, 13u);
    EXPECT_EQ(error_of("sip:a.com;x=a=b").detail, "invalid character in parameter value");
    EXPECT_EQ(error_of("sip:a.com;x=\"q\"").detail, "invalid character in parameter value");
}

// ---- headers -----------------------------------------------------------------------------

TEST(Uri, ParsesHeadersAfterQuestionMark) {
    Uri u = parsed("sips:alice@atlanta.com?subject=project%20x&priority=urgent");
    EXPECT_EQ(u.headers, "subject=project%20x&priority=urgent");
    EXPECT_TRUE(u.params.empty());
    EXPECT_EQ(find_uri_header(u.headers, "Subject"), "project%20x");
    EXPECT_EQ(find_uri_header(u.headers, "priority"), "urgent");
    EXPECT_FALSE(find_uri_header(u.headers, "to").has_value());
}

TEST(Uri, ParametersEndAtTheHeaders) {
    Uri u = parsed("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com");
    EXPECT_EQ(u.params.raw, "transport=tcp;method=REGISTER");
    EXPECT_EQ(u.headers, "to=sip:bob%40biloxi.com");
    EXPECT_EQ(percent_decode(*find_uri_header(u.headers, "to")), "sip:bob@biloxi.com");
}

TEST(Uri, EscapedHeadersInRequestUriParse) {
    // RFC 4475 §3.1.2.? (escruri): escaped <> in an embedded Route header.
    Uri u = parsed("sip:user@example.com?Route=%3Csip:example.com%3E");
    EXPECT_EQ(percent_decode(*find_uri_header(u.headers, "route")), "<sip:example.com>");
}

TEST(Uri, IteratesHeadersAndAllowsEmptyValue) {
    Uri u = parsed("sip:a.com?a=1&body=");
    std::size_t pos = 0;
    auto first = next_uri_header(u.headers, pos);
    auto second = next_uri_header(u.headers, pos);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->name, "a");
    EXPECT_EQ(first->value, "1");
    EXPECT_EQ(second->name, "body");
    EXPECT_TRUE(second->has_value);
    EXPECT_TRUE(second->value.empty());
    EXPECT_FALSE(next_uri_header(u.headers, pos).has_value());
}

TEST(Uri, RejectsMalformedHeaders) {
    EXPECT_EQ(error_of("sip:a.com?").detail, "empty header name");
    EXPECT_EQ(error_of("sip:a.com?a=b&").detail, "empty header name");
    EXPECT_EQ(error_of("sip:a.com?=b").detail, "empty header name");
    auto e = error_of("sip:a.com?subject");
    EXPECT_EQ(e.detail, "missing '=' in header");
    EXPECT_EQ(e.offset, 17u);
    EXPECT_EQ(error_of("sip:a.com?a=<b>").detail, "invalid character in header value");
    EXPECT_EQ(error_of("sip:a.com?a=b;c").detail, "invalid character in header value");
}

// ---- tel (RFC 3966) ----------------------------------------------------------------------

TEST(Uri, ParsesGlobalTelNumber) {
    Uri u = parsed("tel:+1-201-555-0123");
    EXPECT_EQ(u.scheme, UriScheme::tel);
    EXPECT_EQ(u.number, "+1-201-555-0123");
    EXPECT_TRUE(u.is_global_number());
    EXPECT_FALSE(u.has_user);
    EXPECT_TRUE(u.host.text.empty());
    EXPECT_TRUE(u.params.empty());
}

TEST(Uri, ParsesLocalTelNumberWithPhoneContext) {
    Uri u = parsed("tel:7042;phone-context=example.com");
    EXPECT_EQ(u.number, "7042");
    EXPECT_FALSE(u.is_global_number());
    EXPECT_EQ(u.phone_context(), "example.com");
    EXPECT_EQ(parsed("tel:863-1234;phone-context=+1-914-555").phone_context(), "+1-914-555");
    EXPECT_EQ(parsed("tel:*21#;phone-context=+1").number, "*21#");
}

TEST(Uri, ParsesTelExtensionAndOtherParameters) {
    Uri u = parsed("tel:+1-201-555-0123;ext=1234;isub=1411;x-foo=bar");
    EXPECT_EQ(u.params.find("ext"), "1234");
    EXPECT_EQ(u.params.find("ISUB"), "1411");
    EXPECT_TRUE(u.params.has("x-foo"));
}

TEST(Uri, RejectsLocalTelNumberWithoutPhoneContext) {
    auto e = error_of("tel:7042");
    EXPECT_EQ(e.detail, "local number without phone-context");
    EXPECT_EQ(e.offset, 4u);
}

TEST(Uri, RejectsMalformedTelNumbers) {
    EXPECT_EQ(error_of("tel:").detail, "missing telephone number");
    EXPECT_EQ(error_of("tel:+").detail, "telephone number without digits");
    EXPECT_EQ(error_of("tel:+-.").detail, "telephone number without digits");
    EXPECT_EQ(error_of("tel:+1-201-CALL").detail, "invalid character in telephone number");
    EXPECT_EQ(error_of("tel:+1 201").detail, "white space in telephone number");
    EXPECT_EQ(error_of("tel:7042;phone-context=").detail, "empty parameter value");
    EXPECT_EQ(error_of("tel:7042;phone-context=-bad-").detail, "bad phone-context parameter");
    EXPECT_EQ(error_of("tel:+1;ext=abc").detail, "bad ext parameter");
    EXPECT_EQ(error_of("tel:+1;a.b=c").detail, "invalid character in parameter name");
    EXPECT_EQ(error_of("tel:+1?a=b").detail, "invalid character in telephone number");
}

// ---- other schemes (absoluteURI) ---------------------------------------------------------

TEST(Uri, KeepsOtherSchemesUninterpreted) {
    for (std::string_view text :
         {"http://www.example.com/a?b=c", "urn:uuid:f81d4fae-7dec-11d0-a765",
          "mailto:alice@example.com", "isbn:2983792873", "soap.beep://192.0.2.103:3002"}) {
        Uri u = parsed(text);
        EXPECT_EQ(u.scheme, UriScheme::other) << text;
        EXPECT_EQ(u.text, text);
        EXPECT_TRUE(u.host.text.empty());
    }
    EXPECT_EQ(parsed("soap.beep://192.0.2.103:3002").scheme_text, "soap.beep");
}

TEST(Uri, RejectsOtherSchemesWithSpacesOrNothing) {
    EXPECT_EQ(error_of("urn:").detail, "empty URI after scheme");
    EXPECT_EQ(error_of("http://a b").detail, "white space in URI");
    EXPECT_EQ(error_of("http://a>").detail, "invalid character in URI");
    EXPECT_EQ(error_of("1http://a").detail, "missing scheme");
}

// ---- percent-decoding ----------------------------------------------------------------------

TEST(Uri, PercentDecodeKeepsInvalidEscapesLiterally) {
    EXPECT_EQ(percent_decode("%61lice"), "alice");
    EXPECT_EQ(percent_decode("100%"), "100%");
    EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
    EXPECT_EQ(percent_decode("a%2fb%2F"), "a/b/");
    EXPECT_EQ(percent_decode(""), "");
}

TEST(Uri, PercentDecodedEqualComparesDecodedBytes) {
    EXPECT_TRUE(percent_decoded_equal("%61lice", "alice", false));
    EXPECT_FALSE(percent_decoded_equal("%41lice", "alice", false));
    EXPECT_TRUE(percent_decoded_equal("%41lice", "alice", true));
    EXPECT_FALSE(percent_decoded_equal("alice", "alic", true));
    EXPECT_TRUE(percent_decoded_equal("", "", false));
}

}  // namespace
}  // namespace happysip::sip
