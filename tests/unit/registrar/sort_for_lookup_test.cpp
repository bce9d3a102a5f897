#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "happysip/registrar/location_store.hpp"
#include "happysip/registrar/memory_location_store.hpp"

namespace happysip::registrar {
namespace {

Binding binding(std::uint16_t q, std::int64_t expires_at, const std::string& contact) {
    Binding b;
    b.q = q;
    b.expires_at = expires_at;
    b.contact = contact;
    return b;
}

std::vector<std::string> contacts(const std::vector<Binding>& bindings) {
    std::vector<std::string> out;
    for (const auto& b : bindings)
        out.push_back(b.contact);
    return out;
}

// q descending, then expiry descending, ties in the order given (stable): a lookup's
// first binding among equals is the one registered last (registrar.cpp puts it first).
TEST(SortForLookup, OrdersByQThenExpiryKeepingTiesInOrder) {
    std::vector<Binding> b = {binding(500, 100, "a"), binding(1000, 50, "b"),
                              binding(500, 200, "c"), binding(1000, 50, "d"),
                              binding(1000, 60, "e"), binding(500, 100, "f")};
    sort_for_lookup(b);
    EXPECT_EQ(contacts(b), (std::vector<std::string>{"e", "b", "d", "c", "a", "f"}));
    std::vector<Binding> none;
    sort_for_lookup(none);
    EXPECT_TRUE(none.empty());
    std::vector<Binding> one = {binding(1, 1, "only")};
    sort_for_lookup(one);
    EXPECT_EQ(contacts(one), std::vector<std::string>{"only"});
}

// Past 32 bindings the sort is std::stable_sort; same order.
TEST(SortForLookup, ManyBindingsSortTheSameWay) {
    std::vector<Binding> b;
    for (int i = 0; i < 100; ++i)
        b.push_back(binding(static_cast<std::uint16_t>(1000 - (i % 3) * 100), 1000 + (i % 7),
                            std::to_string(i)));
    std::vector<Binding> small(b.begin(), b.begin() + 30);
    sort_for_lookup(b);
    sort_for_lookup(small);
    for (const auto* sorted : {&b, &small}) {
        for (std::size_t i = 1; i < sorted->size(); ++i) {
            const Binding& x = (*sorted)[i - 1];
            const Binding& y = (*sorted)[i];
            ASSERT_TRUE(x.q > y.q || (x.q == y.q && x.expires_at > y.expires_at) ||
                        (x.q == y.q && x.expires_at == y.expires_at &&
                         std::stoi(x.contact) < std::stoi(y.contact)))
                << sorted->size() << " bindings, at " << i;
        }
    }
}

// lookup_into() over a vector that held more bindings than the answer has: the same as
// lookup(), the extra elements gone.
TEST(MemoryLocationStoreLookupInto, GivesLookupsAnswerOverWhatOutHeld) {
    MemoryLocationStore store;
    auto with_aor = [](Binding b) {
        b.aor = "sip:alice@example.com";
        return b;
    };
    ASSERT_TRUE(
        store
            .replace("sip:alice@example.com", {with_aor(binding(500, 2000, "sip:a@192.0.2.1")),
                                               with_aor(binding(1000, 900, "sip:a@192.0.2.2")),
                                               with_aor(binding(900, 2000, "sip:a@192.0.2.3"))})
            .ok);
    std::vector<Binding> out = {binding(1000, 5000, "x"), binding(1000, 5000, "y"),
                                binding(1000, 5000, "z")};
    store.lookup_into("sip:alice@example.com", 1000, out);
    EXPECT_EQ(out, store.lookup("sip:alice@example.com", 1000));
    EXPECT_EQ(contacts(out), (std::vector<std::string>{"sip:a@192.0.2.3", "sip:a@192.0.2.1"}));
    store.lookup_into("sip:bob@example.com", 1000, out);
    EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace happysip::registrar
