// Stream entry point: the input is cut into chunks whose sizes come from the input
// itself, fed to a StreamFramer, and every framed message is parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "happysip/sip/message.hpp"
#include "happysip/sip/stream_framer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace happysip::sip;
    if (size < 1) return 0;
    const std::size_t chunk = 1 + data[0] % 64;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    ParseLimits limits;
    limits.max_message_size = 4096;
    StreamFramer framer(limits);
    for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
        framer.feed(input.substr(pos, chunk));
        for (int guard = 0; guard < 10000; ++guard) {
            auto event = framer.next();
            if (event.kind == StreamFramer::Kind::need_more) break;
            if (event.kind == StreamFramer::Kind::error) return 0;
            if (event.kind == StreamFramer::Kind::message) (void)parse_message(event.frame);
        }
    }
    return 0;
}
