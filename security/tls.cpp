#include "security/tls.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "security/tls_cert.hpp"

namespace timecoin::security {

namespace {

/// `alpn_protocol` in ALPN wire form (one length byte, then the name).
constexpr char alpn_wire[] = "\x0atimecoin/1";
constexpr std::size_t alpn_wire_size = sizeof(alpn_wire) - 1;
static_assert(alpn_wire_size == 1 + 10 && alpn_wire[0] == 10,
              "the ALPN length byte must match the name");

/// OpenSSL counts BIO sizes in int.
constexpr std::size_t max_bio_chunk = INT_MAX;

/// Capacity a drained memory BIO may keep. A memory BIO never gives memory
/// back: one burst (the connection encrypts 64 KiB per SSL_write, and
/// reads up to its read chunk at once) would otherwise stay allocated for
/// the life of the connection. A BIO over this that is drained by a transfer
/// of at most this size (the burst is over) is replaced by a fresh one;
/// during a burst each transfer is larger, and the BIO is reused.
constexpr std::size_t bio_keep_bytes = 16 * 1024;

/// Allocated bytes of memory BIO `bio`'s buffer.
std::size_t bio_capacity(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  return mem ? mem->max : 0;
}

/// A memory BIO for input: empty means "wait for more" (WANT_READ), not end
/// of file.
BIO* new_input_bio() {
  auto* bio = BIO_new(BIO_s_mem());
  if (bio)
    BIO_set_mem_eof_return(bio, -1);
  return bio;
}

/// Certificate chains are not checked: any self-signed certificate passes
/// here, its key is checked after the handshake and against HELLO
/// (docs/PROTOCOL.md, "Identity and transport").
int accept_any_chain(int, X509_STORE_CTX*) {
  return 1;
}

/// Server side of ALPN: selects `timecoin/1` or fails the handshake with a
/// no_application_protocol alert.
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len,
                const unsigned char* in, unsigned int in_len, void*) {
  unsigned int pos = 0;
  while (pos < in_len) {
    unsigned int len = in[pos];
    if (len == 0 || pos + 1 + len > in_len)
      break;
    if (len + 1 == alpn_wire_size
        && std::memcmp(in + pos, alpn_wire, alpn_wire_size) == 0) {
      *out = in + pos + 1; // OpenSSL copies the selection
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    pos += 1 + len;
  }
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

result<detail::ssl_ctx_ptr, std::string>
make_ssl_ctx(bool server, const detail::tls_identity& id) {
  detail::ssl_ctx_ptr ctx{
    SSL_CTX_new(server ? TLS_server_method() : TLS_client_method())};
  if (!ctx)
    return detail::openssl_errors("cannot create an SSL_CTX");
  auto* c = ctx.get();
  bool ok = SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) == 1
            && SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) == 1
            && SSL_CTX_use_certificate(c, id.cert.get()) == 1
            && SSL_CTX_use_PrivateKey(c, id.key.get()) == 1
            && SSL_CTX_check_private_key(c) == 1 &&
            // Both sides hold Ed25519 keys: nothing else can sign.
            SSL_CTX_set1_sigalgs_list(c, "ed25519") == 1
            && SSL_CTX_set1_client_sigalgs_list(c, "ed25519") == 1 &&
            // No resumption: every connection proves its node key afresh,
            // and no ticket records trail the handshake.
            SSL_CTX_set_num_tickets(c, 0) == 1;
  if (!ok)
    return detail::openssl_errors("cannot configure the SSL_CTX");
  SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
  // An idle session holds no record buffers: OpenSSL frees its read buffer
  // once a record is consumed and its write buffer once the record is in the
  // memory BIO (about 34 KiB per session otherwise, for as long as it lives).
  SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
  // No read-ahead: OpenSSL takes from the input BIO only the record it is
  // decrypting, so it buffers at most one partial record itself.
  SSL_CTX_set_read_ahead(c, 0);
  SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     accept_any_chain);
  if (server) {
    SSL_CTX_set_alpn_select_cb(c, select_alpn, nullptr);
  } else if (SSL_CTX_set_alpn_protos(
               c, reinterpret_cast<const unsigned char*>(alpn_wire),
               alpn_wire_size)
             != 0) { // 0 is success here
    return detail::openssl_errors("cannot set ALPN");
  }
  return ctx;
}

} // namespace

// -- tls_context --------------------------------------------------------------

struct tls_context::impl {
  detail::ssl_ctx_ptr client;
  detail::ssl_ctx_ptr server;
};

tls_context::~tls_context() = default;

result<std::shared_ptr<tls_context>, std::string>
tls_context::make(const node_key& key) {
  auto id = detail::make_tls_identity(key);
  if (!id)
    return id.error();
  auto client = make_ssl_ctx(false, *id);
  if (!client)
    return client.error();
  auto server = make_ssl_ctx(true, *id);
  if (!server)
    return server.error();
  std::shared_ptr<tls_context> ctx{new tls_context()};
  ctx->impl_ = std::make_unique<impl>();
  ctx->impl_->client = std::move(*client);
  ctx->impl_->server = std::move(*server);
  return ctx;
}

// -- tls_session --------------------------------------------------------------

struct tls_session::impl {
  std::shared_ptr<tls_context> ctx; // keeps the SSL_CTX alive
  SSL* ssl = nullptr;
  BIO* rbio = nullptr; // network -> OpenSSL, owned by `ssl`
  BIO* wbio = nullptr; // OpenSSL -> network, owned by `ssl`
  tls_role role = tls_role::client;
  bool handshake_done = false;
  bool established = false;
  bool failed = false;
  bool peer_closed = false;
  bool local_closed = false;
  std::optional<hash256> peer_key;
  std::optional<hash256> binding;
  std::string last_error;

  ~impl() { SSL_free(ssl); }

  tls_status fail(std::string what) {
    failed = true;
    established = false;
    last_error = detail::openssl_errors(what);
    return tls_status::failed;
  }

  /// Runs once OpenSSL reports the handshake complete: the checks that make
  /// the session `established`.
  bool check_peer() {
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len + 1 != alpn_wire_size
        || std::memcmp(alpn, alpn_wire + 1, alpn_len) != 0) {
      fail("peer did not negotiate ALPN timecoin/1");
      return false;
    }
    if (SSL_version(ssl) != TLS1_3_VERSION) {
      fail("peer did not negotiate TLS 1.3");
      return false;
    }
    peer_key = detail::ed25519_key_of(SSL_get0_peer_certificate(ssl));
    if (!peer_key) {
      fail("peer certificate has no Ed25519 key");
      return false;
    }
    // RFC 8446 §7.5: in TLS 1.3 "no context" and an empty context give the
    // same exporter output; we pass the empty context the protocol names.
    static const unsigned char empty_context = 0;
    hash256 out{};
    if (SSL_export_keying_material(
          ssl, out.data(), out.size(), hello_exporter_label,
          std::strlen(hello_exporter_label), &empty_context, 0, 1)
        != 1) {
      fail("TLS exporter failed");
      return false;
    }
    binding = out;
    established = true;
    return true;
  }

  /// Advances the handshake; false once it has failed.
  bool drive_handshake() {
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
      handshake_done = true;
      return check_peer();
    }
    if (SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ)
      return true;
    fail("TLS handshake failed");
    return false;
  }

  /// Replaces the drained input BIO if it holds more than `bio_keep_bytes`
  /// after a transfer of `transferred` bytes (see `bio_keep_bytes`).
  void trim_input(std::size_t transferred) {
    if (!handshake_done || transferred > bio_keep_bytes
        || BIO_ctrl_pending(rbio) != 0 || bio_capacity(rbio) <= bio_keep_bytes)
      return;
    if (auto* fresh = new_input_bio()) {
      SSL_set0_rbio(ssl, fresh); // frees the old one
      rbio = fresh;
    }
  }

  /// As `trim_input`, for the output BIO.
  void trim_output(std::size_t transferred) {
    if (!handshake_done || transferred > bio_keep_bytes
        || BIO_ctrl_pending(wbio) != 0 || bio_capacity(wbio) <= bio_keep_bytes)
      return;
    if (auto* fresh = BIO_new(BIO_s_mem())) {
      SSL_set0_wbio(ssl, fresh); // frees the old one
      wbio = fresh;
    }
  }

  /// Decrypts every complete record waiting in `rbio` onto `plain`.
  tls_status read_plaintext(bytes& plain) {
    auto used = plain.size();
    for (;;) {
      // `plain` grows by what can be decrypted now and no more: it is the
      // caller's buffer, often kept for the life of the connection.
      // Plaintext never exceeds the ciphertext it came from, so the
      // ciphertext waiting in `rbio` plus the plaintext OpenSSL holds
      // decrypted bounds it, but for a record OpenSSL had partly buffered
      // itself (no read-ahead: at most one); the rest of that one is
      // SSL_pending on the next turn. With neither, SSL_read could only
      // report WANT_READ.
      auto want = BIO_ctrl_pending(rbio)
                  + static_cast<std::size_t>(SSL_pending(ssl));
      if (want == 0) {
        plain.resize(used);
        return tls_status::ok;
      }
      if (plain.size() - used < want)
        plain.resize(used + want);
      std::size_t n = 0;
      int r = SSL_read_ex(ssl, plain.data() + used,
                          std::min(plain.size() - used, max_bio_chunk), &n);
      if (r == 1) {
        used += n;
        continue;
      }
      plain.resize(used);
      switch (SSL_get_error(ssl, r)) {
        case SSL_ERROR_WANT_READ: return tls_status::ok;
        case SSL_ERROR_ZERO_RETURN:
          peer_closed = true;
          return tls_status::closed;
        default: return fail("TLS read failed");
      }
    }
  }
};

tls_session::tls_session(std::shared_ptr<tls_context> ctx, tls_role role)
  : impl_(std::make_unique<impl>()) {
  auto& st = *impl_;
  st.role = role;
  st.ctx = std::move(ctx);
  ERR_clear_error();
  if (!st.ctx) {
    st.fail("no TLS context");
    return;
  }
  auto& c = st.ctx->get();
  st.ssl = SSL_new(role == tls_role::client ? c.client.get() : c.server.get());
  if (!st.ssl) {
    st.fail("cannot create an SSL session");
    return;
  }
  st.rbio = new_input_bio();
  st.wbio = BIO_new(BIO_s_mem());
  if (!st.rbio || !st.wbio) {
    BIO_free(st.rbio);
    BIO_free(st.wbio);
    st.rbio = st.wbio = nullptr;
    st.fail("cannot create memory BIOs");
    return;
  }
  SSL_set_bio(st.ssl, st.rbio, st.wbio);
  if (role == tls_role::client)
    SSL_set_connect_state(st.ssl);
  else
    SSL_set_accept_state(st.ssl);
}

tls_session::~tls_session() = default;

void tls_session::start() {
  auto& st = *impl_;
  if (st.failed || st.handshake_done)
    return;
  ERR_clear_error();
  st.drive_handshake();
}

tls_status tls_session::receive(const uint8_t* data, std::size_t size,
                                bytes& plain) {
  auto& st = *impl_;
  if (st.failed)
    return tls_status::failed;
  if (st.peer_closed)
    return tls_status::closed;
  ERR_clear_error();
  const auto received = size;
  while (size > 0) {
    auto chunk = static_cast<int>(std::min(size, max_bio_chunk));
    int n = BIO_write(st.rbio, data, chunk);
    if (n <= 0)
      return st.fail("cannot buffer TLS input");
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  if (!st.handshake_done) {
    if (!st.drive_handshake())
      return tls_status::failed;
    if (!st.handshake_done)
      return tls_status::ok;
  }
  auto status = st.read_plaintext(plain);
  if (status == tls_status::ok)
    st.trim_input(received);
  return status;
}

bool tls_session::send(const uint8_t* data, std::size_t size) {
  auto& st = *impl_;
  if (!st.established || st.failed || st.local_closed)
    return false;
  ERR_clear_error();
  // Memory BIOs never refuse a write, so SSL_write_ex takes everything; the
  // loop only guards against a short count.
  while (size > 0) {
    std::size_t n = 0;
    if (SSL_write_ex(st.ssl, data, size, &n) != 1 || n == 0) {
      st.fail("TLS write failed");
      return false;
    }
    data += n;
    size -= n;
  }
  return true;
}

std::size_t tls_session::take_output(bytes& out) {
  auto& st = *impl_;
  if (!st.wbio)
    return 0;
  std::size_t total = 0;
  while (auto pending = BIO_ctrl_pending(st.wbio)) {
    auto chunk = std::min(pending, max_bio_chunk);
    auto old = out.size();
    out.resize(old + chunk);
    int n = BIO_read(st.wbio, out.data() + old, static_cast<int>(chunk));
    out.resize(old + static_cast<std::size_t>(std::max(n, 0)));
    if (n <= 0)
      break;
    total += static_cast<std::size_t>(n);
  }
  if (!st.failed)
    st.trim_output(total);
  return total;
}

std::size_t tls_session::bio_bytes() const {
  auto& st = *impl_;
  return (st.rbio ? bio_capacity(st.rbio) : 0)
         + (st.wbio ? bio_capacity(st.wbio) : 0);
}

void tls_session::close() {
  auto& st = *impl_;
  if (st.failed || st.local_closed || !st.handshake_done)
    return;
  ERR_clear_error();
  st.local_closed = true;
  SSL_shutdown(st.ssl); // queues close_notify; we do not wait for the reply
  ERR_clear_error();
}

bool tls_session::established() const {
  return impl_->established && !impl_->failed;
}

bool tls_session::failed() const {
  return impl_->failed;
}

std::optional<hash256> tls_session::peer_public_key() const {
  return established() ? impl_->peer_key : std::nullopt;
}

std::optional<hash256> tls_session::exporter_binding() const {
  return established() ? impl_->binding : std::nullopt;
}

const std::string& tls_session::last_error() const {
  return impl_->last_error;
}

} // namespace timecoin::security
