#pragma once

// Cookie authentication, as bitcoind does it: at start the daemon writes
// `<datadir>/.cookie` holding `__cookie__:<64 hex random>` (mode 0600), and
// every HTTP request must carry those credentials in HTTP Basic auth.

#include <optional>
#include <string>
#include <string_view>

#include "protocol/result.hpp"

namespace timecoin::rpc {

/// The user name in the cookie.
constexpr std::string_view cookie_user = "__cookie__";
/// The cookie file's name in the data directory.
constexpr std::string_view cookie_file_name = ".cookie";
/// Random bytes in the cookie's password (64 hex characters).
constexpr std::size_t cookie_secret_bytes = 32;

/// Why a cookie could not be made, written or read.
struct auth_error {
  std::string message;
};

/// `__cookie__:<64 hex>` from the operating system's random source.
result<std::string, auth_error> make_cookie();

/// Writes `credentials` to `path` with mode 0600, replacing any old file
/// atomically (a temporary file renamed over it).
result<void, auth_error> write_cookie(const std::string& path,
                                      const std::string& credentials);

/// Reads the credentials from a cookie file (trailing newline dropped).
result<std::string, auth_error> read_cookie(const std::string& path);

/// Standard base64 with padding (RFC 4648 §4), by libsodium.
std::string base64_encode(std::string_view data);
/// Standard base64 with padding, by libsodium; nothing if malformed: bad
/// or missing padding, characters outside the alphabet (blanks included),
/// anything after the padding, or a non-canonical last character (bits
/// left over that are not zero).
std::optional<std::string> base64_decode(std::string_view text);

/// The `Authorization` header value for `credentials` ("Basic ...").
std::string basic_auth_header(std::string_view credentials);

/// True if `header` is `Basic <base64 of expected>`; compares in constant
/// time so the secret does not leak through timing.
bool check_basic_auth(std::string_view header, std::string_view expected);

} // namespace timecoin::rpc
