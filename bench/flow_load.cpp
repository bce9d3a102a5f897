// flow_load: holds N RFC 5626 Outbound flows (TCP or TLS) open against a SIP registrar and
// keeps them alive with CRLFCRLF pings, for measuring a server's memory and idle CPU per
// flow. A bench tool, not library code: plain epoll and OpenSSL, one thread.
//
// Each flow: connect from one of several loopback source addresses (127.0.0.2, .3, ...;
// one address has only ~28,000 ephemeral ports), REGISTER a user of its own with
// +sip.instance and reg-id (RFC 5626 §4.2), check the 200, then ping every --ping-interval
// seconds (first ping at a random point of the interval, so pings are spread) and count
// the CRLF pongs (§4.4.1). With --silent S, S flows ping once and then fall silent: the
// time from that last ping to the server closing the flow is its flow failure detection.
//
// Output (stdout, one "key=value" line per phase) is read by scripts/bench-flows:
//   established=N failed=F elapsed_s=T
//   pings=P pongs=Q missing=M closed_by_server=C
//   silent_closed=K/S detect_min_s=.. detect_median_s=.. detect_max_s=..
// --ready-file FILE is created once every flow has been attempted (the hold begins).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Options {
    std::string server_ip = "127.0.0.1";
    int server_port = 5060;
    bool tls = false;
    int flows = 1000;
    int sources = 8;       // 127.0.0.2 .. 127.0.0.(1+sources)
    int first_source = 2;  // last octet of the first source address
    int rate = 2000;       // new connections per second
    double ping_interval = 30;
    double duration = 60;   // hold after every flow was attempted
    int silent = 0;         // flows that stop pinging after their first pong
    double wait_close = 0;  // extra time for the silent flows to be closed
    int user_offset = 0;    // distinct users across several processes
    std::string domain = "localhost";
    std::string ready_file;
    double setup_timeout = 120;  // bound on the connect/register phase
};

enum class State { connecting, handshaking, registering, established, dead };

struct Flow {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::connecting;
    std::string in;
    std::string out;
    int user = 0;
    bool silent = false;
    bool awaiting_pong = false;
    double next_ping = 0;   // seconds since start
    double last_ping = -1;  // seconds since start
    double closed_at = -1;  // seconds since start: the server closed it
};

struct Totals {
    long pings = 0;
    long pongs = 0;
    long missing = 0;
    long closed_by_server = 0;
    int established = 0;
    int failed = 0;
};

class Load {
  public:
    explicit Load(Options o) : o_(std::move(o)), rng_(12345) {}
    int run();

  private:
    void open_one(int i);
    void on_event(Flow& f, std::uint32_t events);
    void progress(Flow& f);
    bool flush(Flow& f);
    bool fill(Flow& f);  // false: closed or failed
    void handle_input(Flow& f);
    void send_register(Flow& f);
    void ping(Flow& f);
    void watch(Flow& f, bool want_write);
    void kill(Flow& f, bool by_server);
    double now() const { return seconds_since(start_); }

    Options o_;
    std::mt19937 rng_;
    Clock::time_point start_ = Clock::now();
    int ep_ = -1;
    SSL_CTX* ctx_ = nullptr;
    std::vector<Flow> flows_;
    Totals t_;
    bool holding_ = false;
};

void Load::watch(Flow& f, bool want_write) {
    epoll_event ev{};
    ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<std::uint32_t>(&f - flows_.data());
    epoll_ctl(ep_, EPOLL_CTL_MOD, f.fd, &ev);
}

void Load::kill(Flow& f, bool by_server) {
    if (f.state == State::dead) return;
    if (f.state != State::established) {
        ++t_.failed;
    } else {
        --t_.established;
        if (by_server) {
            ++t_.closed_by_server;
            f.closed_at = now();
        }
    }
    f.state = State::dead;
    if (f.ssl) SSL_free(f.ssl);
    f.ssl = nullptr;
    close(f.fd);
    f.fd = -1;
    std::string().swap(f.in);
    std::string().swap(f.out);
}

void Load::open_one(int i) {
    Flow& f = flows_[i];
    f.user = o_.user_offset + i;
    f.silent = i < o_.silent;
    f.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f.fd < 0) {
        f.state = State::dead;
        ++t_.failed;
        return;
    }
    int one = 1;
    setsockopt(f.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr =
        htonl((127u << 24) | static_cast<unsigned>(o_.first_source + i % o_.sources));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(o_.server_port));
    inet_pton(AF_INET, o_.server_ip.c_str(), &dst.sin_addr);
    if (bind(f.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        (connect(f.fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 &&
         errno != EINPROGRESS)) {
        close(f.fd);
        f.fd = -1;
        f.state = State::dead;
        ++t_.failed;
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    epoll_ctl(ep_, EPOLL_CTL_ADD, f.fd, &ev);
}

void Load::send_register(Flow& f) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    getsockname(f.fd, reinterpret_cast<sockaddr*>(&local), &len);
    char addr[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &local.sin_addr, addr, sizeof addr);
    std::string hostport = std::string(addr) + ":" + std::to_string(ntohs(local.sin_port));
    std::string user = "flow" + std::to_string(f.user);
    std::string transport = o_.tls ? "TLS" : "TCP";
    char uuid[64];
    std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", f.user);
    f.out += "REGISTER sip:" + o_.domain + " SIP/2.0\r\n";
    f.out +=
        "Via: SIP/2.0/" + transport + " " + hostport + ";branch=z9hG4bK" + user + "r1;rport\r\n";
    f.out += "Max-Forwards: 70\r\n";
    f.out += "From: <sip:" + user + "@" + o_.domain + ">;tag=t" + user + "\r\n";
    f.out += "To: <sip:" + user + "@" + o_.domain + ">\r\n";
    f.out += "Call-ID: " + user + "-reg@flow-load\r\n";
    f.out += "CSeq: 1 REGISTER\r\n";
    f.out += "Supported: outbound, path\r\n";
    f.out += "Contact: <sip:" + user + "@" + hostport + ";transport=" + (o_.tls ? "tls" : "tcp") +
             ";ob>;+sip.instance=\"<urn:uuid:" + uuid + ">\";reg-id=1\r\n";
    f.out += "Expires: 3600\r\n";
    f.out += "User-Agent: flow_load\r\n";
    f.out += "Content-Length: 0\r\n\r\n";
    f.state = State::registering;
}

void Load::ping(Flow& f) {
    if (f.awaiting_pong) ++t_.missing;  // the previous one never got its pong
    f.out += "\r\n\r\n";
    f.awaiting_pong = true;
    f.last_ping = now();
    ++t_.pings;
    f.next_ping = f.last_ping + o_.ping_interval;
}

// Writes what is queued; false when the connection failed.
bool Load::flush(Flow& f) {
    while (!f.out.empty()) {
        ssize_t n;
        if (f.ssl) {
            ERR_clear_error();
            int r = SSL_write(f.ssl, f.out.data(), static_cast<int>(f.out.size()));
            if (r <= 0) {
                int e = SSL_get_error(f.ssl, r);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
                    watch(f, true);
                    return true;
                }
                return false;
            }
            n = r;
        } else {
            n = send(f.fd, f.out.data(), f.out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN) {
                    watch(f, true);
                    return true;
                }
                return false;
            }
        }
        f.out.erase(0, static_cast<std::size_t>(n));
    }
    std::string().swap(f.out);
    watch(f, false);
    return true;
}

// Reads what is there into f.in; false when the peer closed or the read failed.
bool Load::fill(Flow& f) {
    char buf[4096];
    for (;;) {
        ssize_t n;
        if (f.ssl) {
            ERR_clear_error();
            int r = SSL_read(f.ssl, buf, sizeof buf);
            if (r <= 0) {
                int e = SSL_get_error(f.ssl, r);
                return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
            }
            n = r;
        } else {
            n = recv(f.fd, buf, sizeof buf, 0);
            if (n == 0) return false;
            if (n < 0) return errno == EAGAIN;
        }
        f.in.append(buf, static_cast<std::size_t>(n));
    }
}

void Load::handle_input(Flow& f) {
    for (;;) {
        if (f.in.empty()) return;
        if (f.in.compare(0, 2, "\r\n") == 0) {  // a pong (§4.4.1)
            f.in.erase(0, 2);
            if (f.awaiting_pong) {
                f.awaiting_pong = false;
                ++t_.pongs;
            }
            continue;
        }
        auto end = f.in.find("\r\n\r\n");
        if (end == std::string::npos) return;
        std::string_view head(f.in.data(), end);
        std::size_t body = 0;
        if (auto cl = head.find("\r\nContent-Length:"); cl != std::string_view::npos)
            body = std::strtoul(f.in.c_str() + cl + 17, nullptr, 10);
        if (f.in.size() < end + 4 + body) return;
        bool ok = head.substr(0, 12) == "SIP/2.0 200 ";
        if (f.state == State::registering) {
            if (!ok) {
                std::fprintf(stderr, "flow %d: %.*s\n", f.user, static_cast<int>(head.find("\r\n")),
                             head.data());
                kill(f, false);
                return;
            }
            f.state = State::established;
            ++t_.established;
            std::uniform_real_distribution<double> first(0, o_.ping_interval);
            // A silent flow pings at once, then never again.
            f.next_ping = now() + (f.silent ? 0.0 : first(rng_));
        }
        f.in.erase(0, end + 4 + body);
    }
}

// Drives a flow after readiness: connect, handshake, writes, reads.
void Load::progress(Flow& f) {
    if (f.state == State::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(f.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return kill(f, false);
        if (o_.tls) {
            f.ssl = SSL_new(ctx_);
            SSL_set_fd(f.ssl, f.fd);
            SSL_set_connect_state(f.ssl);
            f.state = State::handshaking;
        } else {
            send_register(f);
        }
    }
    if (f.state == State::handshaking) {
        ERR_clear_error();
        int r = SSL_do_handshake(f.ssl);
        if (r != 1) {
            int e = SSL_get_error(f.ssl, r);
            if (e == SSL_ERROR_WANT_READ) return watch(f, false);
            if (e == SSL_ERROR_WANT_WRITE) return watch(f, true);
            return kill(f, false);
        }
        send_register(f);
    }
    if (!flush(f)) return kill(f, f.state == State::established);
    if (!fill(f)) {
        handle_input(f);
        return kill(f, true);
    }
    handle_input(f);
}

void Load::on_event(Flow& f, std::uint32_t) {
    if (f.state == State::dead) return;
    progress(f);
}

int Load::run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (o_.tls) {
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // a bench against a self-signed cert
        SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);    // the client holds many flows too
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
    }
    flows_.resize(static_cast<std::size_t>(o_.flows));
    std::vector<epoll_event> events(1024);
    int opened = 0;
    double hold_start = -1;
    for (;;) {
        double t = now();
        // Opening at --rate per second.
        int due = std::min(o_.flows, static_cast<int>(t * o_.rate) + 1);
        while (opened < due)
            open_one(opened++);
        int pending = 0;
        for (const Flow& f : flows_)
            pending += f.state != State::established && f.state != State::dead ? 1 : 0;
        if (hold_start < 0 && opened == o_.flows && (pending == 0 || t > o_.setup_timeout)) {
            hold_start = t;
            holding_ = true;
            std::printf("established=%d failed=%d elapsed_s=%.1f\n", t_.established,
                        t_.failed + pending, t);
            std::fflush(stdout);
            if (!o_.ready_file.empty()) std::ofstream(o_.ready_file) << t_.established << "\n";
        }
        if (hold_start >= 0) {
            double held = t - hold_start;
            bool silent_open = false;
            for (const Flow& f : flows_)
                silent_open |= f.silent && f.state == State::established;
            if (held >= o_.duration && (!silent_open || held >= o_.duration + o_.wait_close)) break;
        }
        // Pings that are due.
        for (Flow& f : flows_) {
            if (f.state != State::established || t < f.next_ping) continue;
            if (f.silent && f.last_ping >= 0) continue;
            ping(f);
            if (!flush(f)) kill(f, true);
        }
        int n =
            epoll_wait(ep_, events.data(), static_cast<int>(events.size()), holding_ ? 100 : 20);
        for (int i = 0; i < n; ++i)
            on_event(flows_[events[static_cast<std::size_t>(i)].data.u32],
                     events[static_cast<std::size_t>(i)].events);
    }
    // Pings sent in the last few seconds may still be on their way: not counted missing.
    double t = now();
    for (const Flow& f : flows_)
        if (f.state == State::established && f.awaiting_pong && !f.silent && t - f.last_ping > 5)
            ++t_.missing;
    long non_silent_closed = 0;
    std::vector<double> detect;
    int silent = 0;
    for (const Flow& f : flows_) {
        if (f.silent && f.last_ping >= 0) {
            ++silent;
            if (f.closed_at >= 0) detect.push_back(f.closed_at - f.last_ping);
        } else if (f.closed_at >= 0) {
            ++non_silent_closed;
        }
    }
    std::printf("pings=%ld pongs=%ld missing=%ld closed_by_server=%ld established_at_end=%d\n",
                t_.pings, t_.pongs, t_.missing, non_silent_closed, t_.established);
    if (o_.silent > 0) {
        std::sort(detect.begin(), detect.end());
        auto at = [&](double q) {
            return detect.empty() ? -1.0
                                  : detect[static_cast<std::size_t>(
                                        q * static_cast<double>(detect.size() - 1))];
        };
        std::printf(
            "silent_closed=%zu/%d detect_min_s=%.2f detect_median_s=%.2f "
            "detect_max_s=%.2f\n",
            detect.size(), silent, at(0), at(0.5), at(1));
    }
    for (Flow& f : flows_)
        if (f.state != State::dead) {
            if (f.ssl) SSL_free(f.ssl);
            close(f.fd);
        }
    if (ctx_) SSL_CTX_free(ctx_);
    close(ep_);
    return t_.established > 0 ? 0 : 1;
}

void usage() {
    std::fprintf(stderr,
                 "usage: flow_load [--server IP:PORT] [--tls] [--flows N] [--sources K]\n"
                 "  [--first-source OCTET] [--rate PER_S] [--ping-interval S] [--duration S]\n"
                 "  [--silent N] [--wait-close S] [--user-offset N] [--domain D]\n"
                 "  [--ready-file FILE] [--setup-timeout S]\n");
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--server") {
            std::string v = value();
            auto colon = v.rfind(':');
            o.server_ip = v.substr(0, colon);
            if (colon != std::string::npos) o.server_port = std::stoi(v.substr(colon + 1));
        } else if (a == "--tls") {
            o.tls = true;
        } else if (a == "--flows") {
            o.flows = std::stoi(value());
        } else if (a == "--sources") {
            o.sources = std::max(1, std::stoi(value()));
        } else if (a == "--first-source") {
            o.first_source = std::stoi(value());
        } else if (a == "--rate") {
            o.rate = std::max(1, std::stoi(value()));
        } else if (a == "--ping-interval") {
            o.ping_interval = std::stod(value());
        } else if (a == "--duration") {
            o.duration = std::stod(value());
        } else if (a == "--silent") {
            o.silent = std::stoi(value());
        } else if (a == "--wait-close") {
            o.wait_close = std::stod(value());
        } else if (a == "--user-offset") {
            o.user_offset = std::stoi(value());
        } else if (a == "--domain") {
            o.domain = value();
        } else if (a == "--ready-file") {
            o.ready_file = value();
        } else if (a == "--setup-timeout") {
            o.setup_timeout = std::stod(value());
        } else {
            usage();
            return 2;
        }
    }
    // Up to the hard limit: one descriptor per flow.
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        if (static_cast<rlim_t>(o.flows) + 16 > lim.rlim_cur) {
            std::fprintf(stderr, "flow_load: %d flows need more descriptors than %llu\n", o.flows,
                         static_cast<unsigned long long>(lim.rlim_cur));
            return 2;
        }
    }
    return Load(o).run();
}
