// The cluster key: the one secret that admits a process to a cluster.
//
// A key file holds a CURVE key pair that every worker serves with, a CURVE key pair that every
// client (and every worker, towards its peers) connects with, and a ZooKeeper digest password.
// Holding the file is what it means to be part of the cluster: workers accept ZeroMQ connections
// only from the client public key in it (curve.h), and every ZooKeeper node the cluster creates
// is readable and writable only by sessions authenticated with its password.
// Invariant: a ClusterKey is complete and well-formed (four Z85 keys of 40 characters, a
// password of 64 hex digits, the two public keys matching their secrets) or it does not exist.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace flamestream {

// A key file that cannot be read, written or understood; the message names the file.
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClusterKey {
  std::string server_public;  // Z85, 40 characters
  std::string server_secret;
  std::string client_public;
  std::string client_secret;
  std::string zk_password;  // 64 hex digits

  // A fresh key from the system's random source (libsodium, through libzmq).
  static ClusterKey generate();
  // Reads and checks a key file. Throws KeyError naming the file and what is wrong.
  static ClusterKey load(const std::filesystem::path& path);
  // Writes a new key file readable by its owner only; refuses to replace an existing file (a
  // cluster's key overwritten by mistake would lock its own workers out).
  void save(const std::filesystem::path& path) const;

  // The ZooKeeper "digest" credential, "user:password".
  std::string zk_credential() const { return "flamestream:" + zk_password; }
};

// The environment variable that names a key file when --key-file is not given.
inline constexpr const char* kKeyFileVariable = "FLAMESTREAM_KEY_FILE";

// Whether this libzmq can do CURVE (it is built with libsodium on Debian).
bool curve_available();

}  // namespace flamestream
