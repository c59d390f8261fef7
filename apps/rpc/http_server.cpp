#include "apps/rpc/http_server.hpp"

#include <sys/socket.h>

#include <httplib.h>

#include "apps/rpc/auth.hpp"

namespace timecoin::rpc {

namespace {

constexpr auto json_type = "application/json";
/// Clients that send nothing for this long are dropped.
constexpr auto read_timeout = std::chrono::seconds{10};

void set_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(to_wire(body), json_type);
}

} // namespace

http_server::http_server(std::string credentials, rpc_handler handler)
  : credentials_(std::move(credentials)), handler_(std::move(handler)) {
  // nop
}

http_server::~http_server() {
  stop();
}

result<uint16_t, server_error> http_server::start(const std::string& host,
                                                  uint16_t port) {
  if (server_)
    return server_error{"the RPC server is already running"};
  auto server = std::make_unique<httplib::Server>();
  // httplib's default sets SO_REUSEPORT, which would let two daemons bind
  // the same port; SO_REUSEADDR only allows a quick restart.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->new_task_queue = [] { return new httplib::ThreadPool(http_threads); };
  server->set_payload_max_length(max_body_bytes);
  server->set_read_timeout(read_timeout);
  server->Post("/", [this](const httplib::Request& req,
                           httplib::Response& res) {
    if (!check_basic_auth(req.get_header_value("Authorization"),
                          credentials_)) {
      res.status = 401;
      res.set_header("WWW-Authenticate", "Basic realm=\"jsonrpc\"");
      return;
    }
    auto reply = handle_body(req.body, handler_);
    if (!reply) {
      res.status = 204; // notifications only
      return;
    }
    set_json(res, 200, *reply);
  });
  server->set_error_handler([](const httplib::Request&,
                               httplib::Response& res) {
    // 401, 404, 413 and the like: keep httplib's status, add no HTML body.
    if (res.body.empty())
      res.set_content("", "text/plain");
  });
  int bound = 0;
  if (port == 0) {
    bound = server->bind_to_any_port(host);
    if (bound <= 0)
      bound = -1;
  } else {
    bound = server->bind_to_port(host, port) ? port : -1;
  }
  if (bound < 0)
    return server_error{"cannot bind the RPC server to " + host + ":"
                        + std::to_string(port)
                        + " (address in use, or not an address of this "
                          "host)"};
  server_ = std::move(server);
  finished_ = false;
  thread_ = std::thread{[this, srv = server_.get()] {
    srv->listen_after_bind();
    finished_ = true;
  }};
  // httplib 0.11's stop() does nothing until the accept loop has begun, so
  // wait for it here (microseconds) to make a later stop() reliable.
  while (!server_->is_running() && !finished_)
    std::this_thread::yield();
  return static_cast<uint16_t>(bound);
}

void http_server::stop() {
  if (!server_)
    return;
  server_->stop();
  if (thread_.joinable())
    thread_.join();
  server_.reset();
}

} // namespace timecoin::rpc
