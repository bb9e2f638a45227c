// Silent peer links in ZooKeeper, for `flamestream status`.
//
//   /flamestream/links/NAME   ephemeral; data: JSON {"silent": [{"peer": "w2", "since_ms": ...}]}
//
// Each worker writes its own view of its outgoing links (peer_links.h) while one is silent and
// removes the node when none is; the node goes with the worker's session, so a dead worker claims
// nothing. Invariant: what is in ZooKeeper is the worker's view as of its last change, written
// within a poll of the supervisor (not a guess: every entry is a link that ZeroMQ found without a
// live connection).
#pragma once

#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "runtime/coordination/zk_client.h"
#include "runtime/engine/peer_links.h"

namespace flamestream {

inline constexpr const char* kLinksPath = "/flamestream/links";

// Writes worker `name`'s silent links when they differ from what it wrote last.
class LinkReport {
 public:
  explicit LinkReport(std::string name) : name_(std::move(name)) {}
  // Throws ZkError when ZooKeeper is away (then the next call tries again).
  void publish(ZkClient& zk, std::vector<SilentLink> silent);

 private:
  std::string name_;
  std::vector<SilentLink> written_;
  bool known_ = false;  // written_ is what the node holds
};

// Every worker's silent links, by worker name.
std::map<std::string, std::vector<SilentLink>> read_silent_links(ZkClient& zk);

// `status`'s lines: "  link w1 -> w2 silent since 12:01:03 (14 s)", with "; w2 is not registered"
// for a peer that is gone (dead, or cut from ZooKeeper too), or that no link is silent.
void print_silent_links(std::ostream& out, const std::map<std::string, std::vector<SilentLink>>& links,
                        const std::set<std::string>& registered, std::int64_t now_ms);

}  // namespace flamestream
