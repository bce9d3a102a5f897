// The memory a parsed Message owns, in as few heap blocks as possible: one block holds its
// header fields, a few spare field slots and a copy of its bytes. When the caller hands its
// bytes over (parse_message(std::string&&)), they are kept as they are and the block holds
// the fields only. Either way a parse allocates once: malloc and free of a second block
// were ~4 % of a parse (docs/benchmarks.md, "Parser throughput").
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "happysip/sip/header_field.hpp"

namespace happysip::sip {

class MessageStorage {
  public:
    MessageStorage() = default;
    // One block: the fields, k_spare_fields free slots, then a copy of `bytes`.
    MessageStorage(std::span<const HeaderField> fields, std::string_view bytes);
    // Takes `bytes` over without copying them; the block holds the fields only.
    MessageStorage(std::span<const HeaderField> fields, std::string&& bytes);

    // The same, into this storage (what it held before is freed).
    void assign(std::span<const HeaderField> fields, std::string_view bytes);
    void assign(std::span<const HeaderField> fields, std::string&& bytes);

    MessageStorage(const MessageStorage& other);
    MessageStorage(MessageStorage&& other) noexcept;
    MessageStorage& operator=(const MessageStorage& other);
    MessageStorage& operator=(MessageStorage&& other) noexcept;
    ~MessageStorage() = default;

    std::string_view bytes() const noexcept { return {bytes_, byte_count_}; }
    std::span<HeaderField> fields() noexcept { return {fields_, field_count_}; }
    std::span<const HeaderField> fields() const noexcept { return {fields_, field_count_}; }

    // Inserts before fields()[index] (an index past the end appends). In place while spare
    // slots last (a proxy adds a Via and a Record-Route); then the fields move to a vector.
    void insert(std::size_t index, const HeaderField& f);

  private:
    static constexpr std::size_t k_spare_fields = 2;

    // Allocates the block for `fields` plus the spare slots and `extra_bytes`, copies the
    // fields in and returns where the extra bytes begin.
    char* allocate(std::span<const HeaderField> fields, std::size_t extra_bytes);
    // Re-derives the pointers into members after those members moved.
    void repoint() noexcept;
    void clear_moved_from() noexcept;
    // Frees the taken-over bytes and the grown fields (allocate() replaces the block).
    void release_side_buffers() noexcept;

    std::unique_ptr<char[]> block_;
    std::string owned_;               // bytes taken over from the caller (bytes_owned_)
    std::vector<HeaderField> grown_;  // the fields once insertions outgrew the block
    HeaderField* fields_ = nullptr;
    std::size_t field_count_ = 0;
    std::size_t field_capacity_ = 0;
    const char* bytes_ = "";
    std::size_t byte_count_ = 0;
    bool bytes_owned_ = false;
    bool fields_grown_ = false;
};

}  // namespace happysip::sip
