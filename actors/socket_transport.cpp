// The socket transport: a CAF broker per TCP connection that carries a
// connection's session over its socket.

#include <caf/io/all.hpp>

#include "actors/connection.hpp"

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

struct socket_state : conn::conn_state {
  /// The current read size (`idle_read_bytes` or `bulk_read_bytes`).
  size_t read_size = idle_read_bytes;
  /// Small reads in a row while reading in bulk.
  uint32_t small_reads = 0;
};

using conn_broker = caf::io::stateful_broker<socket_state>;

} // namespace

namespace conn {

template <>
struct transport<conn_broker> {
  static void write(conn_broker* self, const uint8_t* data, size_t size) {
    self->write(self->state.hdl, size, data);
  }
  static size_t flush(conn_broker* self) {
    self->flush(self->state.hdl);
    // After `flush`, which hands the buffer to the socket if it is idle.
    return self->wr_buf(self->state.hdl).size();
  }
  static void close(conn_broker* self) { self->close(self->state.hdl); }
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
    [=](const caf::io::connection_closed_msg&) { conn::transport_lost(self); },
    [=](const caf::io::data_transferred_msg&) {
      // The socket took some of its buffer: encode what waits, if it may.
      auto& st = self->state;
      if (!st.done)
        st.session->transport_drained(self->wr_buf(st.hdl).size());
    },
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
