#include "security/tls.hpp"

#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include <cstring>
#include <string>

#include "security/tls_cert.hpp"

using namespace timecoin;
using namespace timecoin::security;

namespace {

/// Bound on pump rounds: a handshake needs three, anything near this is a
/// livelock.
constexpr int max_pump_rounds = 100;

std::shared_ptr<tls_context> make_ctx(const node_key& key) {
  auto ctx = tls_context::make(key);
  REQUIRE_MESSAGE(ctx, (ctx ? "" : ctx.error()));
  return *ctx;
}

/// One end of an in-memory connection.
struct endpoint {
  node_key key = node_key::generate();
  tls_session session;
  bytes plain;
  tls_status status = tls_status::ok;

  explicit endpoint(tls_role role) : session(make_ctx(key), role) {}

  /// Delivers `wire` and records the status.
  void deliver(const bytes& wire) {
    if (status == tls_status::ok)
      status = session.receive(wire.data(), wire.size(), plain);
  }
};

/// Moves ciphertext both ways until neither side has anything to send.
void pump(endpoint& a, endpoint& b) {
  for (int round = 0; round < max_pump_rounds; ++round) {
    bytes ab, ba;
    a.session.take_output(ab);
    b.session.take_output(ba);
    if (ab.empty() && ba.empty())
      return;
    if (!ab.empty())
      b.deliver(ab);
    if (!ba.empty())
      a.deliver(ba);
  }
  FAIL("pump did not settle");
}

/// A connected client/server pair.
struct connection {
  endpoint client{tls_role::client};
  endpoint server{tls_role::server};
  connection() {
    client.session.start();
    server.session.start();
    pump(client, server);
  }
};

bytes random_bytes(std::size_t n) {
  bytes out(n);
  randombytes_buf(out.data(), out.size());
  return out;
}

/// A hand-made OpenSSL endpoint, to play peers our own code never is.
struct raw_peer {
  detail::ssl_ctx_ptr ctx;
  SSL* ssl = nullptr;
  BIO* rbio = nullptr;
  BIO* wbio = nullptr;
  int last = 0;

  raw_peer(bool server, int max_version, const char* alpn_wire,
           std::size_t alpn_size) {
    auto id = detail::make_tls_identity(node_key::generate());
    REQUIRE(id);
    ctx.reset(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
    REQUIRE(ctx);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    REQUIRE(SSL_CTX_use_certificate(ctx.get(), id->cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), id->key.get()) == 1);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER,
                       [](int, X509_STORE_CTX*) { return 1; });
    if (alpn_wire && !server)
      SSL_CTX_set_alpn_protos(ctx.get(),
                              reinterpret_cast<const uint8_t*>(alpn_wire),
                              static_cast<unsigned>(alpn_size));
    ssl = SSL_new(ctx.get());
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    if (server)
      SSL_set_accept_state(ssl);
    else
      SSL_set_connect_state(ssl);
    last = SSL_do_handshake(ssl);
  }
  ~raw_peer() { SSL_free(ssl); }

  bytes take() {
    bytes out(BIO_ctrl_pending(wbio));
    if (!out.empty())
      BIO_read(wbio, out.data(), static_cast<int>(out.size()));
    return out;
  }
  void give(const bytes& in) {
    if (!in.empty())
      BIO_write(rbio, in.data(), static_cast<int>(in.size()));
    last = SSL_do_handshake(ssl);
  }
  bool done() const { return last == 1; }
};

/// Pumps between a raw peer and one of our sessions.
void pump(raw_peer& raw, endpoint& ours) {
  for (int round = 0; round < max_pump_rounds; ++round) {
    auto to_ours = raw.take();
    bytes to_raw;
    ours.session.take_output(to_raw);
    if (to_ours.empty() && to_raw.empty())
      return;
    if (!to_ours.empty())
      ours.deliver(to_ours);
    raw.give(to_raw);
  }
  FAIL("pump did not settle");
}

} // namespace

TEST_CASE("tls: handshake authenticates both node keys") {
  connection c;
  REQUIRE(c.client.session.established());
  REQUIRE(c.server.session.established());
  CHECK(c.client.status == tls_status::ok);
  CHECK(c.server.status == tls_status::ok);
  CHECK(c.client.session.peer_public_key() == c.server.key.public_key());
  CHECK(c.server.session.peer_public_key() == c.client.key.public_key());
  CHECK(c.client.plain.empty());
  CHECK(c.server.plain.empty());
}

TEST_CASE("tls: exporter binding is shared per connection, fresh per "
          "connection") {
  connection c1;
  connection c2;
  auto b1 = c1.client.session.exporter_binding();
  REQUIRE(b1);
  CHECK(b1->size() == 32);
  CHECK(c1.server.session.exporter_binding() == b1);
  CHECK(*b1 != hash256{});
  CHECK(c2.client.session.exporter_binding()
        == c2.server.session.exporter_binding());
  CHECK(c2.client.session.exporter_binding() != b1);
}

TEST_CASE("tls: nothing is reported before the handshake") {
  endpoint client{tls_role::client};
  client.session.start();
  CHECK_FALSE(client.session.established());
  CHECK_FALSE(client.session.peer_public_key());
  CHECK_FALSE(client.session.exporter_binding());
  uint8_t byte = 0;
  CHECK_FALSE(client.session.send(&byte, 1));
  bytes hello;
  CHECK(client.session.take_output(hello) > 0); // the ClientHello
}

TEST_CASE("tls: data flows both ways, large and small") {
  connection c;
  auto big = random_bytes(1 << 20);
  REQUIRE(c.client.session.send(big.data(), big.size()));
  REQUIRE(c.server.session.send(big.data(), big.size()));
  pump(c.client, c.server);
  CHECK(c.server.plain == big);
  CHECK(c.client.plain == big);

  c.client.plain.clear();
  bytes expected;
  for (int i = 0; i < 10000; ++i) {
    auto small = random_bytes(1 + static_cast<std::size_t>(i % 97));
    expected.insert(expected.end(), small.begin(), small.end());
    REQUIRE(c.server.session.send(small.data(), small.size()));
    if (i % 1000 == 0) // interleave delivery with writing
      pump(c.client, c.server);
  }
  pump(c.client, c.server);
  CHECK(c.client.plain == expected);
  CHECK(c.client.status == tls_status::ok);
}

TEST_CASE("tls: ciphertext delivered a byte at a time") {
  endpoint client{tls_role::client};
  endpoint server{tls_role::server};
  client.session.start();
  for (int round = 0; round < max_pump_rounds; ++round) {
    bytes ab, ba;
    client.session.take_output(ab);
    server.session.take_output(ba);
    if (ab.empty() && ba.empty())
      break;
    for (auto b : ab)
      server.deliver(bytes{b});
    for (auto b : ba)
      client.deliver(bytes{b});
  }
  REQUIRE(client.session.established());
  REQUIRE(server.session.established());
  bytes msg{'p', 'i', 'n', 'g'};
  REQUIRE(client.session.send(msg.data(), msg.size()));
  bytes wire;
  client.session.take_output(wire);
  for (auto b : wire)
    server.deliver(bytes{b});
  CHECK(server.plain == msg);
}

TEST_CASE("tls: full records delivered in uneven pieces") {
  connection c;
  auto big = random_bytes(200 * 1024); // thirteen 16 KiB records
  REQUIRE(c.client.session.send(big.data(), big.size()));
  bytes wire;
  c.client.session.take_output(wire);
  // Pieces that end inside records, inside headers and on boundaries.
  std::size_t piece = 1;
  for (std::size_t off = 0; off < wire.size(); off += piece) {
    piece = 1 + (off * 7919 + 4099) % 20000;
    auto n = std::min(piece, wire.size() - off);
    c.server.deliver(bytes(wire.begin() + static_cast<long>(off),
                           wire.begin() + static_cast<long>(off + n)));
  }
  CHECK(c.server.status == tls_status::ok);
  CHECK(c.server.plain == big);
}

TEST_CASE("tls: the plaintext buffer grows by what arrived") {
  connection c;
  auto ping = random_bytes(300);
  REQUIRE(c.client.session.send(ping.data(), ping.size()));
  pump(c.client, c.server);
  REQUIRE(c.server.plain == ping);
  // The caller's buffer often lives as long as the connection: a small
  // record must not reserve room for a whole 16 KiB one.
  CHECK(c.server.plain.capacity() < 4096);
}

TEST_CASE("tls: ciphertext buffers shrink once a burst is over") {
  connection c;
  // A burst as the connection sends one: 64 KiB per SSL_write, the
  // ciphertext moved after each.
  auto chunk = random_bytes(64 * 1024);
  for (int i = 0; i < 16; ++i) {
    REQUIRE(c.client.session.send(chunk.data(), chunk.size()));
    REQUIRE(c.server.session.send(chunk.data(), chunk.size()));
    pump(c.client, c.server);
  }
  CHECK(c.server.plain.size() == 16 * chunk.size());
  // During the burst the buffers are reused, not reallocated per write.
  CHECK(c.client.session.bio_bytes() > 64 * 1024);
  CHECK(c.server.session.bio_bytes() > 64 * 1024);

  c.client.plain.clear();
  c.server.plain.clear();
  auto ping = random_bytes(40);
  REQUIRE(c.client.session.send(ping.data(), ping.size()));
  REQUIRE(c.server.session.send(ping.data(), ping.size()));
  pump(c.client, c.server);
  CHECK(c.client.plain == ping);
  CHECK(c.server.plain == ping);
  CHECK(c.client.session.bio_bytes() <= 2 * 16 * 1024);
  CHECK(c.server.session.bio_bytes() <= 2 * 16 * 1024);

  // Fresh buffers carry on: another burst and a closing word.
  REQUIRE(c.client.session.send(chunk.data(), chunk.size()));
  pump(c.client, c.server);
  CHECK(c.server.plain.size() == ping.size() + chunk.size());
  c.server.session.close();
  pump(c.client, c.server);
  CHECK(c.client.status == tls_status::closed);
}

TEST_CASE("tls: close_notify closes") {
  connection c;
  bytes last{'b', 'y', 'e'};
  REQUIRE(c.client.session.send(last.data(), last.size()));
  c.client.session.close();
  CHECK_FALSE(c.client.session.send(last.data(), last.size()));
  pump(c.client, c.server);
  CHECK(c.server.plain == last); // data before close_notify still arrives
  CHECK(c.server.status == tls_status::closed);
  bytes more{1};
  CHECK(c.server.session.receive(more.data(), 0, c.server.plain)
        == tls_status::closed);
}

TEST_CASE("tls: garbage fails the session without crashing") {
  SUBCASE("before the handshake") {
    endpoint server{tls_role::server};
    auto junk = random_bytes(1000);
    junk[0] = 0x16; // even posing as a handshake record
    server.deliver(junk);
    CHECK(server.status == tls_status::failed);
    CHECK(server.session.failed());
    CHECK_FALSE(server.session.last_error().empty());
    CHECK(server.session.receive(junk.data(), junk.size(), server.plain)
          == tls_status::failed);
  }
  SUBCASE("after the handshake") {
    connection c;
    c.server.deliver(random_bytes(300));
    CHECK(c.server.status == tls_status::failed);
    CHECK_FALSE(c.server.session.established());
    uint8_t byte = 0;
    CHECK_FALSE(c.server.session.send(&byte, 1));
  }
  SUBCASE("a flipped bit in a record") {
    connection c;
    bytes msg(100, 7);
    REQUIRE(c.client.session.send(msg.data(), msg.size()));
    bytes wire;
    c.client.session.take_output(wire);
    wire[wire.size() / 2] ^= 1;
    c.server.deliver(wire);
    CHECK(c.server.status == tls_status::failed);
    CHECK(c.server.plain.empty());
  }
  SUBCASE("random inputs to fresh sessions") {
    for (int i = 0; i < 200; ++i) {
      endpoint server{i % 2 ? tls_role::server : tls_role::client};
      server.session.start();
      server.deliver(random_bytes(1 + randombytes_uniform(2000)));
      // A plausible record header just waits for the rest of its record.
      CHECK(server.status != tls_status::closed);
      CHECK_FALSE(server.session.established());
    }
  }
}

TEST_CASE("tls: a session without a context fails cleanly") {
  tls_session s{nullptr, tls_role::client};
  s.start();
  bytes plain;
  uint8_t byte = 0;
  CHECK(s.receive(&byte, 1, plain) == tls_status::failed);
  CHECK(s.failed());
  bytes out;
  CHECK(s.take_output(out) == 0);
  s.close();
}

TEST_CASE("tls: a TLS 1.2-only client is refused") {
  raw_peer client{false, TLS1_2_VERSION, "\x0atimecoin/1", 11};
  endpoint server{tls_role::server};
  pump(client, server);
  CHECK(server.status == tls_status::failed);
  CHECK(server.session.last_error().find("unsupported protocol")
        != std::string::npos);
  CHECK_FALSE(client.done());
}

TEST_CASE("tls: a client without ALPN timecoin/1 is refused") {
  SUBCASE("no ALPN") {
    raw_peer client{false, TLS1_3_VERSION, nullptr, 0};
    endpoint server{tls_role::server};
    pump(client, server);
    CHECK(server.status == tls_status::failed);
    CHECK_FALSE(server.session.established());
    CHECK(server.session.last_error().find("ALPN") != std::string::npos);
  }
  SUBCASE("another protocol") {
    raw_peer client{false, TLS1_3_VERSION, "\x0atimecoin/2", 11};
    endpoint server{tls_role::server};
    pump(client, server);
    CHECK(server.status == tls_status::failed);
    CHECK(server.session.last_error().find("application protocol")
          != std::string::npos);
    CHECK_FALSE(client.done());
  }
}

TEST_CASE("tls: a server without ALPN is refused by our client") {
  raw_peer server{true, TLS1_3_VERSION, nullptr, 0};
  endpoint client{tls_role::client};
  client.session.start();
  pump(server, client);
  CHECK(client.status == tls_status::failed);
  CHECK_FALSE(client.session.established());
  CHECK(client.session.last_error().find("ALPN") != std::string::npos);
}

TEST_CASE("tls: foreign client offering several protocols; exporter with "
          "'no context' equals ours with the empty context (RFC 8446 §7.5)") {
  raw_peer client{false, TLS1_3_VERSION, "\x02h2\x0atimecoin/1", 14};
  endpoint server{tls_role::server};
  pump(client, server);
  REQUIRE(client.done());
  REQUIRE(server.session.established());
  hash256 raw{};
  const char* label = hello_exporter_label;
  REQUIRE(SSL_export_keying_material(client.ssl, raw.data(), raw.size(), label,
                                     std::strlen(label), nullptr, 0, 0)
          == 1);
  CHECK(server.session.exporter_binding() == raw);
}
