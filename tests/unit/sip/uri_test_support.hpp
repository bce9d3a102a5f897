// Shared by the URI tests (uri_test.cpp, uri_compare_test.cpp): a URI that must parse.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "happysip/sip/uri.hpp"

namespace happysip::sip::test {

inline Uri parsed(std::string_view text) {
    auto u = parse_uri(text);
    EXPECT_TRUE(u.ok()) << text << ": " << (u.ok() ? "" : u.error().to_string());
    return u.ok() ? *u : Uri{};
}

}  // namespace happysip::sip::test
