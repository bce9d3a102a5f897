#include "message_summary.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

#include "happysip/sip/name_addr.hpp"

namespace happysip::app {
namespace {

using nlohmann::json;

std::string str(std::string_view v) {
    return std::string(v);
}

json host_json(const sip::Host& h) {
    static constexpr const char* kinds[] = {"hostname", "ipv4", "ipv6"};
    return json{{"text", str(h.text)}, {"kind", kinds[static_cast<int>(h.kind)]}};
}

json uri_json(const sip::Uri& u) {
    json j{{"text", str(u.text)}, {"scheme", str(u.scheme_text)}, {"host", host_json(u.host)}};
    if (u.has_user) j["user"] = str(u.user);
    if (u.port) j["port"] = *u.port;
    if (!u.params.raw.empty()) j["params"] = str(u.params.raw);
    return j;
}

json name_addr_json(const sip::NameAddr& n) {
    if (n.is_star) return json{{"star", true}};
    json j{{"uri", uri_json(n.uri)}};
    if (!n.display_name.empty()) j["display_name"] = str(n.display_name);
    if (auto tag = n.tag()) j["tag"] = str(*tag);
    if (!n.params.empty()) j["params"] = str(n.params.raw());
    return j;
}

json via_json(const sip::Via& v) {
    json j{{"transport", str(v.transport)}, {"host", host_json(v.host)}, {"branch", str(v.branch)}};
    if (v.port) j["port"] = *v.port;
    if (v.received) j["received"] = str(*v.received);
    if (v.has_rport) j["rport"] = v.rport ? json(*v.rport) : json(true);
    if (v.maddr) j["maddr"] = str(*v.maddr);
    if (v.alias) j["alias"] = true;
    return j;
}

json contact_json(std::string_view value) {
    auto c = sip::parse_contact(value);
    if (!c) return json{{"raw", str(value)}};
    json j = name_addr_json(*c);
    if (auto e = sip::contact_expires(*c)) j["expires"] = *e;
    if (auto q = sip::contact_q(*c)) j["q"] = *q / 1000.0;
    if (auto i = sip::contact_instance(*c)) j["instance"] = str(*i);
    if (auto r = sip::contact_reg_id(*c)) j["reg_id"] = *r;
    if (c->uri.params.has("ob")) j["outbound"] = true;
    return j;
}

json list_json(const sip::Message& m, sip::HeaderId id) {
    json a = json::array();
    for (std::string_view v : m.values(id))
        a.push_back(str(v));
    return a;
}

}  // namespace

json summarize(const sip::Message& m, const sip::KeyHeaders& key) {
    json j;
    if (m.is_request()) {
        j["kind"] = "request";
        j["method"] = str(m.method_text());
        j["request_uri"] = uri_json(*key.request_uri);
    } else {
        j["kind"] = "response";
        j["status"] = m.status_code();
        j["reason"] = str(m.reason_phrase());
    }
    j["via"] = via_json(key.top_via);
    j["via_count"] = m.values(sip::HeaderId::via).size();
    j["from"] = name_addr_json(key.from);
    j["to"] = name_addr_json(key.to);
    j["call_id"] = str(key.call_id);
    j["cseq"] = {{"number", m.cseq_number()}, {"method", str(m.cseq_method_text())}};
    if (key.max_forwards) j["max_forwards"] = *key.max_forwards;
    json contacts = json::array();
    for (std::string_view v : m.values(sip::HeaderId::contact))
        contacts.push_back(contact_json(v));
    if (!contacts.empty()) j["contact"] = contacts;
    for (auto [id, name] :
         {std::pair{sip::HeaderId::route, "route"},
          std::pair{sip::HeaderId::record_route, "record_route"},
          std::pair{sip::HeaderId::path, "path"}, std::pair{sip::HeaderId::supported, "supported"},
          std::pair{sip::HeaderId::require, "require"}}) {
        json values = list_json(m, id);
        if (!values.empty()) j[name] = values;
    }
    if (auto ct = m.header(sip::HeaderId::content_type)) j["content_type"] = str(*ct);
    j["body_size"] = m.body().size();
    j["header_count"] = m.fields().size();
    return j;
}

std::string format_summary(const json& j) {
    std::ostringstream out;
    auto uri_text = [](const json& n) {
        return n.contains("uri") ? n["uri"]["text"].get<std::string>() : "*";
    };
    auto tag = [](const json& n) {
        return n.contains("tag") ? " tag=" + n["tag"].get<std::string>() : std::string(" (no tag)");
    };
    if (j["kind"] == "request")
        out << "request       " << j["method"].get<std::string>() << " "
            << j["request_uri"]["text"].get<std::string>() << "\n";
    else
        out << "response      " << j["status"].get<int>() << " " << j["reason"].get<std::string>()
            << "\n";
    const json& via = j["via"];
    out << "top Via       " << via["transport"].get<std::string>() << " "
        << via["host"]["text"].get<std::string>()
        << (via.contains("port") ? ":" + std::to_string(via["port"].get<int>()) : "")
        << " branch=" << via["branch"].get<std::string>();
    if (via.contains("received")) out << " received=" << via["received"].get<std::string>();
    if (via.contains("rport")) {
        out << " rport";
        if (!via["rport"].is_boolean()) out << "=" << via["rport"].get<int>();
    }
    out << " (" << j["via_count"].get<std::size_t>() << " Via)\n";
    out << "From          " << uri_text(j["from"]) << tag(j["from"]) << "\n";
    out << "To            " << uri_text(j["to"]) << tag(j["to"]) << "\n";
    out << "Call-ID       " << j["call_id"].get<std::string>() << "\n";
    out << "CSeq          " << j["cseq"]["number"].get<std::uint32_t>() << " "
        << j["cseq"]["method"].get<std::string>() << "\n";
    if (j.contains("max_forwards")) out << "Max-Forwards  " << j["max_forwards"].get<int>() << "\n";
    if (j.contains("contact"))
        for (const json& c : j["contact"]) {
            out << "Contact       " << (c.contains("uri") ? uri_text(c) : c.value("raw", "*"));
            if (c.contains("expires")) out << " expires=" << c["expires"].get<std::uint32_t>();
            if (c.contains("reg_id")) out << " reg-id=" << c["reg_id"].get<std::uint32_t>();
            if (c.contains("instance")) out << " instance=" << c["instance"].get<std::string>();
            if (c.value("outbound", false)) out << " ob";
            out << "\n";
        }
    for (auto [key, label] :
         {std::pair{"route", "Route         "}, std::pair{"record_route", "Record-Route  "},
          std::pair{"path", "Path          "}})
        if (j.contains(key))
            for (const json& v : j[key])
                out << label << v.get<std::string>() << "\n";
    for (auto [key, label] :
         {std::pair{"supported", "Supported     "}, std::pair{"require", "Require       "}})
        if (j.contains(key)) {
            out << label;
            bool first = true;
            for (const json& v : j[key]) {
                out << (first ? "" : ", ") << v.get<std::string>();
                first = false;
            }
            out << "\n";
        }
    out << "body          " << j["body_size"].get<std::size_t>() << " bytes";
    if (j.contains("content_type")) out << " (" << j["content_type"].get<std::string>() << ")";
    out << "\n";
    return out.str();
}

}  // namespace happysip::app
