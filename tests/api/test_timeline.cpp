// The timeline (KILN_TRACE, kiln::trace_begin/trace_end): Chrome trace-event JSON that Python's
// json module reads, with the spans of each sync's stages on the threads that ran them and the
// user's call sites.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "helpers.hpp"
#include "kiln/kiln.hpp"

using namespace kiln;

namespace {

// What Python's json module makes of the file: "names: ..." and "sites: ..." lines, or an
// error. Checks that every event is a complete span with a time and a duration.
std::string summary(const std::string& path) {
  const std::string cmd =
      "/usr/bin/python3 -c \"import json,sys\n"
      "d = json.load(open(sys.argv[1]))\n"
      "ev = [e for e in d['traceEvents'] if e['ph'] == 'X']\n"
      "assert all(e['dur'] >= 0 and e['ts'] >= 0 and 'tid' in e and 'pid' in e for e in ev)\n"
      "print('names:', ' | '.join(sorted(set(e['name'] for e in ev))) + ' |')\n"
      "print('sites:', ' '.join(sorted(set(e['args'].get('site', '').split('/')[-1] for e in "
      "ev))))\n"
      "print('threads:', len(set(e['tid'] for e in ev)))\n"
      "\" " +
      path + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  std::array<char, 4096> buffer;
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

}  // namespace

TEST(Timeline, RecordsEachStageOfASyncAsChromeTraceJson) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("kiln_timeline_" + std::to_string(getpid()) + ".json"))
                               .string();
  const std::string saved_cache = cache_dir();
  set_cache_dir("");  // a compile, never a disk hit
  trace_begin(path);
  const Array x = arange(0, 64, 1, float32);
  // Structures no other test makes: new kernels, two of them in one sync (compiled in parallel).
  Array a = tanh(x * 0.123f) - cosh(x * 0.0321f), b = sum(sinh(x * 0.0457f) * x, {0});
  eval({a, b});
  const Array m = matmul(eye(4), ones({4, 4}) * 3.f);
  EXPECT_EQ(m.item<float>(5), 3.f);
  auto f = compile([](const Array& v) { return exp(v * 0.25f) + 1.f; });
  f(x).eval();
  f(x).eval();  // replayed
  trace_end();
  set_cache_dir(saved_cache);
  const std::string s = summary(path);
  std::filesystem::remove(path);
  for (const char* name :
       {"record", "sync", "walk + plan lookup", "passes", "schedule", "kernel lookup", "compile",
        "link + load", "launch", "library call", "compiled call", "sync (kiln::compile trace)"})
    EXPECT_NE(s.find(std::string(name) + " |"), std::string::npos) << name << " missing in " << s;
  // The compile's phases (the CPU backend's; not the CUDA emulator standing in for it).
  if (x.device() == Device::cpu() && !std::getenv("KILN_CUDA_EMULATOR")) {
    for (const char* name : {"build IR", "optimize", "codegen"})
      EXPECT_NE(s.find(std::string(name) + " |"), std::string::npos) << name << " in " << s;
  }
  EXPECT_NE(s.find("sites: "), std::string::npos) << s;
  EXPECT_NE(s.find("test_timeline.cpp"), std::string::npos) << s;
  // Nothing recorded after trace_end; a second trace_end is harmless.
  (x * 7.f).eval();
  trace_end();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Timeline, AFileThatCannotBeWrittenIsAClearError) {
  trace_begin("/nonexistent-directory/timeline.json");
  (arange(0, 4, 1, float32) * 2.f).eval();
  kiln_test::expect_error([] { trace_end(); }, {"[trace]", "/nonexistent-directory/timeline.json"});
}
