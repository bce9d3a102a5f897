// A LocationStore in memory: tests, and deployments that accept losing registrations on a
// restart. Not thread-safe (the runtime is single-threaded).
#pragma once

#include <map>
#include <string>

#include "happysip/registrar/location_store.hpp"

namespace happysip::registrar {

class MemoryLocationStore final : public LocationStore {
  public:
    std::vector<Binding> lookup(std::string_view aor, std::int64_t now) override;
    void lookup_into(std::string_view aor, std::int64_t now, std::vector<Binding>& out) override;
    StoreStatus replace(std::string_view aor, const std::vector<Binding>& bindings) override;
    std::size_t purge_expired(std::int64_t now) override;
    std::size_t size() override;

  private:
    std::map<std::string, std::vector<Binding>, std::less<>> by_aor_;
};

}  // namespace happysip::registrar
