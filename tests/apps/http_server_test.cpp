#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "apps/rpc/auth.hpp"
#include "apps/rpc/http_server.hpp"
#include "config/process_memory.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

const std::string creds = "__cookie__:0123";

result<json, rpc_error> answer(const rpc_request& req) {
  if (req.method == "ping")
    return json("pong");
  if (req.method == "hostile") // as a peer's user agent may be
    return json{{"subver", "\xC0\x80/evil\xFF\xE2\x82"}};
  return rpc_error{rpc_code::method_not_found, "no"};
}

struct running_server {
  http_server server;
  uint16_t port = 0;
  explicit running_server(http_limits limits = {})
    : server(creds, answer, limits) {
    auto p = server.start("127.0.0.1", 0);
    REQUIRE(p);
    port = *p;
  }
  httplib::Result post(const std::string& body,
                       const std::string& auth = basic_auth_header(creds),
                       const std::string& path = "/") {
    httplib::Client client{"127.0.0.1", port};
    client.set_connection_timeout(std::chrono::seconds{5});
    client.set_read_timeout(std::chrono::seconds{5});
    httplib::Headers headers;
    if (!auth.empty())
      headers.emplace("Authorization", auth);
    return client.Post(path.c_str(), headers, body, "application/json");
  }
};

const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

} // namespace

TEST_CASE_FIXTURE(running_server, "authorised requests are answered") {
  auto res = post(ping);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  auto body = json::parse(res->body);
  CHECK(body["result"] == "pong");

  auto err = post(R"({"jsonrpc":"2.0","id":1,"method":"nope"})");
  REQUIRE(err);
  CHECK(err->status == 200);
  CHECK(json::parse(err->body)["error"]["code"] == -32601);

  auto bad = post("{not json");
  REQUIRE(bad);
  CHECK(json::parse(bad->body)["error"]["code"] == -32700);

  auto note = post(R"({"jsonrpc":"2.0","method":"ping"})");
  REQUIRE(note);
  CHECK(note->status == 204);
  CHECK(note->body.empty());
}

TEST_CASE_FIXTURE(running_server, "no or wrong credentials: 401") {
  for (auto auth : {std::string{}, basic_auth_header("__cookie__:0124"),
                    std::string{"Basic garbage"}}) {
    auto res = post(ping, auth);
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(res->get_header_value("WWW-Authenticate").find("Basic")
          != std::string::npos);
    CHECK(res->body.find("pong") == std::string::npos);
  }
}

TEST_CASE_FIXTURE(running_server, "other paths, verbs and huge bodies") {
  auto path = post(ping, basic_auth_header(creds), "/wallet");
  REQUIRE(path);
  CHECK(path->status == 404);
  httplib::Client client{"127.0.0.1", port};
  auto get = client.Get("/");
  REQUIRE(get);
  CHECK(get->status != 200);
  auto huge = post(std::string(max_body_bytes + 1, ' '));
  if (huge) // the server may also just close the connection
    CHECK(huge->status == 413);
}

TEST_CASE("a port in use is a start error; stop is idempotent") {
  running_server first;
  http_server second{creds, answer};
  auto taken = second.start("127.0.0.1", first.port);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().message.find(std::to_string(first.port))
        != std::string::npos);
  CHECK_FALSE(second.start("256.0.0.1", 0));
  first.server.stop();
  first.server.stop();
  // Stopped: connections are refused.
  httplib::Client client{"127.0.0.1", first.port};
  CHECK_FALSE(client.Post("/", ping, "application/json"));
}

namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::seconds;

/// A raw loopback connection: writes exactly the bytes a test wants, without
/// blocking, and collects what the server answers.
class raw_client {
public:
  explicit raw_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr))
            == 0);
  }
  ~raw_client() { ::close(fd_); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Sends what the socket takes now; false once the server has closed.
  bool send_some(std::string_view data, std::size_t& offset) {
    auto n = ::send(fd_, data.data() + offset, data.size() - offset,
                    MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      offset += static_cast<std::size_t>(n);
      return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
  }

  /// Sends all of `data` (small), polling up to 5 s.
  void send_all(std::string_view data) {
    std::size_t offset = 0;
    auto deadline = clock_type::now() + seconds{5};
    while (offset < data.size() && clock_type::now() < deadline) {
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      REQUIRE(send_some(data, offset));
    }
    REQUIRE(offset == data.size());
  }

  /// Reads what has arrived into `received`; false at end of stream.
  bool read_some() {
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0)
      received.append(buf, static_cast<std::size_t>(n));
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
  }

  /// Reads until the server closes the connection, up to `limit`.
  void read_to_end(clock_type::duration limit = seconds{10}) {
    auto deadline = clock_type::now() + limit;
    while (clock_type::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 100);
      if (!read_some())
        return;
    }
    FAIL("the server did not close the connection");
  }

  /// The status code of the response received so far; 0 before its first
  /// line (an interim 100 Continue is skipped).
  int status() const {
    auto text = std::string_view{received};
    constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
    if (text.substr(0, interim.size()) == interim)
      text.remove_prefix(interim.size());
    if (text.size() < 12 || text.substr(0, 9) != "HTTP/1.1 ")
      return 0;
    return std::stoi(std::string{text.substr(9, 3)});
  }

  int fd() const { return fd_; }
  std::string received;

private:
  int fd_ = -1;
};

/// The process's resident set in bytes.
std::size_t rss_bytes() {
  return read_resident_memory().rss;
}

/// Streams `unit` repeatedly after `head` until the server closes the
/// connection or `cap` bytes are sent, reading its answer all along.
/// Returns the bytes of `unit` the server let through.
std::size_t stream_until_closed(raw_client& c, const std::string& head,
                                const std::string& unit, std::size_t cap) {
  c.send_all(head);
  std::size_t sent = 0;
  std::size_t offset = 0;
  bool open = true;
  auto deadline = clock_type::now() + seconds{30};
  while (open && sent < cap && clock_type::now() < deadline) {
    pollfd p{c.fd(), POLLIN | POLLOUT, 0};
    ::poll(&p, 1, 100);
    if (p.revents & POLLIN)
      open = c.read_some();
    if (open && (p.revents & POLLOUT)) {
      auto before = offset;
      open = c.send_some(unit, offset);
      sent += offset - before;
      if (offset == unit.size())
        offset = 0;
    }
    if (p.revents & (POLLERR | POLLHUP))
      open = false;
  }
  // Whatever is still in flight.
  c.read_to_end(seconds{5});
  return sent;
}

constexpr std::size_t mib = 1024 * 1024;
/// The attack sent this much; the server may let through the kernel's socket
/// buffers and its linger allowance, nothing near it.
constexpr std::size_t attack_body_bytes = 512 * mib;
constexpr std::size_t allowed_through = 64 * mib;

std::string head_of(const std::string& fields) {
  return "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n";
}

std::string auth_field() {
  return "Authorization: " + basic_auth_header(creds) + "\r\n";
}

} // namespace

TEST_CASE_FIXTURE(running_server,
                  "an unauthenticated chunked body is refused unread") {
  auto rss_before = rss_bytes();
  raw_client c{port};
  std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  auto sent = stream_until_closed(c, head_of("Transfer-Encoding: chunked\r\n"),
                                  chunk, attack_body_bytes);
  CHECK(c.status() == 401);
  CHECK(sent < allowed_through);
  CHECK(rss_bytes() < rss_before + allowed_through);
  // The server still serves.
  auto res = post(ping);
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE_FIXTURE(running_server, "credentials before length: 401, 411, 413") {
  auto answer_to = [&](const std::string& head) {
    raw_client c{port};
    c.send_all(head); // no body follows
    c.read_to_end();
    return c.status();
  };
  auto huge = "Content-Length: " + std::to_string(attack_body_bytes) + "\r\n";
  CHECK(answer_to(head_of(huge)) == 401);
  CHECK(answer_to(head_of(auth_field() + huge)) == 413);
  CHECK(answer_to(head_of(auth_field() + "Transfer-Encoding: chunked\r\n"))
        == 411);
  CHECK(answer_to(head_of(auth_field())) == 411);
  // An authenticated chunked body is refused unread too.
  raw_client c{port};
  auto sent = stream_until_closed(
    c, head_of(auth_field() + "Transfer-Encoding: chunked\r\n"),
    "10000\r\n" + std::string(0x10000, 'x') + "\r\n", attack_body_bytes);
  CHECK(c.status() == 411);
  CHECK(sent < allowed_through);
}

TEST_CASE_FIXTURE(running_server, "endless header lines are refused early") {
  auto rss_before = rss_bytes();
  raw_client c{port};
  // Field lines without end, a thousand per write; 20,000 once cost 193 MB.
  std::string lines;
  for (int i = 0; i < 1000; ++i)
    lines += "X-Filler: 0123456789\r\n";
  auto sent = stream_until_closed(
    c, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth_field(), lines,
    attack_body_bytes);
  CHECK(c.status() == 431);
  CHECK(sent < allowed_through);
  CHECK(rss_bytes() < rss_before + allowed_through);
  // One endless header line.
  raw_client line{port};
  sent = stream_until_closed(line, "POST / HTTP/1.1\r\nX-Long: ",
                             std::string(4096, 'a'), attack_body_bytes);
  CHECK(line.status() == 431);
  CHECK(sent < allowed_through);
}

TEST_CASE_FIXTURE(running_server, "slow clients do not starve an "
                                  "authenticated call") {
  // More slow clients than handler threads, each holding a started head.
  std::vector<std::unique_ptr<raw_client>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<raw_client>(port));
    slow.back()->send_all("POST / HTTP/1.1\r\nHost: 1");
  }
  for (int round = 0; round < 3; ++round) {
    // One more byte each: still within the request deadline.
    for (auto& s : slow)
      s->send_all("2");
    auto start = clock_type::now();
    auto res = post(ping);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(clock_type::now() - start < seconds{5});
  }
}

TEST_CASE_FIXTURE(running_server, "a full connection table makes room") {
  // Idle connections beyond the table: the oldest are dropped, and the
  // newest, an authenticated call, is served.
  std::vector<std::unique_ptr<raw_client>> idle;
  for (std::size_t i = 0; i < max_open_connections + 8; ++i)
    idle.push_back(std::make_unique<raw_client>(port));
  auto res = post(ping);
  REQUIRE(res);
  CHECK(res->status == 200);
  // The first idle connection was dropped without an answer.
  idle.front()->read_to_end();
  CHECK(idle.front()->received.empty());
}

TEST_CASE("a slow-byte client is cut off at the request deadline") {
  http_limits limits;
  limits.request_deadline = std::chrono::milliseconds{300};
  running_server s{limits};
  raw_client c{s.port};
  c.send_all("POST / HTTP/1.1\r\nHost: 1");
  c.read_to_end(); // polls up to 10 s for the server to hang up
  CHECK(c.status() == 408);
  // A partly sent body is cut off the same way.
  raw_client b{s.port};
  b.send_all(head_of(auth_field() + "Content-Length: 10\r\n") + "{}");
  b.read_to_end();
  CHECK(b.status() == 408);
}

TEST_CASE_FIXTURE(running_server, "Expect: 100-continue") {
  raw_client c{port};
  c.send_all(head_of(auth_field() + "Expect: 100-continue\r\nContent-Length: "
                     + std::to_string(ping.size()) + "\r\n"));
  auto deadline = clock_type::now() + seconds{5};
  while (c.received.empty() && clock_type::now() < deadline) {
    pollfd p{c.fd(), POLLIN, 0};
    ::poll(&p, 1, 100);
    REQUIRE(c.read_some());
  }
  CHECK(c.received == "HTTP/1.1 100 Continue\r\n\r\n");
  c.send_all(ping);
  c.read_to_end();
  CHECK(c.status() == 200);
  CHECK(c.received.find("\"pong\"") != std::string::npos);
}

TEST_CASE_FIXTURE(running_server, "invalid UTF-8 in a result is escaped") {
  auto res = post(R"({"jsonrpc":"2.0","id":1,"method":"hostile"})");
  REQUIRE(res);
  CHECK(res->status == 200);
  auto body = json::parse(res->body); // valid JSON, valid UTF-8
  auto subver = body["result"]["subver"].get<std::string>();
  CHECK(subver.find("/evil") != std::string::npos);
  CHECK(subver.find("\xEF\xBF\xBD") != std::string::npos);
}
