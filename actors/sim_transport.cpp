#include "actors/sim_transport.hpp"

#include "actors/connection.hpp"
#include "actors/sim_network.hpp"

namespace timecoin {

namespace {

using sim_conn = caf::stateful_actor<conn::conn_state>;

} // namespace

namespace conn {

template <>
struct transport<sim_conn> {
  static void write(sim_conn* self, const uint8_t* data, size_t size) {
    self->send(self->state.network, sim_send_atom::value, self->state.link,
               proto::bytes(data, data + size));
  }
  /// The link takes everything at once: its bandwidth delays the bytes
  /// but never pushes back on the sender.
  static size_t flush(sim_conn*) { return 0; }
  static void close(sim_conn* self) {
    self->send(self->state.network, sim_close_atom::value, self->state.link);
    self->quit();
  }
};

} // namespace conn

namespace {

caf::behavior sim_connection(sim_conn* self, caf::actor network, uint64_t end,
                             std::string host, uint16_t port, context_ptr ctx,
                             conn_params params) {
  self->state.network = std::move(network);
  self->state.link = end;
  auto shared = conn::connection(self, host, port, std::move(ctx),
                                 std::move(params));
  conn::start(self);
  caf::message_handler own{
    [=](sim_data_atom, const proto::bytes& bytes) {
      auto& st = self->state;
      if (st.done)
        return;
      st.session->receive(bytes.data(), bytes.size(), conn::now_of(self));
      conn::received(self);
    },
    [=](sim_closed_atom) {
      auto& st = self->state;
      if (st.done)
        return;
      // The network forgets the link once both ends said so.
      self->send(st.network, sim_close_atom::value, st.link);
      conn::transport_lost(self);
    },
  };
  return own.or_else(shared);
}

} // namespace

caf::actor spawn_sim_connection(caf::actor_system& sys,
                                const caf::actor& network, uint64_t end,
                                const std::string& host, uint16_t port,
                                context_ptr ctx, conn_params params) {
  auto conn = sys.spawn(sim_connection, network, end, host, port,
                        std::move(ctx), std::move(params));
  caf::anon_send(network, sim_bind_atom::value, end, conn);
  return conn;
}

} // namespace timecoin
