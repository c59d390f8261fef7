#include <doctest/doctest.h>

#include <string>

#include "apps/rpc/http_head.hpp"

using namespace timecoin;
using namespace timecoin::rpc;
using namespace std::string_literals;

namespace {

using state = head_parse::state;

const std::string good = "POST / HTTP/1.1\r\n"
                         "Host: 127.0.0.1\r\n"
                         "Authorization:  Basic abc= \r\n"
                         "Content-Length: 5\r\n"
                         "\r\n";

http_status refusal(const std::string& text) {
  auto p = parse_head(text);
  REQUIRE(p.st == state::refused);
  return p.refusal;
}

http_head head_with(const std::string& fields) {
  auto p = parse_head("POST / HTTP/1.1\r\n" + fields + "\r\n");
  REQUIRE(p.st == state::complete);
  return p.head;
}

} // namespace

TEST_CASE("a complete head: fields lowercased and trimmed, body left") {
  auto p = parse_head(good + "hello");
  REQUIRE(p.st == state::complete);
  CHECK(p.size == good.size());
  CHECK(p.head.method == "POST");
  CHECK(p.head.target == "/");
  CHECK(p.head.version == "HTTP/1.1");
  REQUIRE(p.head.fields.size() == 3);
  CHECK(p.head.fields[1].name == "authorization");
  CHECK(p.head.value("authorization") == "Basic abc=");
  CHECK(p.head.value("content-length") == "5");
  CHECK_FALSE(p.head.value("expect"));
}

TEST_CASE("every prefix of a good head is incomplete") {
  for (std::size_t n = 0; n < good.size(); ++n)
    CHECK(parse_head(good.substr(0, n)).st == state::incomplete);
}

TEST_CASE("too many fields or bytes: 431, before the blank line") {
  std::string head = "POST / HTTP/1.1\r\n";
  for (std::size_t i = 0; i < max_header_fields; ++i)
    head += "X-F" + std::to_string(i) + ": v\r\n";
  CHECK(parse_head(head + "\r\n").st == state::complete);
  // One more field, with or without the blank line yet.
  head += "X-Last: v\r\n";
  CHECK(refusal(head) == http_status::header_fields_too_large);
  CHECK(refusal(head + "\r\n") == http_status::header_fields_too_large);
  // 20,000 fields are refused from the first few.
  std::string flood = "POST / HTTP/1.1\r\n";
  for (int i = 0; i < 20000; ++i)
    flood += "X: y\r\n";
  CHECK(refusal(flood) == http_status::header_fields_too_large);
  // One endless line, and a head of exactly the bound.
  CHECK(refusal("POST / HTTP/1.1\r\nX: " + std::string(max_head_bytes, 'a'))
        == http_status::header_fields_too_large);
  auto base = std::string{"POST / HTTP/1.1\r\nX: \r\n\r\n"};
  auto exact = "POST / HTTP/1.1\r\nX: "
               + std::string(max_head_bytes - base.size(), 'a') + "\r\n\r\n";
  REQUIRE(exact.size() == max_head_bytes);
  CHECK(parse_head(exact).st == state::complete);
  // One byte over.
  CHECK(refusal("POST / HTTP/1.1\r\nX: a" + exact.substr(20))
        == http_status::header_fields_too_large);
}

TEST_CASE("malformed heads: 400 or 505") {
  for (auto bad :
       {"POST /\r\n\r\n", "POST  / HTTP/1.1\r\n\r\n",
        "POST / HTTP/1.1 x\r\n\r\n", "PO(ST / HTTP/1.1\r\n\r\n",
        " POST / HTTP/1.1\r\n\r\n", "POST / FTP/1.1\r\n\r\n",
        "POST / HTTP/1.1\r\nNoColon\r\n\r\n",
        "POST / HTTP/1.1\r\nX : y\r\n\r\n",
        "POST / HTTP/1.1\r\nX: y\r\n folded\r\n\r\n",
        "POST / HTTP/1.1\r\n: y\r\n\r\n", "POST / HTTP/1.1\r\nX: a\nb\r\n\r\n",
        "POST / HTTP/1.1\r\nX: a\rb\r\n\r\n"})
    CHECK_MESSAGE(refusal(bad) == http_status::bad_request, bad);
  CHECK(refusal("POST / HTTP/1.1\r\nX: a\0b\r\n\r\n"s)
        == http_status::bad_request);
  CHECK(refusal("POST / HTTP/2.0\r\n\r\n")
        == http_status::version_not_supported);
  CHECK(parse_head("POST / HTTP/1.0\r\n\r\n").st == state::complete);
}

TEST_CASE("body length: Content-Length only, bounded") {
  CHECK(*body_length(head_with("Content-Length: 0\r\n"), 10) == 0);
  CHECK(*body_length(head_with("Content-Length: 10\r\n"), 10) == 10);
  CHECK(
    *body_length(head_with("Content-Length: 7\r\nContent-Length: 7\r\n"), 10)
    == 7);
  auto refused = [](const std::string& fields, std::size_t max) {
    auto n = body_length(head_with(fields), max);
    REQUIRE_FALSE(n);
    return n.error();
  };
  CHECK(refused("Content-Length: 11\r\n", 10)
        == http_status::payload_too_large);
  CHECK(refused("Content-Length: 99999999999999999999999999\r\n", 10)
        == http_status::payload_too_large);
  CHECK(refused("", 10) == http_status::length_required);
  CHECK(refused("Transfer-Encoding: chunked\r\n", 10)
        == http_status::length_required);
  CHECK(refused("Transfer-Encoding: chunked\r\nContent-Length: 1\r\n", 10)
        == http_status::length_required);
  CHECK(refused("Content-Length: 1\r\nContent-Length: 2\r\n", 10)
        == http_status::bad_request);
  CHECK(refused("Content-Length: -1\r\n", 10) == http_status::bad_request);
  CHECK(refused("Content-Length: 1 2\r\n", 10) == http_status::bad_request);
  CHECK(refused("Content-Length: +1\r\n", 10) == http_status::bad_request);
  CHECK(refused("Content-Length:\r\n", 10) == http_status::bad_request);
}
