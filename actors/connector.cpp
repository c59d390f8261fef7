#include "actors/connector.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace timecoin {

namespace {

result<int, std::string> try_connect(const addrinfo* ai,
                                     std::chrono::milliseconds timeout) {
  int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    0);
  if (fd < 0)
    return std::string{"socket: "} + std::strerror(errno);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return err;
  }
  pollfd pfd{fd, POLLOUT, 0};
  int rc;
  do {
    rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) {
    ::close(fd);
    return std::string{"connect timed out"};
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (rc < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0
      || err != 0) {
    std::string msg = std::strerror(err != 0 ? err : errno);
    ::close(fd);
    return msg;
  }
  return fd;
}

} // namespace

result<int, std::string>
connect_with_timeout(const peer_address& where,
                     std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  auto port = std::to_string(where.port);
  if (auto rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &res);
      rc != 0)
    return std::string{"cannot resolve '"} + where.host
           + "': " + ::gai_strerror(rc);
  std::string last = "no address";
  for (auto ai = res; ai != nullptr; ai = ai->ai_next) {
    auto r = try_connect(ai, timeout);
    if (r) {
      ::freeaddrinfo(res);
      return r;
    }
    last = r.error();
  }
  ::freeaddrinfo(res);
  return last;
}

} // namespace timecoin
