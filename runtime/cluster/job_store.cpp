// Stores job libraries in ZooKeeper in chunks and loads them on the workers (see job_store.h).
#include "runtime/cluster/job_store.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <map>
#include <sstream>
#include <unistd.h>

#include "runtime/jobs/job_library.h"

namespace flamestream {

namespace {

struct Loaded {
  std::mutex mutex;
  std::map<std::string, std::string> hashes;  // hash -> the library's name
  std::filesystem::path cache_dir = std::filesystem::temp_directory_path() / "flamestream-jobs";
};

Loaded& loaded() {
  static Loaded l;
  return l;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw JobLibraryError(path + ": cannot read the file");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string hash_of(const std::string& bytes) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH64(bytes.data(), bytes.size(), 0)));
  return hex;
}

std::string chunk_name(std::size_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "chunk-%05zu", i);
  return name;
}

std::string fetch(ZkClient& zk, const std::string& hash) {
  const std::string node = std::string(kJobsPath) + "/" + hash;
  const auto size = zk.get(node);
  if (!size) throw JobLibraryError("job " + hash + ": not stored in ZooKeeper (" + node + ")");
  if (size->empty()) throw JobLibraryError("job " + hash + ": still being stored");
  std::string bytes;
  for (const std::string& chunk : zk.children(node)) bytes += zk.get(node + "/" + chunk).value_or("");
  if (std::to_string(bytes.size()) != *size || hash_of(bytes) != hash)
    throw JobLibraryError("job " + hash + ": the stored library does not match its hash");
  return bytes;
}

}  // namespace

void set_job_cache_dir(const std::filesystem::path& dir) {
  std::lock_guard lock(loaded().mutex);
  loaded().cache_dir = dir;
}

std::string load_job_file(const std::string& path) {
  const std::string hash = hash_of(read_file(path));
  std::lock_guard lock(loaded().mutex);
  if (loaded().hashes.contains(hash)) return hash;
  loaded().hashes[hash] = load_job_library(path, hash).name;
  return hash;
}

std::string job_name(const std::string& hash) {
  std::lock_guard lock(loaded().mutex);
  auto it = loaded().hashes.find(hash);
  return it == loaded().hashes.end() ? hash : it->second;
}

void store_job(ZkClient& zk, const std::string& path, const std::string& hash) {
  const std::string bytes = read_file(path);
  const std::string node = std::string(kJobsPath) + "/" + hash;
  zk.ensure_path(kJobsPath);
  if (auto size = zk.get(node); size && !size->empty()) return;
  if (!zk.exists(node)) zk.create(node);
  for (std::size_t i = 0; i * kJobChunkBytes < bytes.size(); ++i) {
    const std::string chunk = node + "/" + chunk_name(i);
    const std::string part = bytes.substr(i * kJobChunkBytes, kJobChunkBytes);
    if (zk.exists(chunk)) zk.set(chunk, part);
    else zk.create(chunk, part);
  }
  zk.set(node, std::to_string(bytes.size()));
}

void load_stored_job(ZkClient& zk, const std::string& hash) {
  std::filesystem::path cached;
  {
    std::lock_guard lock(loaded().mutex);
    if (loaded().hashes.contains(hash)) return;
    cached = loaded().cache_dir / (hash + ".so");
  }
  bool good = false;
  if (std::filesystem::exists(cached)) good = hash_of(read_file(cached)) == hash;
  if (!good) {
    const std::string bytes = fetch(zk, hash);
    std::filesystem::create_directories(cached.parent_path());
    const std::filesystem::path part = cached.string() + ".part-" + std::to_string(getpid());
    std::ofstream(part, std::ios::binary) << bytes;
    std::filesystem::rename(part, cached);
  }
  load_job_file(cached);
}

}  // namespace flamestream
