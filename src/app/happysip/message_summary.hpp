// The operator's view of a parsed message: a readable summary or JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "happysip/sip/key_headers.hpp"
#include "happysip/sip/message.hpp"

namespace happysip::app {

nlohmann::json summarize(const sip::Message& m, const sip::KeyHeaders& key);
std::string format_summary(const nlohmann::json& summary);

}  // namespace happysip::app
