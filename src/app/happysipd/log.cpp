#include "log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace happysip::daemon {

std::optional<LogLevel> parse_log_level(std::string_view text) {
    if (text == "debug") return LogLevel::debug;
    if (text == "info") return LogLevel::info;
    if (text == "warning") return LogLevel::warning;
    if (text == "error") return LogLevel::error;
    return std::nullopt;
}

std::string_view to_string(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warning:
            return "warning";
        case LogLevel::error:
            return "error";
    }
    return "info";
}

namespace {

std::string timestamp() {
    auto now = std::chrono::system_clock::now();
    auto seconds = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(ms.count()));
    return text;
}

void append_value(std::string& line, std::string_view value) {
    bool quote = value.find_first_of(" \"=\t") != std::string_view::npos;
    if (!quote) {
        line += value;
        return;
    }
    line += '"';
    for (char c : value) {
        if (c == '"' || c == '\\') line += '\\';
        line += (c == '\n' || c == '\r') ? ' ' : c;  // one event, one line
    }
    line += '"';
}

}  // namespace

void Logger::log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
    if (level < threshold_) return;
    std::string line = timestamp();
    line += " level=";
    line += to_string(level);
    line += " event=";
    line += event;
    for (const auto& [key, value] : fields) {
        if (value.empty()) continue;
        line += ' ';
        line += key;
        line += '=';
        append_value(line, value);
    }
    line += '\n';
    std::cerr << line << std::flush;  // a test or journald reads it as it comes
}

}  // namespace happysip::daemon
