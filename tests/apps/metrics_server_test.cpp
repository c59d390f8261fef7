#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apps/metrics/metrics_server.hpp"
#include "apps/metrics/prometheus.hpp"

using namespace timecoin;
using namespace timecoin::metrics;

namespace {

using std::chrono::milliseconds;

const std::string exposition = "# TYPE up gauge\nup 1\n";

/// A loopback connection that sends what a test says and reads the answer
/// until the server closes, each step bounded by a 5 s socket timeout.
class client {
public:
  explicit client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(const std::string& data) {
    auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n == static_cast<ssize_t>(data.size()));
  }

  /// Whether an answer (or the close) has arrived, without reading it.
  bool answered() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  /// Everything until the server closes (or 5 s of silence).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }

private:
  int fd_ = -1;
};

int status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 9, "HTTP/1.1 ") != 0)
    return 0;
  return std::stoi(response.substr(9, 3));
}

std::string body_of(const std::string& response) {
  auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string{} : response.substr(end + 4);
}

struct fixture {
  std::atomic<int> scrapes{0};
  std::unique_ptr<metrics_server> server;
  uint16_t port = 0;

  void start(server_limits limits = {}, scrape_fn scrape = {}) {
    if (!scrape)
      scrape = [this]() -> result<std::string, scrape_error> {
        ++scrapes;
        return exposition;
      };
    server = std::make_unique<metrics_server>(std::move(scrape), limits);
    auto p = server->start("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
  }

  std::string request(const std::string& text) {
    client c{port};
    c.send(text);
    return c.read_all();
  }

  std::string get(const std::string& target) {
    return request("GET " + target
                   + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n");
  }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "GET /metrics answers the scrape as text 0.0.4") {
  start();
  auto res = get("/metrics");
  CHECK(status_of(res) == 200);
  CHECK(res.find("\r\nContent-Type: text/plain; version=0.0.4; "
                 "charset=utf-8\r\n")
        != std::string::npos);
  CHECK(res.find("\r\nContent-Length: " + std::to_string(exposition.size())
                 + "\r\n")
        != std::string::npos);
  CHECK(res.find("\r\nConnection: close\r\n") != std::string::npos);
  CHECK(body_of(res) == exposition);
  // A query string is ignored, as is HTTP/1.0.
  CHECK(status_of(get("/metrics?name[]=up")) == 200);
  CHECK(status_of(request("GET /metrics HTTP/1.0\r\n\r\n")) == 200);
}

TEST_CASE_FIXTURE(fixture, "other paths 404, other methods 405, bodies 400") {
  start();
  for (auto path : {"/", "/metrics/", "/metricsx", "/favicon.ico"}) {
    auto res = get(path);
    CHECK_MESSAGE(status_of(res) == 404, path);
    CHECK(body_of(res).find("/metrics") != std::string::npos);
  }
  for (auto method : {"POST", "HEAD", "PUT", "DELETE", "OPTIONS"}) {
    auto res = request(std::string{method}
                       + " /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    CHECK_MESSAGE(status_of(res) == 405, method);
    CHECK(res.find("\r\nAllow: GET\r\n") != std::string::npos);
  }
  CHECK(status_of(request("GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
                          "hello"))
        == 400);
  CHECK(status_of(request("GET /metrics HTTP/1.1\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n0\r\n\r\n"))
        == 400);
  CHECK(status_of(request("GET /metrics HTTP/2.0\r\n\r\n")) == 505);
  CHECK(status_of(request("GET /metrics\r\n\r\n")) == 400);
  CHECK(scrapes == 0);
  // No credentials are asked for.
  CHECK(status_of(get("/metrics")) == 200);
}

TEST_CASE_FIXTURE(fixture, "a failed scrape is 503 with the reason") {
  start({}, []() -> result<std::string, scrape_error> {
    return scrape_error{"the node did not answer within 10000 ms"};
  });
  auto res = get("/metrics");
  CHECK(status_of(res) == 503);
  CHECK(body_of(res).find("did not answer") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "a scrape younger than the reuse time is reused") {
  start();
  CHECK(status_of(get("/metrics")) == 200);
  CHECK(status_of(get("/metrics")) == 200);
  CHECK(scrapes == 1);
  server_limits fresh;
  fresh.scrape_reuse_time = milliseconds{0};
  start(fresh);
  CHECK(status_of(get("/metrics")) == 200);
  CHECK(status_of(get("/metrics")) == 200);
  CHECK(scrapes == 3);
}

TEST_CASE_FIXTURE(fixture, "oversized heads are 431") {
  start();
  std::string many;
  for (int i = 0; i < 40; ++i)
    many += "X-" + std::to_string(i) + ": 1\r\n";
  CHECK(status_of(request("GET /metrics HTTP/1.1\r\n" + many + "\r\n")) == 431);
  CHECK(status_of(request("GET /metrics HTTP/1.1\r\nX: "
                          + std::string(rpc::max_head_bytes, 'a') + "\r\n\r\n"))
        == 431);
  CHECK(scrapes == 0);
}

TEST_CASE_FIXTURE(fixture, "a head not sent within the deadline is 408") {
  server_limits quick;
  quick.request_deadline = milliseconds{200};
  start(quick);
  client slow{port};
  slow.send("GET /metrics HTTP/1.1\r\n");
  auto t0 = std::chrono::steady_clock::now();
  auto res = slow.read_all();
  CHECK(status_of(res) == 408);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds{3});
}

TEST_CASE_FIXTURE(fixture, "idle connections do not lock out a scrape") {
  start();
  std::vector<std::unique_ptr<client>> idle;
  for (std::size_t i = 0; i < 3 * max_open_connections; ++i)
    idle.push_back(std::make_unique<client>(port));
  // Accepted after every idle one: the newest, never the one dropped.
  CHECK(status_of(get("/metrics")) == 200);
}

TEST_CASE_FIXTURE(fixture, "scrapes beyond the queue are 503") {
  // The first scrape holds the scrape thread until every request is in.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server_limits limits;
  limits.scrape_reuse_time = milliseconds{0};
  start(limits, [&, released]() -> result<std::string, scrape_error> {
    ++scrapes;
    released.wait();
    return exposition;
  });
  std::vector<std::unique_ptr<client>> clients;
  for (std::size_t i = 0; i < max_queued_scrapes + 4; ++i) {
    clients.push_back(std::make_unique<client>(port));
    clients.back()->send("GET /metrics HTTP/1.1\r\n\r\n");
  }
  // Every request is in once the server has refused those beyond the queue
  // (at least 3: one more may be with the scrape thread); only refusals are
  // answered before the release.
  auto refused = [&] {
    std::size_t n = 0;
    for (auto& c : clients)
      n += c->answered() ? 1 : 0;
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (refused() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(refused() >= 3);
  release.set_value();
  int ok = 0, busy = 0;
  for (auto& c : clients) {
    auto s = status_of(c->read_all());
    ok += s == 200;
    busy += s == 503;
  }
  // max_queued_scrapes waiting, and one more if the scrape thread took the
  // first before the others arrived; the rest refused.
  INFO("ok " << ok << ", busy " << busy);
  CHECK(ok >= static_cast<int>(max_queued_scrapes));
  CHECK(ok <= static_cast<int>(max_queued_scrapes) + 1);
  CHECK(ok + busy == static_cast<int>(clients.size()));
  CHECK(scrapes == ok);
}

TEST_CASE("a port in use is a start error; stop is idempotent") {
  auto scrape = []() -> result<std::string, scrape_error> {
    return exposition;
  };
  metrics_server first{scrape};
  auto port = first.start("127.0.0.1", 0);
  REQUIRE(port);
  metrics_server second{scrape};
  auto taken = second.start("127.0.0.1", *port);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message
        == "cannot bind the metrics server to 127.0.0.1:"
             + std::to_string(*port)
             + " (address in use, or not an address of this host)");
  CHECK_FALSE(second.start("256.0.0.1", 0));
  CHECK_FALSE(first.start("127.0.0.1", 0)); // already running
  first.stop();
  first.stop();
  second.stop();
}
