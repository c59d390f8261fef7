#pragma once

// The reading side of the node's small HTTP servers (JSON-RPC and metrics),
// bounded against hostile clients. One thread accepts connections, up to a
// cap (when full, the one held longest is dropped for the newcomer), reads
// from all of them without blocking, parses each request head
// (http_head.hpp), reads the body the server asks for, and hands complete
// requests to the server. A request not complete within the deadline is
// answered 408 and dropped; after a refusal the connection lingers, within
// bounds, so that the client reads the refusal instead of a reset.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "apps/rpc/http_head.hpp"
#include "protocol/result.hpp"

namespace timecoin::rpc {

/// The bounds and the manner of one server's reading.
struct reader_options {
  /// Connections held at once (still sending their request, or lingering
  /// after a refusal).
  std::size_t max_open_connections = 0;
  /// Time from connecting within which the whole request must arrive.
  std::chrono::milliseconds request_deadline{0};
  /// After a refusal, at most this many further bytes are discarded, for at
  /// most `linger_time`, before the connection is closed.
  std::size_t max_linger_bytes = 0;
  std::chrono::milliseconds linger_time{0};
  /// Bytes taken from a socket per read.
  std::size_t read_chunk_bytes = 4 * 1024;
  /// Answer `Expect: 100-continue` (HTTP/1.1) once a head is accepted and no
  /// byte of its body has arrived yet.
  bool answer_continue = false;
};

/// What the server decides and does.
struct reader_hooks {
  /// The whole response refusing a request with `status`; also the 408 sent
  /// at the deadline.
  std::function<std::string(http_status)> refusal;
  /// Looks at a complete head: the length of the body to read, or the
  /// status to refuse the request with (its body is then never read).
  std::function<result<std::size_t, http_status>(const http_head&)> check_head;
  /// Takes a complete request: the connection (the server owns it from then
  /// on) and its body. False if there is no room; the request is then
  /// refused with 503 and the connection stays with the reader.
  std::function<bool(int fd, std::string body)> take;
};

/// The reading thread of one server.
class request_reader {
public:
  request_reader(reader_options options, reader_hooks hooks);
  ~request_reader();

  request_reader(const request_reader&) = delete;
  request_reader& operator=(const request_reader&) = delete;

  /// Starts reading from connections accepted on `listen_fd`, a listening,
  /// non-blocking socket it owns from then on (closed here if it cannot
  /// start). False if it cannot start (no eventfd to wake it with).
  bool start(int listen_fd);

  /// Stops accepting, closes every connection it still holds and the
  /// listening socket, joins the thread. Idempotent.
  void stop();

private:
  using clock_type = std::chrono::steady_clock;

  /// A connection the reading thread holds.
  struct connection {
    int fd = -1;
    clock_type::time_point accepted;
    /// When it is dropped: the request deadline, or the end of lingering.
    clock_type::time_point deadline;
    std::string received;
    std::size_t head_size = 0; ///< 0 until the head is complete
    std::size_t body_size = 0;
    bool lingering = false; ///< refused; discarding input until closed
    std::size_t discarded = 0;
  };

  void read_loop();
  static void drop(connection& c);
  static void erase_dropped(std::vector<connection>& conns);
  void accept_all(std::vector<connection>& conns);
  void refuse(connection& c, http_status status);
  void on_readable(connection& c);
  bool on_head(connection& c);

  reader_options options_;
  reader_hooks hooks_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Reading thread only.
  clock_type::time_point accept_paused_until_;
  std::vector<char> chunk_;
};

} // namespace timecoin::rpc
