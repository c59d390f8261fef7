#include "security/node_key.hpp"

#include "security/file_util.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <system_error>

namespace timecoin::security {

namespace {

/// The key file is one line: this prefix, 64 lowercase hex digits of the
/// Ed25519 seed, a newline. The prefix names the algorithm and what the hex
/// holds, so that a later format can be told apart.
constexpr std::string_view key_file_prefix = "ed25519-seed:";
/// A key file is one short line; a larger file is not a key file and is not
/// read into memory.
constexpr std::size_t max_key_file_bytes = 4096;
/// Only the owner may read the key (docs/PROTOCOL.md, "Identity and
/// transport").
constexpr mode_t key_file_mode = 0600;

key_error refuse(const std::string& path, const std::string& what) {
  return key_error{"node key file " + path + " " + what
                   + "; refusing to start with a new identity"};
}

key_error malformed(const std::string& path, const std::string& why) {
  return refuse(path, "is malformed: " + why);
}

result<node_key, key_error> parse_key_file(const std::string& path,
                                           std::string text) {
  while (!text.empty()
         && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '
             || text.back() == '\t'))
    text.pop_back();
  if (text.empty())
    return malformed(path, "the file is empty");
  if (text.compare(0, key_file_prefix.size(), key_file_prefix) != 0)
    return malformed(path, "expected one line 'ed25519-seed:' followed by 64 "
                           "hex digits");
  auto hex = text.substr(key_file_prefix.size());
  hash256 seed{};
  bool ok = hex.size() == 2 * seed.size() && proto::from_hex(hex, seed);
  auto hex_size = hex.size();
  sodium_memzero(text.data(), text.size());
  sodium_memzero(hex.data(), hex.size());
  if (!ok) {
    return malformed(path, hex_size != 2 * seed.size()
                             ? "expected 64 hex digits after 'ed25519-seed:', "
                               "found "
                                 + std::to_string(hex_size) + " characters"
                             : "the seed is not valid hex");
  }
  auto key = node_key::from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

result<node_key, key_error> read_key_file(int fd, const std::string& path,
                                          std::string* warning) {
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return refuse(path, "cannot be read: " + errno_text(errno));
  if (!S_ISREG(st.st_mode))
    return malformed(path, "it is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_key_file_bytes)
    return malformed(path, "it is " + std::to_string(st.st_size)
                             + " bytes long, far more than a key");
  std::string text(max_key_file_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = errno;
      sodium_memzero(text.data(), text.size());
      return refuse(path, "cannot be read: " + errno_text(err));
    }
    if (n == 0)
      break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_key_file_bytes) {
    sodium_memzero(text.data(), text.size());
    return malformed(path, "it is far longer than a key");
  }
  text.resize(got);
  auto key = parse_key_file(path, std::move(text));
  if (key && (st.st_mode & 077) != 0) {
    char old_mode[8];
    std::snprintf(old_mode, sizeof(old_mode), "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    std::string note = "node key file " + path + " had mode " + old_mode;
    if (::fchmod(fd, key_file_mode) == 0)
      note += "; tightened to 0600";
    else
      note += " and could not be tightened to 0600: " + errno_text(errno);
    if (warning)
      *warning = std::move(note);
  }
  return key;
}

result<node_key, key_error> load_existing(const std::string& path,
                                          std::string* warning) {
  // O_NONBLOCK: opening a FIFO planted at the path must not hang the start.
  fd_guard fd{
    ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
  if (fd.fd < 0)
    return refuse(path, "cannot be opened: " + errno_text(errno));
  return read_key_file(fd.fd, path, warning);
}

result<node_key, key_error> create_key_file(const std::string& path,
                                            std::string* warning) {
  auto cannot = [&](const std::string& why) {
    return key_error{"node key file " + path + " could not be created: " + why};
  };
  auto dir = parent_dir(path);
  std::string err;
  if (dir != "." && !make_private_dirs(dir, err))
    return cannot(err);
  auto key = node_key::generate();
  std::string line(key_file_prefix);
  line += proto::to_hex(key.seed());
  line += '\n';
  // if_exists::keep: if another process created the key meanwhile, keep
  // theirs rather than replace an identity that may already be in use.
  auto status = write_file(path, line, key_file_mode, if_exists::keep, err);
  sodium_memzero(line.data(), line.size());
  if (status == write_status::exists)
    return load_existing(path, warning);
  if (status == write_status::failed)
    return cannot(err);
  return key;
}

} // namespace

void init_sodium() {
  // A function-local static is initialised exactly once, even when several
  // threads get here at the same time.
  static const bool ready = sodium_init() >= 0;
  if (!ready) {
    std::fputs("fatal: libsodium could not be initialised\n", stderr);
    std::abort();
  }
}

node_key::~node_key() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(sk_.data(), sk_.size());
}

node_key node_key::from_seed(const hash256& seed) {
  init_sodium();
  node_key key;
  key.seed_ = seed;
  crypto_sign_seed_keypair(key.pk_.data(), key.sk_.data(), seed.data());
  return key;
}

node_key node_key::generate() {
  init_sodium();
  hash256 seed{};
  randombytes_buf(seed.data(), seed.size());
  auto key = from_seed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

result<node_key, key_error> node_key::load_or_create(const std::string& path) {
  return load_or_create(path, nullptr);
}

result<node_key, key_error> node_key::load_or_create(const std::string& path,
                                                     std::string* warning) {
  init_sodium();
  if (path.empty())
    return key_error{"node key file path is empty"};
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT)
    return create_key_file(path, warning);
  return load_existing(path, warning);
}

sig64 node_key::sign(const uint8_t* msg, std::size_t size) const {
  sig64 sig{};
  crypto_sign_detached(sig.data(), nullptr, msg, size, sk_.data());
  return sig;
}

bool verify(const hash256& pk, const uint8_t* msg, std::size_t size,
            const uint8_t* sig64_bytes) {
  init_sodium();
  if (sig64_bytes == nullptr || (msg == nullptr && size != 0))
    return false;
  return crypto_sign_verify_detached(sig64_bytes, msg, size, pk.data()) == 0;
}

} // namespace timecoin::security
