// Structured logs for operators: one line per event on stderr, as
//   2025-01-02T03:04:05.678Z level=info event=register call_id=abc status=200 aor=sip:a@x
// logfmt-style key=value pairs, values quoted when they hold spaces, quotes or '='.
// Never a password or a digest response (DESIGN.md).
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace happysip::daemon {

enum class LogLevel { debug, info, warning, error };

std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view to_string(LogLevel level);

using LogField = std::pair<std::string_view, std::string_view>;

class Logger {
  public:
    explicit Logger(LogLevel threshold = LogLevel::info) : threshold_(threshold) {}
    void set_threshold(LogLevel level) { threshold_ = level; }
    // Whether a line at `level` would be written: callers on the hot path check it before
    // building fields that cost allocations (issue 4: a REGISTER at level=warning).
    bool enabled(LogLevel level) const noexcept { return level >= threshold_; }

    // One line: time, level, event, then the fields in order (empty values left out).
    void log(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
    void info(std::string_view event, std::initializer_list<LogField> fields = {}) {
        log(LogLevel::info, event, fields);
    }
    void warning(std::string_view event, std::initializer_list<LogField> fields = {}) {
        log(LogLevel::warning, event, fields);
    }
    void error(std::string_view event, std::initializer_list<LogField> fields = {}) {
        log(LogLevel::error, event, fields);
    }

  private:
    LogLevel threshold_;
};

}  // namespace happysip::daemon
