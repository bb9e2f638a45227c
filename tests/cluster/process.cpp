#include "tests/cluster/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace flamestream::test_support {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kSetpriv = "/usr/bin/setpriv";

ExitStatus status_of(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return -1;
}

}  // namespace

Process::Process(std::vector<std::string> args, std::filesystem::path stdout_path,
                 std::filesystem::path stderr_path, std::filesystem::path stdin_path)
    : args_(std::move(args)),
      stdout_path_(std::move(stdout_path)),
      stderr_path_(std::move(stderr_path)) {
  if (args_.empty()) throw std::runtime_error("Process: no command");
  std::vector<std::string> argv_text;
  if (::access(kSetpriv, X_OK) == 0) argv_text = {kSetpriv, "--pdeathsig", "KILL", "--"};
  argv_text.insert(argv_text.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // The child starts with default signal handling and an empty mask, whatever the test set.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  const int rc = ::posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("Process: cannot spawn " + args_[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  try {
    stop();
  } catch (...) {
  }
}

bool Process::reap(bool block) {
  if (status_) return true;
  if (pid_ <= 0) return true;
  int wstatus = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &wstatus, block ? 0 : WNOHANG);
    if (r == pid_) {
      status_ = status_of(wstatus);
      return true;
    }
    if (r == 0) return false;
    if (errno == EINTR) continue;
    status_ = -1;  // ECHILD: not ours any more; nothing left to wait for
    return true;
  }
}

bool Process::running() { return !reap(false); }

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!reap(false)) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  return status_;
}

ExitStatus Process::stop(std::chrono::milliseconds grace, bool* killed) {
  if (killed != nullptr) *killed = false;
  if (reap(false)) return *status_;
  ::kill(pid_, SIGTERM);
  if (auto status = wait_for(grace)) return *status;
  if (killed != nullptr) *killed = true;
  ::kill(pid_, SIGKILL);
  reap(true);
  return *status_;
}

std::string Process::read_stdout() const { return read_file(stdout_path_); }
std::string Process::read_stderr() const { return read_file(stderr_path_); }

RunResult run(const std::vector<std::string>& args, const std::string& stdin_text,
              std::chrono::milliseconds timeout) {
  const auto dir = make_temp_dir("flamestream-run-");
  RunResult result;
  try {
    write_file(dir / "stdin", stdin_text);
    const auto start = Clock::now();
    Process p(args, dir / "stdout", dir / "stderr", dir / "stdin");
    auto status = p.wait_for(timeout);
    if (!status) {
      result.timed_out = true;
      status = p.stop();
    }
    result.status = *status;
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    result.out = p.read_stdout();
    result.err = p.read_stderr();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    throw;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return result;
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  return pattern;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string describe(ExitStatus status) {
  if (status > 128) return "killed by signal " + std::to_string(status - 128);
  return "exit " + std::to_string(status);
}

}  // namespace flamestream::test_support
