// Peer links of the transport over real TCP sockets on loopback: numbered messages arrive in
// order, a gap in a peer socket's numbers is reported once and drops the rest of that socket, a
// peer that goes away is reported silent (by name, since when) and back once it listens again,
// and a socket whose connection closed and came back sends a probe that reveals what was lost.
#include <gtest/gtest.h>

#include <thread>
#include <zmq_addon.hpp>

#include "runtime/engine/channel_order.h"
#include "runtime/engine/transport.h"

namespace flamestream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Receives on `t` until `done` holds or `timeout` passes; returns what came.
std::vector<Transport::Incoming> receive_until(Transport& t, const std::function<bool(const std::vector<Transport::Incoming>&)>& done,
                                               std::chrono::milliseconds timeout = 5s) {
  std::vector<Transport::Incoming> got;
  const auto deadline = Clock::now() + timeout;
  while (!done(got) && Clock::now() < deadline) t.receive(10ms, got, 64);
  return got;
}

TEST(ChannelOrderTest, DeliversInOrderAndStopsAtTheFirstGap) {
  ChannelOrder order;
  using V = ChannelOrder::Verdict;
  EXPECT_EQ(order.check("a", 0, false), V::deliver);
  EXPECT_EQ(order.check("a", 1, false), V::deliver);
  EXPECT_EQ(order.check("a", 2, true), V::probe);
  EXPECT_EQ(order.check("b", 0, false), V::deliver);  // channels are independent
  EXPECT_EQ(order.check("a", 4, false), V::first_gap);
  EXPECT_EQ(order.check("a", 5, false), V::after_gap);
  EXPECT_EQ(order.check("a", 2, false), V::after_gap);  // even the one that was due: the gap stays
  EXPECT_EQ(order.check("b", 1, false), V::deliver);
  EXPECT_EQ(order.check("c", 3, true), V::first_gap);  // a probe that finds messages missing
  std::uint64_t n = 0;
  EXPECT_TRUE(read_channel_header(channel_header(0x0102030405060708ull), n));
  EXPECT_EQ(n, 0x0102030405060708ull);
  EXPECT_FALSE(read_channel_header("short", n));
}

TEST(TransportLinksTest, PeerMessagesArriveInOrderAndAGapIsReportedOnceThenEverythingOfThatSocketIsDropped) {
  zmq::context_t context;
  Transport a(context, "tcp://127.0.0.1:*");
  Transport b(context, "tcp://127.0.0.1:*");
  std::vector<std::string> lost;
  b.on_messages_lost([&](const std::string& why) { lost.push_back(why); });
  const std::string identity = Transport::peer_identity(7, 2, 0);
  b.connect_peers({a.endpoint(), b.endpoint()}, 1, Transport::peer_identity(7, 2, 1), {"w1", "w2"});
  a.connect_peers({a.endpoint(), b.endpoint()}, 0, identity, {"w1", "w2"});
  for (int i = 0; i < 100; ++i) a.send(1, "m" + std::to_string(i));
  auto got = receive_until(b, [](const auto& g) { return g.size() >= 100; });
  ASSERT_EQ(got.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(got[i].bytes, "m" + std::to_string(i));
    EXPECT_EQ(got[i].identity, identity);
  }
  EXPECT_TRUE(lost.empty());

  // Another socket of the same run skips number 1: the loss is told once, and nothing of that
  // socket is handed on from there.
  zmq::socket_t forged(context, zmq::socket_type::dealer);
  forged.set(zmq::sockopt::routing_id, Transport::peer_identity(7, 2, 0));
  forged.connect(b.endpoint());
  for (std::uint64_t n : {0, 2, 3}) {
    forged.send(zmq::buffer(channel_header(n)), zmq::send_flags::sndmore);
    forged.send(zmq::str_buffer("x"), zmq::send_flags::none);
  }
  // A client's message (no number) still goes through, and so does a stranger's gap, unreported.
  zmq::socket_t client(context, zmq::socket_type::dealer);
  client.connect(b.endpoint());
  zmq::socket_t stranger(context, zmq::socket_type::dealer);
  stranger.set(zmq::sockopt::routing_id, Transport::peer_identity(7, 1, 0));  // an ended epoch
  stranger.connect(b.endpoint());
  stranger.send(zmq::buffer(channel_header(5)), zmq::send_flags::sndmore);
  stranger.send(zmq::str_buffer("y"), zmq::send_flags::none);
  client.send(zmq::str_buffer("hello"), zmq::send_flags::none);
  std::size_t xs = 0, hellos = 0;
  got = receive_until(b, [&](const auto& g) {
    xs = hellos = 0;
    for (const auto& in : g) xs += in.bytes == "x", hellos += in.bytes == "hello";
    return hellos == 1 && b.lost() >= 3;
  });
  EXPECT_EQ(hellos, 1u) << "a client's message did not arrive";
  EXPECT_EQ(xs, 1u) << "only the message before the gap is handed on";
  EXPECT_EQ(b.lost(), 3u);  // 2 and 3 of the forged socket, 5 of the stranger
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_NE(lost[0].find("were lost"), std::string::npos) << lost[0];
  ASSERT_TRUE(b.messages_lost().has_value());
}

TEST(TransportLinksTest, APeerThatGoesAwayIsSilentByNameUntilItListensAgainAndTheProbeRevealsTheLoss) {
  zmq::context_t context;
  auto a = std::make_unique<Transport>(context, "tcp://127.0.0.1:*");
  const std::string a_endpoint = a->endpoint();
  Transport b(context, "tcp://127.0.0.1:*");
  b.connect_peers({a_endpoint, b.endpoint()}, 1, Transport::peer_identity(3, 0, 1), {"w1", "w2"});
  // Connected and heard: not silent.
  b.send(0, "first");
  auto got = receive_until(*a, [](const auto& g) { return !g.empty(); });
  ASSERT_EQ(got.size(), 1u);
  std::vector<Transport::Incoming> ignored;
  b.receive(50ms, ignored, 16);
  EXPECT_TRUE(b.silent_links().empty());

  // w1 goes away: b's link to it is lost at once (the connection closed), and named.
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  a.reset();
  const auto deadline = Clock::now() + 5s;
  while (b.silent_links().empty() && Clock::now() < deadline) b.receive(10ms, ignored, 16);
  auto silent = b.silent_links();
  ASSERT_EQ(silent.size(), 1u) << "the link to a peer that closed was not reported silent";
  EXPECT_EQ(silent[0].peer, "w1");
  EXPECT_GE(silent[0].since_ms, before);
  b.send(0, "sent while it was away");  // queued: it goes once a connection is up

  // w1 listens again on the same endpoint: within a reconnect interval the link is back. The
  // socket's numbers go on from 1, and the new w1 never saw message 0: a gap, reported (the
  // identity is of its run), and the queued message is not handed on.
  a = std::make_unique<Transport>(context, a_endpoint);
  std::vector<std::string> lost;
  a->on_messages_lost([&](const std::string& why) { lost.push_back(why); });
  a->connect_peers({a_endpoint, b.endpoint()}, 0, Transport::peer_identity(3, 0, 0), {"w1", "w2"});
  const auto back_by = Clock::now() + 3s;
  while (!b.silent_links().empty() && Clock::now() < back_by) {
    b.receive(10ms, ignored, 16);
    a->receive(1ms, ignored, 16);
  }
  EXPECT_TRUE(b.silent_links().empty()) << "the link did not come back within 3 s of the peer listening again";
  got = receive_until(*a, [&](const auto&) { return a->lost() >= 1; }, 2s);
  EXPECT_TRUE(got.empty()) << "a message after a gap was handed on: " << got.front().bytes;
  EXPECT_GE(a->lost(), 1u);
  ASSERT_EQ(lost.size(), 1u) << "the gap of a socket of this run (same tick and epoch) was not reported";
}

}  // namespace
}  // namespace flamestream
