#include "runtime/security/cluster_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace flamestream {

namespace {

constexpr const char* kHeader =
    "# FlameStream cluster key (flamestream keys). Whoever holds this file can submit, ingest,\n"
    "# tail and rewrite the cluster's state in ZooKeeper: keep it secret, give it to workers and\n"
    "# clients only (--key-file or FLAMESTREAM_KEY_FILE).\n";

constexpr const char* kFields[] = {"server-public", "server-secret", "client-public", "client-secret",
                                   "zookeeper-password"};

std::string random_hex(std::size_t bytes) {
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string raw(bytes, '\0');
  if (!random.read(raw.data(), static_cast<std::streamsize>(bytes)))
    throw KeyError("cannot read /dev/urandom for a cluster key");
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) hex += {digits[c >> 4], digits[c & 15]};
  return hex;
}

// The public key of a Z85 secret key; empty if `secret` is not one.
std::string public_of(const std::string& secret) {
  if (secret.size() != 40) return {};
  char out[41] = {};
  if (zmq_curve_public(out, secret.c_str()) != 0) return {};
  return out;
}

}  // namespace

bool curve_available() { return zmq_has("curve") != 0; }

ClusterKey ClusterKey::generate() {
  if (!curve_available()) throw KeyError("this libzmq is built without CURVE (libsodium): no cluster key can be made");
  char server_public[41], server_secret[41], client_public[41], client_secret[41];
  if (zmq_curve_keypair(server_public, server_secret) != 0 || zmq_curve_keypair(client_public, client_secret) != 0)
    throw KeyError(std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno()));
  return {server_public, server_secret, client_public, client_secret, random_hex(32)};
}

ClusterKey ClusterKey::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw KeyError("cannot read the cluster key file '" + path.string() + "': " + std::strerror(errno));
  std::map<std::string, std::string> values;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, value, extra;
    fields >> name >> value >> extra;
    if (value.empty() || !extra.empty() || !values.emplace(name, value).second)
      throw KeyError("cluster key file '" + path.string() + "', line " + std::to_string(number) +
                     ": expected one 'NAME VALUE' per field, each once");
  }
  for (const char* field : kFields)
    if (!values.contains(field))
      throw KeyError("cluster key file '" + path.string() + "' has no " + field + " (make one with flamestream keys)");
  if (values.size() != std::size(kFields))
    throw KeyError("cluster key file '" + path.string() + "' has unknown fields");
  ClusterKey key{values["server-public"], values["server-secret"], values["client-public"],
                 values["client-secret"], values["zookeeper-password"]};
  if (public_of(key.server_secret) != key.server_public || public_of(key.client_secret) != key.client_public)
    throw KeyError("cluster key file '" + path.string() + "': a public key does not match its secret key");
  if (key.zk_password.size() != 64 || key.zk_password.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw KeyError("cluster key file '" + path.string() + "': zookeeper-password must be 64 hex digits");
  return key;
}

void ClusterKey::save(const std::filesystem::path& path) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw KeyError("cannot create the cluster key file '" + path.string() + "': " + std::strerror(errno));
  std::string text = kHeader;
  const std::string* values[] = {&server_public, &server_secret, &client_public, &client_secret, &zk_password};
  for (std::size_t i = 0; i < std::size(kFields); ++i) text += std::string(kFields[i]) + " " + *values[i] + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!written) {
    ::unlink(path.c_str());
    throw KeyError("cannot write the cluster key file '" + path.string() + "': " + std::strerror(err));
  }
}

}  // namespace flamestream
