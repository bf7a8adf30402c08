// Running kiln programs in child processes for the cache tests.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cache_test_util.hpp"

extern char** environ;

namespace kiln::test {

/// What a finished command left.
struct Ran {
  int status = -1;  ///< exit status (128 + signal when killed)
  std::string out, err;
};

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs `command` with /bin/sh, capturing both streams.
inline Ran run_shell(const std::string& command) {
  static int counter = 0;
  const fs::path base = fs::temp_directory_path() / ("kiln_run_" + std::to_string(::getpid()) +
                                                     "_" + std::to_string(counter++));
  const std::string out = base.string() + ".out", err = base.string() + ".err";
  const int raw = std::system(("(" + command + ") >" + out + " 2>" + err).c_str());
  Ran r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

/// The probe program (tests/cache/cache_probe.cpp) and kiln-warmup.
inline std::string probe_path() {
  return KILN_BINARY_DIR "/tests/cache_probe";
}
inline std::string warmup_path() {
  return KILN_BINARY_DIR "/kiln-warmup";
}

/// A probe run: its results (every line but the last) and its counters (the last line).
struct ProbeRun {
  int status = -1;
  std::string results, err;
  long compiled = -1, disk = -1;
};

inline ProbeRun parse_probe(const Ran& r) {
  ProbeRun p;
  p.status = r.status;
  p.err = r.err;
  const size_t last = r.out.rfind("compiled=");
  if (last == std::string::npos) return p;
  p.results = r.out.substr(0, last);
  std::sscanf(r.out.c_str() + last, "compiled=%ld disk=%ld", &p.compiled, &p.disk);
  return p;
}

/// Runs the probe with `env` ("NAME=value ..." prefixed to the command) and `args`.
inline ProbeRun run_probe(const std::string& env, const std::string& args = "") {
  return parse_probe(run_shell("env " + env + " " + probe_path() + " " + args));
}

/// Starts `argv` with extra environment `env` ("NAME=value" strings); returns its pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                   const std::string& out_path) {
  // The inherited environment without the variables `env` sets (getenv takes the first).
  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    const std::string var = *e;
    bool overridden = false;
    for (const std::string& o : env)
      overridden |= var.compare(0, o.find('=') + 1, o, 0, o.find('=') + 1) == 0;
    if (!overridden) environment.push_back(var);
  }
  for (const std::string& e : env) environment.push_back(e);
  std::vector<char*> envp, args;
  for (auto& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> a = argv;
  for (auto& s : a) args.push_back(s.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, (out_path + ".err").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

/// Waits for `pid`; returns its exit status (128 + signal when killed).
inline int wait_for(pid_t pid) {
  int raw = 0;
  while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
}

/// Lines of `text` that start with `prefix`.
inline size_t count_lines(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind(prefix, 0) == 0) ++n;
  return n;
}

}  // namespace kiln::test
