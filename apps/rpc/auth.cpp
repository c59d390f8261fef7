#include "apps/rpc/auth.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace timecoin::rpc {

namespace {

constexpr std::string_view base64_chars =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/// A cookie file larger than this is not a cookie.
constexpr std::size_t max_cookie_bytes = 1024;
/// Owner read and write only.
constexpr mode_t cookie_mode = 0600;

std::string errno_text() {
  return std::strerror(errno);
}

int base64_value(char c) {
  auto pos = base64_chars.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

} // namespace

result<std::string, auth_error> make_cookie() {
  std::array<unsigned char, cookie_secret_bytes> secret{};
  std::size_t filled = 0;
  while (filled < secret.size()) {
    auto n = ::getrandom(secret.data() + filled, secret.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return auth_error{"getrandom: " + errno_text()};
    }
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out{cookie_user};
  out += ':';
  for (auto b : secret) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

result<void, auth_error> write_cookie(const std::string& path,
                                      const std::string& credentials) {
  auto tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  // O_EXCL: never write through a file (or symlink) someone else put there.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  cookie_mode);
  if (fd < 0)
    return auth_error{"cannot create " + tmp + ": " + errno_text()};
  std::string_view rest = credentials;
  while (!rest.empty()) {
    auto n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto err = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return auth_error{"cannot write " + tmp + ": " + err};
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  // The umask may have narrowed the mode; never widened it. Make it exact.
  ::fchmod(fd, cookie_mode);
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = errno_text();
    ::unlink(tmp.c_str());
    return auth_error{"cannot write " + path + ": " + err};
  }
  return {};
}

result<std::string, auth_error> read_cookie(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return auth_error{"cannot read " + path + ": " + errno_text()};
  std::string text(max_cookie_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_cookie_bytes)
    return auth_error{path + " is too large to be a cookie"};
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.find(':') == std::string::npos)
    return auth_error{path + " is not a cookie (no ':')"};
  return text;
}

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(data[i]) << 16)
                 | (static_cast<uint8_t>(data[i + 1]) << 8)
                 | static_cast<uint8_t>(data[i + 2]);
    out += base64_chars[(n >> 18) & 63];
    out += base64_chars[(n >> 12) & 63];
    out += base64_chars[(n >> 6) & 63];
    out += base64_chars[n & 63];
  }
  auto rest = data.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (rest == 2)
      n |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += base64_chars[(n >> 18) & 63];
    out += base64_chars[(n >> 12) & 63];
    out += rest == 2 ? base64_chars[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int v[4];
    std::size_t pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && last && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) // data after padding
        return std::nullopt;
      v[j] = base64_value(c);
      if (v[j] < 0)
        return std::nullopt;
    }
    uint32_t n = (static_cast<uint32_t>(v[0]) << 18)
                 | (static_cast<uint32_t>(v[1]) << 12)
                 | (static_cast<uint32_t>(v[2]) << 6)
                 | static_cast<uint32_t>(v[3]);
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2)
      out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1)
      out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string basic_auth_header(std::string_view credentials) {
  return "Basic " + base64_encode(credentials);
}

bool check_basic_auth(std::string_view header, std::string_view expected) {
  constexpr std::string_view scheme = "Basic ";
  if (header.substr(0, scheme.size()) != scheme)
    return false;
  auto given = base64_decode(header.substr(scheme.size()));
  if (!given || given->size() != expected.size())
    return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>((*given)[i] ^ expected[i]);
  return diff == 0;
}

} // namespace timecoin::rpc
