// Docker credential helpers: `docker-credential-<name> get`, the server on stdin, a JSON answer
// {"ServerURL", "Username", "Secret"} on stdout (the protocol of docker/docker-credential-helpers).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "registry/registry.hpp"

extern char** environ;

namespace leakhound {
namespace {

constexpr size_t kMaxAnswer = 64 << 10;

// Writes `data` to `fd`; a helper that exits without reading must not end us with SIGPIPE.
bool WriteAllNoSigpipe(int fd, const std::string& data) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  bool ok = true;
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (!ok) {  // consume the SIGPIPE raised for this thread, if any, before unblocking it
    const timespec zero{0, 0};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

}  // namespace

bool RunCredentialHelper(const std::string& helper, const std::string& server, std::string* user,
                         std::string* secret, std::string* error, int timeout_ms) {
  if (helper.empty() ||
      helper.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    *error = "'" + helper + "' is not a credential helper name";
    return false;
  }
  std::string program = "docker-credential-" + helper;
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  // Its stderr is not ours to print: helpers may echo what they were given.
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string get = "get";
  char* argv[] = {program.data(), get.data(), nullptr};
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    *error = program + ": " + std::strerror(rc) + (rc == ENOENT ? " (not on PATH)" : "");
    return false;
  }
  WriteAllNoSigpipe(in[1], server + "\n");
  ::close(in[1]);

  std::string answer;
  bool timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    char buf[4096];
    const ssize_t n = ::read(out[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (answer.size() + static_cast<size_t>(n) > kMaxAnswer) {
      *error = program + ": answer larger than " + std::to_string(kMaxAnswer) + " bytes";
      ::close(out[0]);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      return false;
    }
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    *error = program + " get: no answer within " + std::to_string(timeout_ms / 1000) + " s";
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    // The protocol's "credentials not found in native keychain": none, not an error.
    if (answer.find("credentials not found") != std::string::npos) {
      error->clear();
      return false;
    }
    *error = program + " get: " + (WIFEXITED(status)
                                       ? "exit status " + std::to_string(WEXITSTATUS(status))
                                       : std::string("killed by a signal"));
    return false;
  }
  const nlohmann::json j = nlohmann::json::parse(answer, nullptr, false);
  if (!j.is_object() || !j.contains("Username") || !j["Username"].is_string() ||
      !j.contains("Secret") || !j["Secret"].is_string()) {
    *error = program + " get: the answer is not {\"Username\": ..., \"Secret\": ...}";
    return false;
  }
  if (j["Username"] == "<token>") {
    *error = program + " get: an identity token (OAuth refresh token), which is not supported";
    return false;
  }
  *user = j["Username"].get<std::string>();
  *secret = j["Secret"].get<std::string>();
  return true;
}

}  // namespace leakhound
