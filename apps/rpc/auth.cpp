#include "apps/rpc/auth.hpp"

#include <sys/random.h>
#include <sys/stat.h>

#include <sodium.h>

#include <array>
#include <cerrno>
#include <utility>

#include "protocol/types.hpp"
#include "security/file_util.hpp"

namespace timecoin::rpc {

namespace {

/// A cookie file larger than this is not a cookie.
constexpr std::size_t max_cookie_bytes = 1024;
/// Owner read and write only.
constexpr mode_t cookie_mode = 0600;

} // namespace

result<std::string, auth_error> make_cookie() {
  std::array<unsigned char, cookie_secret_bytes> secret{};
  std::size_t filled = 0;
  while (filled < secret.size()) {
    auto n = ::getrandom(secret.data() + filled, secret.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return auth_error{"getrandom: " + security::errno_text(errno)};
    }
    filled += static_cast<std::size_t>(n);
  }
  std::string out{cookie_user};
  out += ':';
  out += proto::to_hex(secret.data(), secret.size());
  return out;
}

result<void, auth_error> write_cookie(const std::string& path,
                                      const std::string& credentials) {
  std::string err;
  if (!security::replace_file(path, credentials, cookie_mode, err))
    return auth_error{err};
  return {};
}

result<std::string, auth_error> read_cookie(const std::string& path) {
  auto file = security::read_bounded(path, max_cookie_bytes);
  if (file.status == security::read_status::too_large)
    return auth_error{path + " is too large to be a cookie"};
  if (file.status != security::read_status::ok)
    return auth_error{"cannot read " + path + ": " + file.why};
  auto& text = file.text;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.find(':') == std::string::npos)
    return auth_error{path + " is not a cookie (no ':')"};
  return std::move(text);
}

// The base64 codecs need no sodium_init(): they use neither the random
// source nor the CPU-specific code that it sets up.

std::string base64_encode(std::string_view data) {
  constexpr int variant = sodium_base64_VARIANT_ORIGINAL;
  // The encoded length, and room for the NUL libsodium writes after it.
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(),
                    reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), variant);
  out.resize(out.size() - 1);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t size = 0;
  // No characters to ignore, and no end pointer: libsodium then refuses
  // anything after the padding, as well as bad padding, characters outside
  // the alphabet and non-zero bits left over in the last character.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()),
                        out.size(), text.data(), text.size(), nullptr, &size,
                        nullptr, sodium_base64_VARIANT_ORIGINAL)
      != 0)
    return std::nullopt;
  out.resize(size);
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
