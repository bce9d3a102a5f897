#include "happysip/sip/message_storage.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace happysip::sip {

// The fields are copied as bytes into the start of a char block; both need these.
static_assert(std::is_trivially_copyable_v<HeaderField>);
static_assert(alignof(HeaderField) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

char* MessageStorage::allocate(std::span<const HeaderField> fields, std::size_t extra_bytes) {
    field_capacity_ = fields.size() + k_spare_fields;
    const std::size_t field_bytes = field_capacity_ * sizeof(HeaderField);
    block_ = std::make_unique_for_overwrite<char[]>(field_bytes + extra_bytes);
    // Trivially copyable: the bytes of the fields are the fields (std::uninitialized_copy
    // copied them one by one).
    if (!fields.empty()) std::memcpy(block_.get(), fields.data(), fields.size_bytes());
    fields_ = std::launder(reinterpret_cast<HeaderField*>(block_.get()));
    field_count_ = fields.size();
    return block_.get() + field_bytes;
}

MessageStorage::MessageStorage(std::span<const HeaderField> fields, std::string_view bytes) {
    assign(fields, bytes);
}

MessageStorage::MessageStorage(std::span<const HeaderField> fields, std::string&& bytes) {
    assign(fields, std::move(bytes));
}

void MessageStorage::assign(std::span<const HeaderField> fields, std::string_view bytes) {
    release_side_buffers();
    char* at = allocate(fields, bytes.size());
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    bytes_ = at;
    byte_count_ = bytes.size();
}

void MessageStorage::assign(std::span<const HeaderField> fields, std::string&& bytes) {
    release_side_buffers();
    owned_ = std::move(bytes);
    bytes_owned_ = true;
    allocate(fields, 0);
    repoint();
}

MessageStorage::MessageStorage(const MessageStorage& other) {
    // One block, the fields and a copy of the bytes, however `other` holds them: copying
    // taken-over bytes into a string of their own was a second allocation for each copy
    // of an assembled response (a transaction queues one with every response it sends).
    if (other.bytes_owned_ || other.block_ != nullptr || !other.grown_.empty())
        assign(other.fields(), other.bytes());
}

MessageStorage::MessageStorage(MessageStorage&& other) noexcept
    : block_(std::move(other.block_)),
      owned_(std::move(other.owned_)),
      grown_(std::move(other.grown_)),
      fields_(other.fields_),
      field_count_(other.field_count_),
      field_capacity_(other.field_capacity_),
      bytes_(other.bytes_),
      byte_count_(other.byte_count_),
      bytes_owned_(other.bytes_owned_),
      fields_grown_(other.fields_grown_) {
    repoint();
    other.clear_moved_from();
}

MessageStorage& MessageStorage::operator=(const MessageStorage& other) {
    if (this != &other) *this = MessageStorage(other);
    return *this;
}

MessageStorage& MessageStorage::operator=(MessageStorage&& other) noexcept {
    if (this == &other) return *this;
    block_ = std::move(other.block_);
    owned_ = std::move(other.owned_);
    grown_ = std::move(other.grown_);
    fields_ = other.fields_;
    field_count_ = other.field_count_;
    field_capacity_ = other.field_capacity_;
    bytes_ = other.bytes_;
    byte_count_ = other.byte_count_;
    bytes_owned_ = other.bytes_owned_;
    fields_grown_ = other.fields_grown_;
    repoint();
    other.clear_moved_from();
    return *this;
}

// Leaves a moved-from storage empty, as a moved-from Message was when its buffers were
// strings and a vector.
void MessageStorage::clear_moved_from() noexcept {
    owned_.clear();
    grown_.clear();
    fields_ = nullptr;
    field_count_ = field_capacity_ = 0;
    bytes_ = "";
    byte_count_ = 0;
    bytes_owned_ = fields_grown_ = false;
}

void MessageStorage::release_side_buffers() noexcept {
    if (bytes_owned_) owned_ = std::string();
    if (fields_grown_) grown_ = std::vector<HeaderField>();
    bytes_owned_ = fields_grown_ = false;
}

void MessageStorage::repoint() noexcept {
    // A short std::string keeps its characters inside itself, so they move with it.
    if (bytes_owned_) {
        bytes_ = owned_.data();
        byte_count_ = owned_.size();
    }
    if (fields_grown_) fields_ = grown_.data();
}

void MessageStorage::insert(std::size_t index, const HeaderField& f) {
    index = std::min(index, field_count_);
    if (!fields_grown_ && field_count_ < field_capacity_) {
        std::copy_backward(fields_ + index, fields_ + field_count_, fields_ + field_count_ + 1);
        fields_[index] = f;
        ++field_count_;
        return;
    }
    if (!fields_grown_) {
        grown_.reserve(field_count_ + 2 * k_spare_fields);
        grown_.assign(fields_, fields_ + field_count_);
        fields_grown_ = true;
    }
    grown_.insert(grown_.begin() + static_cast<std::ptrdiff_t>(index), f);
    fields_ = grown_.data();
    field_count_ = grown_.size();
    field_capacity_ = grown_.capacity();
}

}  // namespace happysip::sip
