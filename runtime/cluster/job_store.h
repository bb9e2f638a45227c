// Job libraries in ZooKeeper: how a library submitted with `submit --job` reaches every worker.
//
// A library is stored content-addressed under /flamestream/jobs/<hash> (hash: XXH64 of its bytes,
// 16 hex digits), split into children chunk-00000, chunk-00001, ... of at most 512 KiB each, since
// a ZooKeeper node holds about 1 MB. The parent's data is empty while the chunks are written and
// the library's size in bytes once they all are: a reader never sees a partial library. A tick
// that runs one names the hash in its "job" field. Readers (workers, and clients that read ticks)
// copy it to a cache dir as <hash>.so, check the hash and load it once per process.
#pragma once

#include <filesystem>
#include <string>

#include "runtime/coordination/zk_client.h"

namespace flamestream {

inline constexpr const char* kJobsPath = "/flamestream/jobs";
inline constexpr std::size_t kJobChunkBytes = 512 * 1024;

// Where fetched libraries are kept (a worker: DATA_DIR/jobs; default: a temporary directory).
void set_job_cache_dir(const std::filesystem::path& dir);

// Loads the library at `path` in this process (load_job_library, into the scope of its hash: a
// tick's graph is looked up in its own job) and returns its hash. Loading the same bytes again,
// from any path, does nothing more. Throws JobLibraryError.
std::string load_job_file(const std::string& path);

// The name (JobLibrary::name) of the loaded library `hash`, or the hash if none is loaded.
std::string job_name(const std::string& hash);

// Writes the library at `path` under kJobsPath (nothing when it is there already).
void store_job(ZkClient& zk, const std::string& path, const std::string& hash);

// Makes the stored library `hash` loaded in this process: from the cache, or fetched, verified and
// cached first. Throws JobLibraryError when it is missing, incomplete or does not match its hash.
void load_stored_job(ZkClient& zk, const std::string& hash);

}  // namespace flamestream
