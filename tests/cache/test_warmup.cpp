// kiln-warmup from the outside: record + compile makes the next run compile nothing; every
// subcommand's output and exit code; verify repairs a damaged cache.
#include <gtest/gtest.h>

#include "process_util.hpp"

namespace kiln::test {
namespace {

// kiln-warmup with `args`, on cache directory `dir`.
Ran warmup(const std::string& dir, const std::string& args) {
  return run_shell(warmup_path() + " --cache-dir " + dir + " " + args);
}

TEST(Warmup, RecordThenCompileMakesTheNextRunCompileNothing) {
  ScratchDir d("wu_flow");
  const std::string dir = d.str("c"), manifest = d.str("kernels.manifest");
  Ran r = warmup(dir, "record --out " + manifest + " -- " + probe_path());
  ASSERT_EQ(r.status, 0) << r.err;
  const ProbeRun recorded = parse_probe(r);
  ASSERT_GT(recorded.compiled, 3);
  const std::string text = slurp(manifest);
  EXPECT_EQ(text.rfind("kiln-manifest 1\n", 0), 0u);
  EXPECT_EQ(count_lines(text, "cpu "), static_cast<size_t>(recorded.compiled));

  ASSERT_EQ(warmup(dir, "clear").status, 0);
  EXPECT_TRUE(entry_files(dir).empty());
  r = warmup(dir, "compile " + manifest + " --jobs 2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(recorded.compiled) + " compiled, 0 already cached, 0 failed"),
            std::string::npos)
      << r.out;
  const ProbeRun next = run_probe("KILN_CACHE_DIR=" + dir);
  ASSERT_EQ(next.status, 0) << next.err;
  EXPECT_EQ(next.compiled, 0);
  EXPECT_EQ(next.disk, recorded.compiled);
  EXPECT_EQ(next.results, recorded.results);

  r = warmup(dir, "compile " + manifest);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("0 compiled, " + std::to_string(recorded.compiled) + " already cached"),
            std::string::npos)
      << r.out;
}

TEST(Warmup, RecordingKeepsEveryKernelOnceAcrossRunsAndReportsAFailingProgram) {
  ScratchDir d("wu_record");
  const std::string manifest = d.str("m");
  // A warm cache: the program loads instead of compiling; the kernels are recorded all the same.
  ASSERT_EQ(run_probe("KILN_CACHE_DIR=" + d.str("c")).status, 0);
  Ran r = warmup(d.str("c"), "record -o " + manifest + " -- " + probe_path() + " 2");
  ASSERT_EQ(r.status, 0) << r.err;
  const ProbeRun p = parse_probe(r);
  EXPECT_EQ(count_lines(slurp(manifest), "cpu "), static_cast<size_t>(p.compiled + p.disk));
  r = warmup(d.str("c"), "record -o " + manifest + " -- /bin/false");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("exited with status 1"), std::string::npos) << r.err;
  r = warmup(d.str("c"), "record -o " + manifest + " -- /no/such/program");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot run"), std::string::npos) << r.err;
}

TEST(Warmup, ExitCodesScriptsCanRelyOn) {
  ScratchDir d("wu_exit");
  const std::string dir = d.str("c");
  for (const char* sub : {"", "record", "compile", "ls", "stats", "prune", "verify", "clear"}) {
    const Ran r = warmup(dir, std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << sub;
  }
  EXPECT_EQ(warmup(dir, "").status, 2);            // no subcommand
  EXPECT_EQ(warmup(dir, "frobnicate").status, 2);  // unknown subcommand
  EXPECT_EQ(warmup(dir, "compile").status, 2);     // missing manifest argument
  EXPECT_EQ(warmup(dir, "compile /no/such/file").status, 2);
  EXPECT_EQ(warmup(dir, "compile m --jobs 0").status, 2);
  EXPECT_EQ(warmup(dir, "prune --max-size lots").status, 2);
  EXPECT_EQ(warmup(dir, "record --out m").status, 2);  // no program

  write_bytes(d.str("not_a_manifest"), {'h', 'i', '\n'});
  Ran r = warmup(dir, "compile " + d.str("not_a_manifest"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not a kiln manifest"), std::string::npos) << r.err;
  const std::string good = d.str("good");
  ASSERT_EQ(warmup(dir, "record -o " + good + " -- " + probe_path()).status, 0);
  r = warmup(dir, "compile " + good + " --target cuda:sm_1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot generate code for 'sm_1'"), std::string::npos) << r.err;
  r = warmup(dir, "compile " + good + " --target cuda:ampere");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("a CUDA target names an SM"), std::string::npos) << r.err;
  r = warmup(dir, "compile " + good + " --target gpu");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unknown target 'gpu'"), std::string::npos) << r.err;
  r = warmup(dir, "compile " + good + " --target cpu:no-such-cpu");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("does not know the CPU"), std::string::npos) << r.err;
  // A manifest line whose IR is not valid kernel IR fails that kernel, not the others.
  write_bytes(d.str("bad_ir"), {});
  {
    std::ofstream out(d.str("bad_ir"));
    out << "kiln-manifest 1\ncpu 00 0102030405\n";
  }
  r = warmup(dir, "compile " + d.str("bad_ir"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("invalid kernel IR"), std::string::npos) << r.err;
}

TEST(Warmup, CudaTargetsNeedNoGpuAndDumpReadableFiles) {
  ScratchDir d("wu_cuda");
  const std::string dir = d.str("c"), manifest = d.str("m"), dump = d.str("dump");
  ASSERT_EQ(warmup(dir, "record -o " + manifest + " -- " + probe_path()).status, 0);
  const size_t kernels = count_lines(slurp(manifest), "cpu ");
  const size_t cpu_entries = entry_files(dir).size();
  ASSERT_GT(kernels, 3u);
  fs::create_directories(dump);
  // KILN_LIBCUDA points nowhere: compiling for a named SM must not need a driver.
  Ran r =
      run_shell("KILN_LIBCUDA=/no/such/libcuda.so.1 KILN_DUMP_DIR=" + dump + " " + warmup_path() +
                " --cache-dir " + dir + " compile " + manifest + " --target cuda:sm_90 -q");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(std::to_string(kernels) +
                       " kernels for cuda:sm_90: " + std::to_string(kernels) + " compiled"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(entry_files(dir).size(), cpu_entries + kernels);
  EXPECT_NE(warmup(dir, "ls").out.find("sm_90"), std::string::npos);
  size_t ptx = 0, ll = 0;
  for (const auto& f : fs::directory_iterator(dump)) {
    const std::string ext = f.path().extension();
    if (ext == ".ptx") {
      ++ptx;
      const std::string text = slurp(f.path());
      EXPECT_NE(text.find(".target sm_90"), std::string::npos) << f.path();
      EXPECT_NE(text.find(".entry kiln_"), std::string::npos) << f.path();
    }
    ll += ext == ".ll";
  }
  EXPECT_EQ(ptx, kernels);
  EXPECT_EQ(ll, kernels);
  // The entries are sound: verify keeps them, a second compile finds them all.
  r = warmup(dir, "verify");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  r = warmup(dir, "compile " + manifest + " --target cuda:sm_90");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("0 compiled, " + std::to_string(kernels) + " already cached"),
            std::string::npos)
      << r.out;
  // Another SM is another set of entries.
  r = warmup(dir, "compile " + manifest + " --target cuda:sm_80 -q");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(entry_files(dir).size(), cpu_entries + 2 * kernels);
}

TEST(Warmup, VerifyRemovesDamagedEntriesAndDeepRecompiles) {
  ScratchDir d("wu_verify");
  const std::string dir = d.str("c");
  const ProbeRun p = run_probe("KILN_CACHE_DIR=" + dir);
  ASSERT_EQ(p.status, 0);
  Ran r = warmup(dir, "verify --deep --sample 3");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 recompiled, 0 differed"), std::string::npos) << r.out;
  const auto entries = entry_files(dir);
  auto bytes = read_bytes(entries[0]);
  bytes[bytes.size() / 2] ^= 1;
  write_bytes(entries[0], bytes);
  r = warmup(dir, "verify");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("1 removed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("corrupt"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(entries[0]));
  EXPECT_EQ(warmup(dir, "verify").status, 0);
}

TEST(Warmup, LsStatsPruneAndOtherTargets) {
  ScratchDir d("wu_ls");
  const std::string dir = d.str("c"), manifest = d.str("m");
  ASSERT_EQ(warmup(dir, "record -o " + manifest + " -- " + probe_path()).status, 0);
  const ProbeRun second = run_probe("KILN_CACHE_DIR=" + dir);
  const size_t n = entry_files(dir).size();
  Ran r = warmup(dir, "ls");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(count_lines(r.out, ""), n + 1);  // a header, then an entry a line
  EXPECT_NE(r.out.find(" instrs"), std::string::npos);
  r = warmup(dir, "stats");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("entries          " + std::to_string(n)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("disk hits        " + std::to_string(second.disk)), std::string::npos)
      << r.out;

  r = warmup(dir, "compile " + manifest + " --target cpu:x86-64-v3 -q");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(entry_files(dir).size(), 2 * n);
  EXPECT_NE(warmup(dir, "ls").out.find("x86-64-v3"), std::string::npos);

  r = warmup(dir, "prune --max-size 0");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(entry_files(dir).empty());
  EXPECT_NE(r.out.find("removed " + std::to_string(2 * n) + " entries"), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace kiln::test
