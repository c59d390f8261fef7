// The socket transport: a CAF broker per TCP connection that carries a
// connection's session over its socket.

#include <algorithm>
#include <chrono>
#include <optional>

#include <caf/io/all.hpp>

#include "actors/connection.hpp"
#include "actors/delay_line.hpp"

namespace timecoin {

namespace {

/// Bytes asked of the socket per read event while the peer sends little.
/// CAF 0.17 keeps a read buffer of this size per connection, zero-filled
/// and resident, so it sets most of what an idle peer costs
/// (docs/BENCHMARKS.md, "Idle peers").
constexpr size_t idle_read_bytes = 2 * 1024;
/// ... and while it sends a lot: a read that fills the idle buffer switches
/// to this, which keeps bulk transfers at few read events.
constexpr size_t bulk_read_bytes = 64 * 1024;
/// Reads in a row smaller than `idle_read_bytes` that switch back.
constexpr uint32_t small_reads_to_idle = 32;

/// The timer of the delay line: what is due goes to the socket.
using delay_due_atom = caf::atom_constant<caf::atom("delaydue")>;

struct socket_state : conn::conn_state {
  /// The current read size (`idle_read_bytes` or `bulk_read_bytes`).
  size_t read_size = idle_read_bytes;
  /// Small reads in a row while reading in bulk.
  uint32_t small_reads = 0;
  /// Writes held before the socket gets them (`node_context::send_delay`,
  /// a tester's knob); none: written at once.
  std::optional<delay_line> delayed;
  /// A `delay_due_atom` is on its way: exactly while `delayed` holds bytes.
  bool due_scheduled = false;
  /// The session closed while bytes were held: the socket closes, and the
  /// actor quits, once they went out.
  bool close_when_sent = false;
};

using conn_broker = caf::io::stateful_broker<socket_state>;

/// Bytes the socket has not taken yet, held ones included.
size_t unsent_bytes(conn_broker* self) {
  auto& st = self->state;
  auto n = self->wr_buf(st.hdl).size();
  return st.delayed ? n + st.delayed->held_bytes() : n;
}

/// Arms the delay line's timer for its first batch, unless it is armed or
/// the line is empty.
void schedule_due(conn_broker* self) {
  auto& st = self->state;
  if (st.due_scheduled || st.delayed->empty())
    return;
  st.due_scheduled = true;
  auto wait = std::chrono::ceil<std::chrono::microseconds>(
    st.delayed->next_due() - conn::now_of(self));
  send_later(self, std::max(wait, std::chrono::microseconds{0}),
             delay_due_atom::value);
}

void close_socket(conn_broker* self) {
  self->close(self->state.hdl);
  self->quit();
}

/// The delay line's timer: what is due goes to the socket, in order; the
/// timer is armed again for the rest, or the pending close happens.
void send_due(conn_broker* self) {
  auto& st = self->state;
  st.due_scheduled = false;
  if (!st.delayed)
    return;
  auto now = conn::now_of(self);
  bool wrote = false;
  while (auto bytes = st.delayed->pop_due(now)) {
    self->write(st.hdl, bytes->size(), bytes->data());
    wrote = true;
  }
  if (wrote)
    self->flush(st.hdl);
  if (!st.delayed->empty())
    schedule_due(self);
  else if (st.close_when_sent)
    close_socket(self);
}

} // namespace

namespace conn {

template <>
struct transport<conn_broker> {
  static void write(conn_broker* self, const uint8_t* data, size_t size) {
    auto& st = self->state;
    if (!st.delayed) {
      self->write(st.hdl, size, data);
      return;
    }
    st.delayed->write(data, size, now_of(self));
    schedule_due(self);
  }
  static size_t flush(conn_broker* self) {
    auto& st = self->state;
    if (st.delayed) {
      st.delayed->seal();
      return unsent_bytes(self);
    }
    self->flush(st.hdl);
    // After `flush`, which hands the buffer to the socket if it is idle.
    return self->wr_buf(st.hdl).size();
  }
  static void close(conn_broker* self) {
    auto& st = self->state;
    // The last bytes (BYE, REJECT, the TLS close_notify) are still held:
    // the close follows them.
    if (st.delayed && !st.delayed->empty()) {
      st.close_when_sent = true;
      return;
    }
    close_socket(self);
  }
};

} // namespace conn

namespace {

/// Adapts the read size to the traffic: bulk after a read that filled the
/// buffer, idle again after many small reads. Going idle also gives the
/// bulk buffer back: CAF reuses `msg.buf` for the next read.
void adapt_reads(conn_broker* self, caf::io::new_data_msg& msg) {
  auto& st = self->state;
  const auto n = msg.buf.size();
  if (st.read_size == idle_read_bytes) {
    if (n >= idle_read_bytes) {
      st.read_size = bulk_read_bytes;
      st.small_reads = 0;
      self->configure_read(st.hdl,
                           caf::io::receive_policy::at_most(bulk_read_bytes));
    }
    return;
  }
  if (n >= idle_read_bytes) {
    st.small_reads = 0;
    return;
  }
  if (++st.small_reads < small_reads_to_idle)
    return;
  st.read_size = idle_read_bytes;
  self->configure_read(st.hdl,
                       caf::io::receive_policy::at_most(idle_read_bytes));
  std::vector<char>{}.swap(msg.buf);
}

caf::behavior socket_connection(conn_broker* self,
                                caf::io::connection_handle hdl, context_ptr ctx,
                                conn_params params) {
  self->state.hdl = hdl;
  if (ctx->send_delay.count() > 0)
    self->state.delayed.emplace(ctx->send_delay);
  auto shared = conn::connection(self, self->remote_addr(hdl),
                                 self->remote_port(hdl), std::move(ctx),
                                 std::move(params));
  self->configure_read(hdl, caf::io::receive_policy::at_most(idle_read_bytes));
  // Reports of bytes written drain the backlog (see write_high_water_bytes).
  self->ack_writes(hdl, true);
  conn::start(self);
  caf::message_handler own{
    [=](caf::io::new_data_msg& msg) {
      auto& st = self->state;
      if (st.done)
        return;
      st.session->receive(reinterpret_cast<const uint8_t*>(msg.buf.data()),
                          msg.buf.size(), conn::now_of(self));
      conn::received(self);
      if (!st.done)
        adapt_reads(self, msg);
    },
    [=](const caf::io::connection_closed_msg&) {
      auto& st = self->state;
      if (st.close_when_sent) {
        // Closed by the peer while our last bytes were held: they are lost.
        st.delayed->clear();
        self->quit();
        return;
      }
      conn::transport_lost(self);
    },
    [=](const caf::io::data_transferred_msg&) {
      // The socket took some of its buffer: encode what waits, if it may.
      auto& st = self->state;
      if (!st.done)
        st.session->transport_drained(unsent_bytes(self));
    },
    [=](delay_due_atom) { send_due(self); },
  };
  return own.or_else(shared);
}

} // namespace

caf::actor fork_inbound(caf::io::broker* parent, caf::io::connection_handle hdl,
                        context_ptr ctx, conn_params params) {
  return parent->fork(socket_connection, hdl, std::move(ctx),
                      std::move(params));
}

caf::actor spawn_on_socket(caf::actor_system& sys, int fd, context_ptr ctx,
                           conn_params params) {
  return sys.middleman().spawn_broker(
    [=](conn_broker* self) mutable -> caf::behavior {
      auto hdl = self->add_scribe(fd);
      return socket_connection(self, hdl, std::move(ctx), std::move(params));
    });
}

caf::expected<caf::actor> spawn_via_backend(caf::actor_system& sys,
                                            const std::string& host,
                                            uint16_t port, context_ptr ctx,
                                            conn_params params) {
  return sys.middleman().spawn_client(socket_connection, host, port,
                                      std::move(ctx), std::move(params));
}

} // namespace timecoin
