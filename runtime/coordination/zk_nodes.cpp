// ZkClient's synchronous node operations: create, read, write (plain and compare-and-set), list,
// delete. Every failure is a ZkError naming the operation and the path (zk_client.h).
#include <zookeeper/zookeeper.h>

#include <algorithm>

#include "runtime/coordination/zk_client.h"
#include "runtime/coordination/zk_fail.h"

namespace flamestream {

namespace {

static_assert(ZkError::kNodeExists == ZNODEEXISTS);
static_assert(ZkError::kNoAuth == ZNOAUTH);

int c_mode(ZkMode mode) {
  switch (mode) {
    case ZkMode::persistent: return ZOO_PERSISTENT;
    case ZkMode::ephemeral: return ZOO_EPHEMERAL;
    case ZkMode::persistent_sequential: return ZOO_PERSISTENT_SEQUENTIAL;
    case ZkMode::ephemeral_sequential: return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

std::string child_path(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

int checked_length(const std::string& data, const std::string& path) {
  // The server rejects anything above jute.maxbuffer (~1 MB) anyway; guard the int conversion.
  if (data.size() > static_cast<std::size_t>(64) * 1024 * 1024) {
    throw ZkError("ZooKeeper " + path + ": value of " + std::to_string(data.size()) +
                      " bytes is too large",
                  ZBADARGUMENTS);
  }
  return static_cast<int>(data.size());
}

}  // namespace

std::string ZkClient::create(const std::string& path, const std::string& data, ZkMode mode) {
  std::vector<char> created(path.size() + 64);
  const int rc = zoo_create(zh_, path.c_str(), data.data(), checked_length(data, path),
                            authenticated_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE, c_mode(mode), created.data(),
                            static_cast<int>(created.size()));
  if (rc != ZOK) zk_fail("create", path, rc);
  return std::string(created.data());
}

void ZkClient::ensure_path(const std::string& path) {
  if (path.empty() || path[0] != '/') {
    throw ZkError("ZooKeeper ensure_path " + path + ": not an absolute path", ZBADARGUMENTS);
  }
  if (path == "/" || exists(path)) return;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    const int rc = zoo_create(zh_, prefix.c_str(), nullptr, -1, authenticated_ ? &ZOO_CREATOR_ALL_ACL : &ZOO_OPEN_ACL_UNSAFE,
                              ZOO_PERSISTENT, nullptr, 0);
    if (rc != ZOK && rc != ZNODEEXISTS) zk_fail("create", prefix, rc);
  }
}

std::optional<std::string> ZkClient::get(const std::string& path) {
  auto v = get_versioned(path);
  if (!v) return std::nullopt;
  return std::move(v->data);
}

std::optional<ZkClient::Versioned> ZkClient::get_versioned(const std::string& path) {
  // Most values are small: try a modest buffer, and if the stat says the value is larger, read
  // again with a buffer of exactly that size (the C client truncates silently otherwise).
  std::vector<char> buffer(4096);
  for (int attempt = 0; attempt < 16; ++attempt) {
    struct Stat stat;
    int length = static_cast<int>(buffer.size());
    const int rc = zoo_get(zh_, path.c_str(), 0, buffer.data(), &length, &stat);
    if (rc == ZNONODE) return std::nullopt;
    if (rc != ZOK) zk_fail("get", path, rc);
    if (length < 0) return Versioned{{}, stat.version};  // a node created with null data
    if (stat.dataLength > static_cast<int>(buffer.size())) {
      buffer.resize(static_cast<std::size_t>(stat.dataLength));
      continue;  // grew between calls or larger than the first guess
    }
    return Versioned{std::string(buffer.data(), static_cast<std::size_t>(length)), stat.version};
  }
  throw ZkError("ZooKeeper get " + path + ": value keeps growing", ZSYSTEMERROR);
}

void ZkClient::set(const std::string& path, const std::string& data) {
  const int rc = zoo_set(zh_, path.c_str(), data.data(), checked_length(data, path), -1);
  if (rc != ZOK) zk_fail("set", path, rc);
}

bool ZkClient::set_if_version(const std::string& path, const std::string& data,
                              std::int32_t version) {
  const int rc = zoo_set(zh_, path.c_str(), data.data(), checked_length(data, path), version);
  if (rc == ZBADVERSION) return false;
  if (rc != ZOK) zk_fail("set", path, rc);
  return true;
}

bool ZkClient::exists(const std::string& path) {
  struct Stat stat;
  const int rc = zoo_exists(zh_, path.c_str(), 0, &stat);
  if (rc == ZOK) return true;
  if (rc == ZNONODE) return false;
  zk_fail("exists", path, rc);
}

std::vector<std::string> ZkClient::children(const std::string& path) {
  String_vector strings{};
  const int rc = zoo_get_children(zh_, path.c_str(), 0, &strings);
  if (rc != ZOK) zk_fail("children", path, rc);
  std::vector<std::string> result;
  result.reserve(static_cast<std::size_t>(strings.count));
  for (int i = 0; i < strings.count; ++i) result.emplace_back(strings.data[i]);
  deallocate_String_vector(&strings);
  std::sort(result.begin(), result.end());
  return result;
}

void ZkClient::remove(const std::string& path) {
  const int rc = zoo_delete(zh_, path.c_str(), -1);
  if (rc != ZOK) zk_fail("remove", path, rc);
}

void ZkClient::remove_recursive(const std::string& path) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    String_vector strings{};
    int rc = zoo_get_children(zh_, path.c_str(), 0, &strings);
    if (rc == ZNONODE) return;
    if (rc != ZOK) zk_fail("children", path, rc);
    std::vector<std::string> kids;
    for (int i = 0; i < strings.count; ++i) kids.emplace_back(strings.data[i]);
    deallocate_String_vector(&strings);
    for (const auto& kid : kids) remove_recursive(child_path(path, kid));
    rc = zoo_delete(zh_, path.c_str(), -1);
    if (rc == ZOK || rc == ZNONODE) return;
    if (rc != ZNOTEMPTY) zk_fail("remove", path, rc);
    // someone added a child meanwhile: go again
  }
  throw ZkError("ZooKeeper remove " + path + ": children keep appearing", ZNOTEMPTY);
}

}  // namespace flamestream
