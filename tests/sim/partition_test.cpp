#include "sim/partition.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace timecoin::sim;
using namespace std::chrono_literals;

namespace {

std::map<uint32_t, std::size_t> sizes_of(const group_map& g) {
  std::map<uint32_t, std::size_t> out;
  for (auto group : g)
    ++out[group];
  return out;
}

} // namespace

TEST_CASE("partition_groups: nearly equal random groups, deterministic") {
  auto g = partition_groups(10, 3, 5);
  REQUIRE(g.has_value());
  auto sizes = sizes_of(*g);
  CHECK(sizes == std::map<uint32_t, std::size_t>{{0, 4}, {1, 3}, {2, 3}});
  CHECK(*partition_groups(10, 3, 5) == *g);
  CHECK(*partition_groups(1000, 2, 5) != *partition_groups(1000, 2, 6));
  CHECK(sizes_of(*partition_groups(5, 5, 0)).size() == 5);
  CHECK(partition_groups(5, 6, 0).error().code == topology_errc::bad_groups);
  CHECK(partition_groups(5, 0, 0).error().code == topology_errc::bad_groups);
}

TEST_CASE("partition_sizes: the rest form one more group") {
  auto g = partition_sizes(10, {2, 3}, 1);
  REQUIRE(g.has_value());
  CHECK(sizes_of(*g)
        == std::map<uint32_t, std::size_t>{{0, 2}, {1, 3}, {2, 5}});
  auto exact = partition_sizes(5, {2, 3}, 1);
  CHECK(sizes_of(*exact).size() == 2);
  CHECK(partition_sizes(5, {3, 3}, 1).error().code
        == topology_errc::bad_groups);
  CHECK(partition_sizes(5, {0}, 1).error().code == topology_errc::bad_groups);
  CHECK(partition_sizes(0, {}, 1).error().code
        == topology_errc::bad_node_count);
}

TEST_CASE("partition_lists: listed groups and the rest") {
  auto g = partition_lists(6, {{0, 1}, {4}});
  REQUIRE(g.has_value());
  CHECK(*g == group_map{0, 0, 2, 2, 1, 2});
  CHECK(partition_lists(6, {{0, 6}}).error().code == topology_errc::bad_node);
  CHECK(partition_lists(6, {{0}, {0}}).error().code
        == topology_errc::bad_groups);
  CHECK(partition_lists(6, {{}}).error().code == topology_errc::bad_groups);
}

TEST_CASE("make_partition follows the scenario event; cut links counted") {
  partition_event by_ids;
  by_ids.ids = {{0, 1}};
  auto g = make_partition(4, by_ids, 0);
  REQUIRE(g.has_value());
  topology t{4};
  t.add_link(0, 1, 1ms); // inside group 0
  t.add_link(1, 2, 1ms); // cut
  t.add_link(2, 3, 1ms); // inside the rest
  t.add_link(0, 3, 1ms); // cut
  CHECK(cut_link_count(t, *g) == 2);
  CHECK(cut_link_count(t, {}) == 0); // no partition: every node in group 0

  partition_event by_groups;
  by_groups.groups = 2;
  CHECK(sizes_of(*make_partition(4, by_groups, 0)).size() == 2);
  partition_event by_sizes;
  by_sizes.sizes = {1};
  CHECK(sizes_of(*make_partition(4, by_sizes, 0)).size() == 2);
}
