#include "security/subnet.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace timecoin::security;

namespace {

ip_address ip(const char* text) {
  auto a = ip_address::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

subnet net(const std::string& text) {
  auto s = subnet::parse(text);
  REQUIRE_MESSAGE(s.has_value(), text);
  return *s;
}

subnet_errc error_of(const std::string& text) {
  auto s = subnet::parse(text);
  REQUIRE_MESSAGE(!s.has_value(), text);
  CHECK(!s.error().message.empty());
  return s.error().code;
}

} // namespace

TEST_CASE("ip_address parses IPv4 and IPv6 and prints canonically") {
  CHECK(ip("1.2.3.4").to_string() == "1.2.3.4");
  CHECK(ip("1.2.3.4").is_v4());
  CHECK(ip("2001:DB8:0:0::1").to_string() == "2001:db8::1");
  CHECK_FALSE(ip("2001:db8::1").is_v4());
  CHECK(ip("::1").to_string() == "::1");
  CHECK(ip_address::from_v4(0x01020304) == ip("1.2.3.4"));
}

TEST_CASE("an IPv4-mapped IPv6 address is the IPv4 address") {
  CHECK(ip("::ffff:1.2.3.4") == ip("1.2.3.4"));
  CHECK(ip("::ffff:102:304") == ip("1.2.3.4"));
  CHECK(ip("::ffff:1.2.3.4").to_string() == "1.2.3.4");
  CHECK(ip_address_hash{}(ip("::ffff:1.2.3.4"))
        == ip_address_hash{}(ip("1.2.3.4")));
  // IPv4-compatible (deprecated) addresses are plain IPv6.
  CHECK_FALSE(ip("::1.2.3.4").is_v4());
}

TEST_CASE("ip_address refuses what is not exactly an address") {
  for (const char* bad :
       {"", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "256.1.1.1",
        "01.2.3.4", "1.2.3.4:80", "[::1]", "fe80::1%eth0", "::g",
        "1:2:3:4:5:6:7:8:9", "localhost", "0x01020304", "1.2.3.4/24"})
    CHECK_MESSAGE(!ip_address::parse(bad).has_value(), bad);
  CHECK_FALSE(ip_address::parse(std::string("1.2.3.4\0junk", 12)).has_value());
  CHECK_FALSE(ip_address::parse(std::string(10000, '1')).has_value());
}

TEST_CASE("subnet parses addresses and CIDR ranges") {
  CHECK(net("1.2.3.4").to_string() == "1.2.3.4");
  CHECK(net("1.2.3.4").is_single());
  CHECK(net("1.2.3.4").prefix_length() == 32);
  CHECK(net("1.2.3.4/32") == net("1.2.3.4"));
  CHECK(net("1.2.3.0/24").to_string() == "1.2.3.0/24");
  CHECK(net("1.2.3.0/24").prefix_length() == 24);
  CHECK(net("2001:db8::1").to_string() == "2001:db8::1");
  CHECK(net("2001:db8::1").prefix_length() == 128);
  CHECK(net("2001:db8::/32").to_string() == "2001:db8::/32");
  CHECK(net("0.0.0.0/0").to_string() == "0.0.0.0/0");
  CHECK(net("::/0").to_string() == "::/0");
  CHECK(net("10.0.0.0/008").to_string() == "10.0.0.0/8");
}

TEST_CASE("subnet zeroes host bits") {
  CHECK(net("1.2.3.4/24").to_string() == "1.2.3.0/24");
  CHECK(net("1.2.3.4/24") == net("1.2.3.0/24"));
  CHECK(net("1.2.255.255/17").to_string() == "1.2.128.0/17");
  CHECK(net("255.255.255.255/1").to_string() == "128.0.0.0/1");
  CHECK(net("2001:db8:ffff::1/32").to_string() == "2001:db8::/32");
  CHECK(net("2001:db8::ff/121").to_string() == "2001:db8::80/121");
  CHECK(net("1.2.3.4/0").to_string() == "0.0.0.0/0");
}

TEST_CASE("a mapped subnet with a prefix of 96 or more is the IPv4 subnet") {
  CHECK(net("::ffff:1.2.3.4") == net("1.2.3.4"));
  CHECK(net("::ffff:1.2.3.4/120") == net("1.2.3.0/24"));
  CHECK(net("::ffff:1.2.3.4/120").to_string() == "1.2.3.0/24");
  CHECK(net("::ffff:0:0/96").to_string() == "0.0.0.0/0");
  CHECK(net("::ffff:0:0/96").contains(ip("9.9.9.9")));
  // Below 96 bits the range leaves the mapped block: an IPv6 range.
  CHECK(net("::ffff:0:0/95").to_string() == "::fffe:0:0/95");
  CHECK_FALSE(net("::ffff:0:0/95").contains(ip("9.9.9.9")));
}

TEST_CASE("contains matches the leading bits within one family") {
  auto s = net("1.2.3.0/24");
  CHECK(s.contains(ip("1.2.3.0")));
  CHECK(s.contains(ip("1.2.3.255")));
  CHECK(s.contains(ip("::ffff:1.2.3.7")));
  CHECK_FALSE(s.contains(ip("1.2.4.0")));
  CHECK_FALSE(s.contains(ip("1.2.2.255")));
  CHECK(net("1.2.3.4").contains(ip("1.2.3.4")));
  CHECK_FALSE(net("1.2.3.4").contains(ip("1.2.3.5")));
  CHECK(net("0.0.0.0/0").contains(ip("255.255.255.255")));
  CHECK_FALSE(net("0.0.0.0/0").contains(ip("::1")));

  auto v6 = net("2001:db8::/32");
  CHECK(v6.contains(ip("2001:db8:1234::1")));
  CHECK_FALSE(v6.contains(ip("2001:db9::1")));
  CHECK(net("::/0").contains(ip("2001:db8::1")));
  // An IPv6 range never covers IPv4, even "::/0" or "::/64".
  CHECK_FALSE(net("::/0").contains(ip("1.2.3.4")));
  CHECK_FALSE(net("::/64").contains(ip("1.2.3.4")));
  CHECK(net("2001:db8::80/121").contains(ip("2001:db8::ff")));
  CHECK_FALSE(net("2001:db8::80/121").contains(ip("2001:db8::7f")));
}

TEST_CASE("hostile subnet text is refused with a clear error") {
  CHECK(error_of("") == subnet_errc::empty);
  CHECK(error_of("/24") == subnet_errc::empty);
  CHECK(error_of(std::string(65, '1')) == subnet_errc::too_long);
  CHECK(error_of(std::string(1 << 20, 'x')) == subnet_errc::too_long);
  CHECK(error_of("garbage") == subnet_errc::bad_address);
  CHECK(error_of("1.2.3.4.5/8") == subnet_errc::bad_address);
  CHECK(error_of("1.2.3/24") == subnet_errc::bad_address);
  CHECK(error_of(" 1.2.3.4") == subnet_errc::bad_address);
  CHECK(error_of("1.2.3.4/") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/-1") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/+8") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/24 ") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/2a") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/0x10") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/24/8") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/99999999999999999999") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/255.255.255.0") == subnet_errc::bad_prefix);
  CHECK(error_of("1.2.3.4/33") == subnet_errc::prefix_too_long);
  CHECK(error_of("1.2.3.4/999") == subnet_errc::prefix_too_long);
  CHECK(error_of("2001:db8::/129") == subnet_errc::prefix_too_long);
  CHECK(error_of("::ffff:1.2.3.4/129") == subnet_errc::prefix_too_long);
  CHECK(error_of("[2001:db8::]/32") == subnet_errc::bad_address);
  CHECK(error_of(std::string("1.2.3.4\0/8", 10)) == subnet_errc::bad_address);

  auto bad = subnet::parse("1.2.3.4/33");
  REQUIRE(!bad.has_value());
  CHECK(bad.error().message.find("'1.2.3.4/33'") != std::string::npos);
  CHECK(bad.error().message.find("32") != std::string::npos);
}

TEST_CASE("error messages escape control bytes and cut long input") {
  auto bad = subnet::parse(std::string("\x1b[31m\n'evil", 11));
  REQUIRE(!bad.has_value());
  const auto& m = bad.error().message;
  CHECK(m.find('\x1b') == std::string::npos);
  CHECK(m.find('\n') == std::string::npos);
  CHECK(m.find("\\x1b") != std::string::npos);
  auto huge = subnet::parse(std::string(100000, 'a'));
  REQUIRE(!huge.has_value());
  CHECK(huge.error().message.size() < 200);
}

TEST_CASE("subnet_set finds singles and ranges") {
  auto set = subnet_set::parse({"10.0.0.1", "192.168.0.0/16", "2001:db8::/32",
                                "::ffff:10.0.0.2", "10.0.0.1"});
  REQUIRE(set.has_value());
  CHECK(set->size() == 4);
  CHECK(set->contains(ip("10.0.0.1")));
  CHECK(set->contains(ip("10.0.0.2")));
  CHECK(set->contains(ip("::ffff:10.0.0.1")));
  CHECK(set->contains(ip("192.168.44.1")));
  CHECK(set->contains(ip("2001:db8::5")));
  CHECK_FALSE(set->contains(ip("10.0.0.3")));
  CHECK_FALSE(set->contains(ip("2001:db9::5")));
  CHECK_FALSE(subnet_set{}.contains(ip("10.0.0.1")));
  CHECK(subnet_set{}.empty());

  auto bad = subnet_set::parse({"10.0.0.1", "10.0.0.0/40"});
  REQUIRE(!bad.has_value());
  CHECK(bad.error().code == subnet_errc::prefix_too_long);
}
