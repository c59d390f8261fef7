#pragma once

// Internal to chain/: thin RAII wrappers over LMDB's C API. Every failure
// throws `lmdb::error`; the store catches it at its public boundary, so no
// exception leaves chain/.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <lmdb.h>

namespace timecoin::chain::lmdb {

/// An LMDB call failed: which call, and LMDB's message.
struct error : std::runtime_error {
  error(const char* what, int rc)
    : std::runtime_error(std::string{what} + ": " + mdb_strerror(rc)),
      code(rc) {}
  int code;
};

inline void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS)
    throw error(what, rc);
}

/// Bytes inside the map: valid until the transaction that read them ends.
struct span {
  const uint8_t* data = nullptr;
  std::size_t size = 0;
};

inline MDB_val val(const void* data, std::size_t size) {
  MDB_val v;
  v.mv_size = size;
  v.mv_data = const_cast<void*>(data);
  return v;
}

inline span to_span(const MDB_val& v) {
  return {static_cast<const uint8_t*>(v.mv_data), v.mv_size};
}

/// An environment (one directory, several named databases).
class env {
public:
  env() { check(mdb_env_create(&p_), "mdb_env_create"); }
  ~env() {
    if (p_ != nullptr)
      mdb_env_close(p_);
  }
  env(const env&) = delete;
  env& operator=(const env&) = delete;

  MDB_env* get() const { return p_; }

private:
  MDB_env* p_ = nullptr;
};

/// A transaction, aborted on destruction unless committed.
class txn {
public:
  txn(MDB_env* e, bool read_only) {
    check(mdb_txn_begin(e, nullptr, read_only ? MDB_RDONLY : 0u, &t_),
          "mdb_txn_begin");
  }
  ~txn() {
    if (t_ != nullptr)
      mdb_txn_abort(t_);
  }
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;

  MDB_txn* get() const { return t_; }

  /// Commits (LMDB frees the transaction whether or not this succeeds).
  void commit() {
    MDB_txn* t = t_;
    t_ = nullptr;
    check(mdb_txn_commit(t), "mdb_txn_commit");
  }

  std::optional<span> get(MDB_dbi dbi, const void* key,
                          std::size_t size) const {
    MDB_val k = val(key, size);
    MDB_val v;
    const int rc = mdb_get(t_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
      return std::nullopt;
    check(rc, "mdb_get");
    return to_span(v);
  }

  void put(MDB_dbi dbi, const void* key, std::size_t key_size,
           const void* value, std::size_t value_size, unsigned flags = 0) {
    MDB_val k = val(key, key_size);
    MDB_val v = val(value, value_size);
    check(mdb_put(t_, dbi, &k, &v, flags), "mdb_put");
  }

  /// False if the key was absent.
  bool del(MDB_dbi dbi, const void* key, std::size_t size) {
    MDB_val k = val(key, size);
    const int rc = mdb_del(t_, dbi, &k, nullptr);
    if (rc == MDB_NOTFOUND)
      return false;
    check(rc, "mdb_del");
    return true;
  }

private:
  MDB_txn* t_ = nullptr;
};

/// A cursor over one database; the position functions return false at the
/// end (MDB_NOTFOUND).
class cursor {
public:
  cursor(const txn& t, MDB_dbi dbi) {
    check(mdb_cursor_open(t.get(), dbi, &c_), "mdb_cursor_open");
  }
  ~cursor() { mdb_cursor_close(c_); }
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  /// The first key >= `key`.
  bool seek(const void* key, std::size_t size) {
    k_ = val(key, size);
    return move(MDB_SET_RANGE);
  }
  bool first() { return move(MDB_FIRST); }
  bool last() { return move(MDB_LAST); }
  bool next() { return move(MDB_NEXT); }
  bool prev() { return move(MDB_PREV); }

  span key() const { return to_span(k_); }
  span value() const { return to_span(v_); }

  /// Deletes the current entry; `next()` then moves to the entry that
  /// followed it (LMDB marks the cursor, MDB_NEXT does not skip one).
  void del() { check(mdb_cursor_del(c_, 0), "mdb_cursor_del"); }

private:
  bool move(MDB_cursor_op op) {
    const int rc = mdb_cursor_get(c_, &k_, &v_, op);
    if (rc == MDB_NOTFOUND)
      return false;
    check(rc, "mdb_cursor_get");
    return true;
  }

  MDB_cursor* c_ = nullptr;
  MDB_val k_{};
  MDB_val v_{};
};

} // namespace timecoin::chain::lmdb
