// ZkClient against a real ZooKeeper server (one per test suite, tests/support/zk_server.h).
// Every test works under its own root path, so the tests are independent of each other.

#include "runtime/coordination/zk_client.h"
#include "tests/support/zk_server.h"

#include <gtest/gtest.h>
#include <zookeeper/zookeeper.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace flamestream {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::ZkServer;

// Polls `condition` every 10 ms for at most `timeout`.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

class ZkClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ZkServer();
    std::printf("ZooKeeper at %s served after %lld ms\n", server_->connect_string().c_str(),
                static_cast<long long>(server_->last_start_duration().count()));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = "/zk-client-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) +
            "-" + info->name();
    client_ = connect_client();
    client_->ensure_path(root_);
  }

  void TearDown() override {
    if (server_ == nullptr || !server_->running()) return;
    try {
      connect_client()->remove_recursive(root_);
    } catch (const ZkError&) {
    }
  }

  static std::unique_ptr<ZkClient> connect_client(
      std::chrono::milliseconds session_timeout = 10000ms) {
    return ZkClient::connect(server_->connect_string(), 10000ms, session_timeout);
  }

  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  static ZkServer* server_;
  std::string root_;
  std::unique_ptr<ZkClient> client_;
};

ZkServer* ZkClientTest::server_ = nullptr;

TEST_F(ZkClientTest, CreateGetSetChildrenRemove) {
  ZkClient& zk = *client_;
  EXPECT_EQ(zk.create(path("a"), "hello"), path("a"));
  EXPECT_TRUE(zk.exists(path("a")));
  EXPECT_EQ(zk.get(path("a")), std::optional<std::string>("hello"));
  zk.set(path("a"), std::string("bin\0ary", 7));
  EXPECT_EQ(zk.get(path("a")), std::optional<std::string>(std::string("bin\0ary", 7)));
  zk.set(path("a"), "");
  EXPECT_EQ(zk.get(path("a")), std::optional<std::string>(""));

  EXPECT_EQ(zk.get(path("missing")), std::nullopt);
  EXPECT_FALSE(zk.exists(path("missing")));

  zk.create(path("a/c"));
  zk.create(path("a/b"), "x");
  const std::string seq = zk.create(path("a/s-"), "", ZkMode::persistent_sequential);
  EXPECT_EQ(seq, path("a/s-0000000002"));
  EXPECT_EQ(zk.children(path("a")), (std::vector<std::string>{"b", "c", "s-0000000002"}));
  EXPECT_TRUE(zk.children(path("a/b")).empty());

  try {
    zk.create(path("a"));
    FAIL() << "create of an existing node succeeded";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ZNODEEXISTS);
    EXPECT_NE(std::string(e.what()).find(path("a")), std::string::npos) << e.what();
  }
  try {
    zk.remove(path("a"));
    FAIL() << "remove of a node with children succeeded";
  } catch (const ZkError& e) {
    EXPECT_EQ(e.code(), ZNOTEMPTY);
  }
  EXPECT_THROW(zk.create(path("no/parent")), ZkError);
  EXPECT_THROW(zk.set(path("missing"), "x"), ZkError);
  EXPECT_THROW(zk.children(path("missing")), ZkError);
  EXPECT_THROW(zk.remove(path("missing")), ZkError);

  zk.remove(path("a/b"));
  EXPECT_EQ(zk.children(path("a")), (std::vector<std::string>{"c", "s-0000000002"}));
  zk.remove_recursive(path("a"));
  EXPECT_FALSE(zk.exists(path("a")));
  zk.remove_recursive(path("a"));  // missing: fine
}

TEST_F(ZkClientTest, EnsurePath) {
  ZkClient& zk = *client_;
  zk.ensure_path(path("x/y/z"));
  EXPECT_TRUE(zk.exists(path("x")));
  EXPECT_TRUE(zk.exists(path("x/y")));
  EXPECT_TRUE(zk.exists(path("x/y/z")));
  zk.set(path("x/y"), "kept");
  zk.ensure_path(path("x/y/z"));  // again: no-op
  zk.ensure_path(path("x/y/w"));  // sibling: existing parents untouched
  EXPECT_EQ(zk.get(path("x/y")), std::optional<std::string>("kept"));
  EXPECT_EQ(zk.children(path("x/y")), (std::vector<std::string>{"w", "z"}));
  zk.ensure_path("/");
  EXPECT_THROW(zk.ensure_path("relative/path"), ZkError);
}

TEST_F(ZkClientTest, LargeValuesRoundTrip) {
  ZkClient& zk = *client_;
  std::mt19937 rng(42);
  // The server's default jute.maxbuffer is 0xfffff bytes for the whole request; leave room for it.
  std::string big(1000 * 1000, '\0');
  for (char& c : big) c = static_cast<char>(rng());
  zk.create(path("big"), big);
  EXPECT_EQ(zk.get(path("big")), std::optional<std::string>(big));
  std::string medium(5000, 'm');  // just over get()'s first buffer
  zk.set(path("big"), medium);
  EXPECT_EQ(zk.get(path("big")), std::optional<std::string>(medium));
}

TEST_F(ZkClientTest, EphemeralNodesGoWithTheirSession) {
  auto other = connect_client();
  other->create(path("eph"), "owner", ZkMode::ephemeral);
  const std::string seq = other->create(path("eph-"), "", ZkMode::ephemeral_sequential);
  EXPECT_EQ(seq, path("eph-0000000001"));
  EXPECT_TRUE(client_->exists(path("eph")));
  EXPECT_EQ(client_->children(root_), (std::vector<std::string>{"eph", "eph-0000000001"}));
  // An ephemeral node cannot have children.
  EXPECT_THROW(other->create(path("eph/child")), ZkError);

  other.reset();  // closes the session
  // zookeeper_close waits for the server to close the session: the nodes are gone already.
  EXPECT_FALSE(client_->exists(path("eph")));
  EXPECT_TRUE(client_->children(root_).empty());
}

TEST_F(ZkClientTest, ChildrenAndDataWatchesFireAndStayArmed) {
  std::mutex mutex;
  std::vector<std::vector<std::string>> seen_children;  // as read inside the callback
  std::atomic<int> data_events{0};
  // Declared after the state its callbacks capture, so it is destroyed (no callback runs) first.
  auto watcher = connect_client();
  ZkClient& zk = *watcher;
  auto writer = connect_client();

  zk.ensure_path(path("members"));
  zk.children_watch(path("members"), [&] {
    auto kids = zk.children(path("members"));  // synchronous call from the completion thread
    std::lock_guard lock(mutex);
    seen_children.push_back(std::move(kids));
  });
  zk.data_watch(path("config"), [&] { ++data_events; });  // does not exist yet

  auto children_seen = [&](std::size_t n) {
    return eventually([&] {
      std::lock_guard lock(mutex);
      return seen_children.size() >= n;
    });
  };
  const std::uint64_t v0 = zk.watch_version();
  writer->create(path("members/w1"));
  ASSERT_TRUE(children_seen(1));
  EXPECT_GT(zk.watch_version(), v0);
  writer->create(path("members/w2"));  // the watch was re-armed
  ASSERT_TRUE(children_seen(2));
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(seen_children.back(), (std::vector<std::string>{"w1", "w2"}));
  }

  writer->create(path("config"), "v1");  // creation fires a data watch
  ASSERT_TRUE(eventually([&] { return data_events.load() >= 1; }));
  const int after_create = data_events.load();
  writer->set(path("config"), "v2");
  ASSERT_TRUE(eventually([&] { return data_events.load() > after_create; }));
  const int after_set = data_events.load();
  writer->set(path("config"), "v3");
  ASSERT_TRUE(eventually([&] { return data_events.load() > after_set; }));

  // wait_for_change() sees the same events.
  const std::uint64_t v1 = zk.watch_version();
  writer->set(path("config"), "v4");
  EXPECT_TRUE(zk.wait_for_change(v1, 5000ms));

  // After unwatch, changes are no longer reported.
  zk.unwatch(path("config"));
  std::this_thread::sleep_for(100ms);
  const int before = data_events.load();
  const std::uint64_t v2 = zk.watch_version();
  writer->set(path("config"), "v5");
  writer->set(path("config"), "v6");
  EXPECT_FALSE(zk.wait_for_change(v2, 300ms));
  EXPECT_EQ(data_events.load(), before);
}

TEST_F(ZkClientTest, ConnectToNothingThrowsWithinTimeout) {
  const std::uint16_t port = test_support::free_loopback_port();  // nothing listens there
  const std::string hosts = "127.0.0.1:" + std::to_string(port);
  const auto began = Clock::now();
  try {
    ZkClient::connect(hosts, 1500ms);
    FAIL() << "connected to " << hosts;
  } catch (const ZkError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unreachable"), std::string::npos) << what;
    EXPECT_NE(what.find(hosts), std::string::npos) << what;
    EXPECT_NE(what.find("1.5 s"), std::string::npos) << what;
  }
  const auto elapsed = Clock::now() - began;
  EXPECT_GE(elapsed, 1500ms);
  EXPECT_LT(elapsed, 1500ms + 2000ms);
}

TEST_F(ZkClientTest, SessionExpiryIsReported) {
  std::atomic<int> expired_calls{0};
  // A short session: a client that reconnected in the middle of the session's end may sit on a
  // connection the server no longer serves until its receive timeout (2/3 of the session timeout)
  // before it learns of the expiry.
  auto victim = connect_client(4000ms);
  victim->on_expired([&] { ++expired_calls; });
  victim->create(path("victim-eph"), "", ZkMode::ephemeral);
  const std::int64_t id = victim->session_id();
  EXPECT_NE(id, 0);

  // Close the victim's session from a second handle that resumes it (same id and password). The
  // server moves the session to the newest connection, so victim and thief take it from each other
  // until one closes; the thief's close only ends the session if it still holds it then: retry.
  const clientid_t stolen = *zoo_client_id(victim->native_handle());
  bool closed = false;
  for (int attempt = 0; attempt < 10 && !closed; ++attempt) {
    zhandle_t* thief = zookeeper_init(server_->connect_string().c_str(), nullptr, 10000, &stolen,
                                      nullptr, 0);
    ASSERT_NE(thief, nullptr);
    eventually([&] { return zoo_state(thief) == ZOO_CONNECTED_STATE; }, 2000ms);
    zookeeper_close(thief);
    closed = eventually([&] { return !client_->exists(path("victim-eph")); }, 1000ms);
  }
  ASSERT_TRUE(closed) << "could not close the victim's session";

  ASSERT_TRUE(eventually([&] { return victim->expired(); }, 10000ms));
  EXPECT_FALSE(victim->connected());
  EXPECT_TRUE(eventually([&] { return expired_calls.load() == 1; }));
  EXPECT_FALSE(client_->exists(path("victim-eph")));
  EXPECT_THROW(victim->get(path("victim-eph")), ZkError);
  // Registering after expiry calls back at once.
  bool late = false;
  victim->on_expired([&] { late = true; });
  EXPECT_TRUE(late);
}

// Runs last: it stops and restarts the shared server (same port, same data dir).
TEST_F(ZkClientTest, ServerRestartKeepsDataAndSession) {
  std::atomic<int> data_events{0};
  // A restarting server accepts connections before it serves them, and never answers those: a
  // client that reconnects too early waits out its receive timeout (2/3 of the session timeout)
  // before trying again. A 6 s session keeps that under 4 s, within the session timeout.
  auto zk = connect_client(6000ms);
  zk->create(path("persistent"), "survives");
  zk->create(path("ephemeral"), "mine", ZkMode::ephemeral);
  zk->data_watch(path("persistent"), [&] { ++data_events; });
  const std::int64_t session = zk->session_id();
  ASSERT_TRUE(zk->connected());

  server_->stop();
  ASSERT_TRUE(eventually([&] { return !zk->connected(); }, 10000ms));
  EXPECT_FALSE(zk->expired());
  EXPECT_THROW(zk->get(path("persistent")), ZkError);  // connection loss while down
  const int events_before_restart = data_events.load();

  server_->start();
  std::printf("restarted: served after %lld ms\n",
              static_cast<long long>(server_->last_start_duration().count()));
  ASSERT_TRUE(eventually([&] { return zk->connected(); }, 15000ms))
      << "client did not reconnect after the restart";
  // Restarted within the session timeout: the server restored the session from its log, so the
  // same session resumes and its ephemeral node is still there.
  EXPECT_FALSE(zk->expired());
  EXPECT_EQ(zk->session_id(), session);
  EXPECT_EQ(zk->get(path("persistent")), std::optional<std::string>("survives"));
  EXPECT_EQ(zk->get(path("ephemeral")), std::optional<std::string>("mine"));

  // The reconnection was reported to the watch (something may have changed meanwhile) ...
  EXPECT_TRUE(eventually([&] { return data_events.load() > events_before_restart; }));
  // ... and the watch still works.
  const int after_reconnect = data_events.load();
  connect_client()->set(path("persistent"), "changed");
  EXPECT_TRUE(eventually([&] { return data_events.load() > after_reconnect; }));
  EXPECT_EQ(zk->get(path("persistent")), std::optional<std::string>("changed"));
}

}  // namespace
}  // namespace flamestream
