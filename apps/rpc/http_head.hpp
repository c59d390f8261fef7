#pragma once

// The head of an HTTP/1.x request (request line and header fields), parsed
// from the bytes received so far under fixed bounds, and the framing of its
// body. Plain code: no sockets, no clocks. Header-only because it is small
// and the server is its only user.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace timecoin::rpc {

/// A request head (request line, header fields and the blank line) larger
/// than this is refused with 431. A JSON-RPC request needs one short line and
/// a handful of fields; the bound keeps an unauthenticated client's cost to
/// the server at one small buffer.
constexpr std::size_t max_head_bytes = 8 * 1024;
/// More header fields than this are refused with 431. time-cli and curl send
/// fewer than ten; 20,000 tiny fields once cost the server 193 MB.
constexpr std::size_t max_header_fields = 32;

/// The statuses the RPC server answers with, by their HTTP codes.
enum class http_status : uint16_t {
  continue_ = 100,
  ok = 200,
  no_content = 204,
  bad_request = 400,
  unauthorized = 401,
  not_found = 404,
  method_not_allowed = 405,
  request_timeout = 408,
  length_required = 411,
  payload_too_large = 413,
  header_fields_too_large = 431,
  internal_error = 500,
  service_unavailable = 503,
  version_not_supported = 505,
};

/// The reason phrase for `s` ("Unauthorized").
inline const char* reason_phrase(http_status s) {
  switch (s) {
    case http_status::continue_: return "Continue";
    case http_status::ok: return "OK";
    case http_status::no_content: return "No Content";
    case http_status::bad_request: return "Bad Request";
    case http_status::unauthorized: return "Unauthorized";
    case http_status::not_found: return "Not Found";
    case http_status::method_not_allowed: return "Method Not Allowed";
    case http_status::request_timeout: return "Request Timeout";
    case http_status::length_required: return "Length Required";
    case http_status::payload_too_large: return "Payload Too Large";
    case http_status::header_fields_too_large:
      return "Request Header Fields Too Large";
    case http_status::internal_error: return "Internal Server Error";
    case http_status::service_unavailable: return "Service Unavailable";
    case http_status::version_not_supported:
      return "HTTP Version Not Supported";
  }
  return "Unknown";
}

/// One header field; the name in lowercase, the value without surrounding
/// whitespace.
struct http_field {
  std::string name;
  std::string value;
};

/// A parsed request head.
struct http_head {
  std::string method;  ///< "POST"
  std::string target;  ///< "/"
  std::string version; ///< "HTTP/1.1" or "HTTP/1.0"
  std::vector<http_field> fields;

  /// The values of every field called `name` (lowercase), in order.
  std::vector<std::string_view> values(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& f : fields)
      if (f.name == name)
        out.emplace_back(f.value);
    return out;
  }

  /// The value of the first field called `name` (lowercase), if any.
  std::optional<std::string_view> value(std::string_view name) const {
    for (const auto& f : fields)
      if (f.name == name)
        return std::string_view{f.value};
    return std::nullopt;
  }
};

/// What `parse_head` made of the bytes received so far.
struct head_parse {
  enum class state : uint8_t { incomplete, complete, refused };
  state st = state::incomplete;
  http_head head;       ///< when complete
  std::size_t size = 0; ///< bytes of the head, blank line included
  http_status refusal = http_status::bad_request; ///< when refused
};

namespace detail {

/// RFC 9110 tchar: the characters of a method or field name.
inline bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
      || (c >= '0' && c <= '9'))
    return true;
  return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

inline bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

/// Control characters other than horizontal tab (NUL, bare CR and LF, DEL).
inline bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

inline head_parse refuse(http_status s) {
  head_parse out;
  out.st = head_parse::state::refused;
  out.refusal = s;
  return out;
}

} // namespace detail

/// Parses the head at the start of `received` (CRLF line ends, as RFC 9112
/// requires). Incomplete while the blank line has not arrived and the bounds
/// still allow it to; refused (431) as soon as `max_head_bytes` or
/// `max_header_fields` is exceeded, even before the blank line; refused (400)
/// for a malformed line, obsolete line folding or control characters; (505)
/// for an HTTP version other than 1.0 and 1.1. Bytes after the head (the
/// body) are left alone.
inline head_parse parse_head(std::string_view received) {
  using detail::refuse;
  constexpr std::string_view crlf = "\r\n";
  auto end = received.substr(0, max_head_bytes).find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > max_head_bytes) {
    if (received.size() >= max_head_bytes)
      return refuse(http_status::header_fields_too_large);
    // Count lines before the blank line arrives: a flood of tiny fields is
    // refused as early as possible.
    auto lines = static_cast<std::size_t>(
      std::count(received.begin(), received.end(), '\n'));
    if (lines > max_header_fields + 1)
      return refuse(http_status::header_fields_too_large);
    return head_parse{};
  }
  head_parse out;
  out.size = end + 4;
  auto text = received.substr(0, end + 2); // every line ends with CRLF
  auto next_line = [&] {
    auto eol = text.find(crlf);
    auto line = text.substr(0, eol);
    text.remove_prefix(eol + crlf.size());
    return line;
  };
  // Request line: method SP target SP version.
  auto line = next_line();
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos
      || line.find(' ', sp2 + 1) != std::string_view::npos)
    return refuse(http_status::bad_request);
  auto method = line.substr(0, sp1);
  auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  auto version = line.substr(sp2 + 1);
  if (!detail::is_token(method) || target.empty() || detail::has_control(target)
      || target.find('\t') != target.npos)
    return refuse(http_status::bad_request);
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return refuse(version.substr(0, 5) == "HTTP/"
                    ? http_status::version_not_supported
                    : http_status::bad_request);
  out.head.method = std::string{method};
  out.head.target = std::string{target};
  out.head.version = std::string{version};
  while (!text.empty()) {
    line = next_line();
    if (out.head.fields.size() == max_header_fields)
      return refuse(http_status::header_fields_too_large);
    // A leading space or tab is obsolete line folding (RFC 9112 §5.2).
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return refuse(http_status::bad_request);
    auto name = line.substr(0, colon);
    auto value = detail::trim_ows(line.substr(colon + 1));
    if (!detail::is_token(name) || detail::has_control(value))
      return refuse(http_status::bad_request);
    http_field f{std::string{name}, std::string{value}};
    for (auto& c : f.name)
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
    out.head.fields.push_back(std::move(f));
  }
  out.st = head_parse::state::complete;
  return out;
}

/// The body's length in bytes: the `Content-Length` of `head`, at most
/// `max_body`. Refusals: any `Transfer-Encoding` (chunked bodies have no
/// length to check before reading them) or no `Content-Length`: 411;
/// malformed or conflicting lengths: 400; a length over `max_body`: 413.
inline result<std::size_t, http_status> body_length(const http_head& head,
                                                    std::size_t max_body) {
  if (head.value("transfer-encoding"))
    return http_status::length_required;
  auto lengths = head.values("content-length");
  if (lengths.empty())
    return http_status::length_required;
  std::size_t length = 0;
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    auto text = lengths[i];
    if (i > 0 && text != lengths[0])
      return http_status::bad_request;
    if (text.empty())
      return http_status::bad_request;
    // Digits only, and stop counting once past the bound: no overflow.
    std::size_t n = 0;
    for (char c : text) {
      if (c < '0' || c > '9')
        return http_status::bad_request;
      if (n <= max_body)
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (n > max_body)
      return http_status::payload_too_large;
    length = n;
  }
  return length;
}

} // namespace timecoin::rpc
