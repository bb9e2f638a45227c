#pragma once

// Child processes for the cluster tests: spawn a command (posix_spawn) with its standard streams
// on files, wait for it with a timeout, stop it by PID (SIGTERM, then SIGKILL).
//
// * A Process stops its child in its destructor, so a test that fails an assertion half-way still
//   leaves nothing running. Only the PID it spawned is ever signalled.
// * If /usr/bin/setpriv exists (util-linux), the child is started through
//   `setpriv --pdeathsig KILL`, so it also dies if the test process itself is killed (e.g. by a
//   meson timeout). Linux ties this to the *thread* that spawned: spawn from the main thread.
// * Descriptors above 2 are not inherited.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace flamestream::test_support {

// A process's exit status as one int: the exit code, or 128 + N if signal N killed it.
using ExitStatus = int;

class Process {
 public:
  // Starts `args` (args[0] is a path, not looked up in PATH). stdin reads `stdin_path`; stdout and
  // stderr are truncated and written to the given files. Throws std::runtime_error on failure.
  Process(std::vector<std::string> args, std::filesystem::path stdout_path,
          std::filesystem::path stderr_path, std::filesystem::path stdin_path = "/dev/null");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& args() const { return args_; }
  const std::filesystem::path& stdout_path() const { return stdout_path_; }
  const std::filesystem::path& stderr_path() const { return stderr_path_; }

  // True while the child has not exited (reaps it if it has).
  bool running();
  // Waits at most `timeout` for the child to exit; its status, or nullopt if still running.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  // SIGTERM, wait at most `grace`, then SIGKILL and wait. Returns the exit status; `killed` tells
  // whether SIGKILL was needed. No signal if it has already exited.
  ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000),
                  bool* killed = nullptr);
  std::optional<ExitStatus> exit_status() const { return status_; }

  std::string read_stdout() const;
  std::string read_stderr() const;

 private:
  bool reap(bool block);

  std::vector<std::string> args_;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
  pid_t pid_ = -1;
  std::optional<ExitStatus> status_;
};

struct RunResult {
  ExitStatus status = -1;  // exit code (128 + N: killed by signal N); meaningless if timed_out
  bool timed_out = false;  // did not exit in time: it was stopped
  std::chrono::milliseconds elapsed{0};
  std::string out;
  std::string err;
};

// Runs `args` to completion with `stdin_text` as its input; stops it after `timeout`.
RunResult run(const std::vector<std::string>& args, const std::string& stdin_text = {},
              std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

// A fresh directory under the system temp dir ("<prefix>XXXXXX"); throws on failure.
std::filesystem::path make_temp_dir(const std::string& prefix);
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& text);

// Describes an exit status for messages: "exit 2", "killed by signal 9".
std::string describe(ExitStatus status);

}  // namespace flamestream::test_support
