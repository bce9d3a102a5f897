#include "happysip/runtime/dns_client.hpp"

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <map>
#include <utility>

#include "happysip/runtime/dns_answer.hpp"
#include "happysip/runtime/dns_channel.hpp"
#include "happysip/runtime/dns_servers.hpp"
#include "happysip/runtime/dns_wire.hpp"

namespace happysip::runtime {
namespace {

using resolve::DnsRecordType;

// The cache's clock: the sans-I/O cache takes Instants, the runtime reads steady_clock.
Instant steady_now() {
    return Instant{
        std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch())};
}

// One trailing dot stripped: "example.com." and "example.com" are one query (ares_query
// treats both as fully qualified anyway) and one cache entry.
std::string query_name(const std::string& name) {
    if (name.size() > 1 && name.back() == '.') return name.substr(0, name.size() - 1);
    return name;
}

int wire_type(DnsRecordType type) {
    switch (type) {
        case DnsRecordType::naptr:
            return dns_wire::k_type_naptr;
        case DnsRecordType::srv:
            return dns_wire::k_type_srv;
        case DnsRecordType::a:
            return dns_wire::k_type_a;
        case DnsRecordType::aaaa:
            return dns_wire::k_type_aaaa;
    }
    return 0;
}

std::uint32_t whole_seconds(Duration d) {
    return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

class DnsClient::Impl : public std::enable_shared_from_this<Impl> {
  public:
    Impl(asio::io_context& io, DnsClientConfig config)
        : io_(io), config_(std::move(config)), cache_(config_.cache) {}

    bool open(const std::string& servers_csv, std::string& error) {
        channel_ = DnsChannel::create(
            io_, DnsChannel::Options{servers_csv, config_.timeout, config_.tries}, error);
        return channel_ != nullptr;
    }

    // Parse: ParsedAnswer<Record>(int ares_status, std::span<const unsigned char>).
    template <class Record, class Parse>
    void start(const std::string& name, DnsRecordType type,
               std::function<void(DnsResult<Record>)> done, Parse parse) {
        const std::string qname = query_name(name);
        const std::uint64_t id = next_id_++;
        auto request = std::make_unique<TypedRequest<Record>>();
        request->done = std::move(done);
        auto& result = request->result;
        requests_.emplace(id, std::move(request));

        if (config_.use_cache && answer_from_cache(qname, type, result)) {
            post_delivery(id);
            return;
        }
        std::weak_ptr<Impl> weak = weak_from_this();
        channel_->query(
            qname, wire_type(type),
            [weak, id, qname, type, parse](int status, std::span<const unsigned char> answer) {
                auto self = weak.lock();
                if (!self || !self->waiting_for_answer(id)) return;
                self->on_answer<Record>(id, qname, type, parse(status, answer));
            });
    }

    void cancel_all() {
        for (auto& [id, request] : requests_) {
            request->cancel();
            if (!request->answered) post_delivery(id);
        }
        // The c-ares callbacks this runs find their requests answered and do nothing.
        channel_->cancel_all();
    }

    void clear_cache() { cache_.clear(); }

    // From ~DnsClient: no handler runs from now on.
    void shutdown() {
        closed_ = true;
        requests_.clear();
        channel_.reset();
    }

  private:
    struct Request {
        virtual ~Request() = default;
        virtual void cancel() = 0;
        virtual void invoke() = 0;
        bool answered = false;  // result final, delivery posted
    };

    template <class Record>
    struct TypedRequest final : Request {
        std::function<void(DnsResult<Record>)> done;
        DnsResult<Record> result;

        void cancel() override {
            result = DnsResult<Record>{};
            result.status = DnsStatus::cancelled;
            result.detail = "cancelled by cancel_all";
        }
        void invoke() override { done(std::move(result)); }
    };

    template <class Record>
    bool answer_from_cache(const std::string& qname, DnsRecordType type, DnsResult<Record>& out) {
        auto hit = cache_.find<Record>(qname, type, steady_now());
        if (!hit) return false;
        out.from_cache = true;
        switch (hit->kind) {
            case resolve::CachedKind::records:
                out.status = DnsStatus::ok;
                out.records = std::move(hit->records);
                break;
            case resolve::CachedKind::nxdomain:
                out.status = DnsStatus::nxdomain;
                out.detail = "cached NXDOMAIN";
                out.negative_ttl_seconds = hit->ttl_seconds;
                break;
            case resolve::CachedKind::nodata:
                out.status = DnsStatus::nodata;
                out.detail = "cached NODATA";
                out.negative_ttl_seconds = hit->ttl_seconds;
                break;
        }
        return true;
    }

    bool waiting_for_answer(std::uint64_t id) const {
        auto it = requests_.find(id);
        return it != requests_.end() && !it->second->answered;
    }

    template <class Record>
    void on_answer(std::uint64_t id, const std::string& qname, DnsRecordType type,
                   ParsedAnswer<Record> parsed) {
        auto& request = static_cast<TypedRequest<Record>&>(*requests_.at(id));
        auto& result = parsed.result;
        const Instant now = steady_now();
        if (result.status == DnsStatus::ok) {
            if (config_.use_cache) cache_.store(qname, type, result.records, now);
        } else if (result.status == DnsStatus::nodata || result.status == DnsStatus::nxdomain) {
            const auto kind = result.status == DnsStatus::nxdomain ? resolve::CachedKind::nxdomain
                                                                   : resolve::CachedKind::nodata;
            Duration ttl = resolve::negative_ttl(parsed.soa_negative_ttl, config_.cache);
            if (config_.use_cache)
                ttl = cache_.store_negative(qname, type, kind, parsed.soa_negative_ttl, now);
            result.negative_ttl_seconds = whole_seconds(ttl);
        }
        request.result = std::move(result);
        post_delivery(id);
    }

    // Every handler runs from the io_context, never from inside query_* or c-ares.
    void post_delivery(std::uint64_t id) {
        requests_.at(id)->answered = true;
        std::weak_ptr<Impl> weak = weak_from_this();
        asio::post(io_, [weak, id] {
            if (auto self = weak.lock()) self->deliver(id);
        });
    }

    void deliver(std::uint64_t id) {
        if (closed_) return;
        auto it = requests_.find(id);
        if (it == requests_.end()) return;
        std::unique_ptr<Request> request = std::move(it->second);
        requests_.erase(it);
        // Last: the handler may query again, cancel, or destroy the client.
        request->invoke();
    }

    asio::io_context& io_;
    DnsClientConfig config_;
    resolve::DnsCache cache_;
    std::unique_ptr<DnsChannel> channel_;
    std::map<std::uint64_t, std::unique_ptr<Request>> requests_;
    std::uint64_t next_id_ = 1;
    bool closed_ = false;
};

DnsClient::DnsClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

DnsClient::~DnsClient() {
    if (impl_) impl_->shutdown();
}

std::unique_ptr<DnsClient> DnsClient::create(asio::io_context& io, DnsClientConfig config,
                                             std::string& error) {
    if (config.timeout.count() <= 0 || config.tries < 1) {
        error = "DNS timeout must be positive and tries at least 1";
        return nullptr;
    }
    const auto csv = dns_servers_csv(config.servers, error);
    if (!csv) return nullptr;
    auto impl = std::make_shared<Impl>(io, std::move(config));
    if (!impl->open(*csv, error)) return nullptr;
    return std::unique_ptr<DnsClient>(new DnsClient(std::move(impl)));
}

void DnsClient::query_naptr(const std::string& name,
                            std::function<void(DnsResult<resolve::NaptrRecord>)> done) {
    impl_->start(name, DnsRecordType::naptr, std::move(done), &parse_naptr_answer);
}

void DnsClient::query_srv(const std::string& name,
                          std::function<void(DnsResult<resolve::SrvRecord>)> done) {
    impl_->start(name, DnsRecordType::srv, std::move(done), &parse_srv_answer);
}

void DnsClient::query_address(const std::string& name, eyeballs::Family family,
                              std::function<void(DnsResult<resolve::AddressRecord>)> done) {
    impl_->start(name, resolve::address_record_type(family), std::move(done),
                 [family](int status, std::span<const unsigned char> answer) {
                     return parse_address_answer(status, answer, family);
                 });
}

void DnsClient::cancel_all() {
    impl_->cancel_all();
}

void DnsClient::clear_cache() {
    impl_->clear_cache();
}

}  // namespace happysip::runtime
