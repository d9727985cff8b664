// A main for harness binaries built without libFuzzer: feeds every file named on the
// command line (directories: every regular file in them, sorted) to
// LLVMFuzzerTestOneInput, so crash inputs replay in ordinary and sanitizer builds.
//
// `--rounds=N` replays the inputs N times and prints the resident memory after each
// round; with `--max-growth-mb=M` it fails (exit 3) when the last round ends more than M
// MB above the second (the first round warms allocators and lazily built tables). A
// harness that runs for hours must stay flat: memory kept per input (a process-wide
// cache keyed by each input's fresh name, say) grows with every round.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

// Resident memory of this process in MB (/proc/self/statm), or -1.
double ResidentMb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return -1;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

// The value of `--name=value` in `arg`, or nullptr.
const char* Flag(std::string_view arg, std::string_view name) {
  if (arg.size() <= name.size() + 3 || arg.substr(0, 2) != "--" ||
      arg.substr(2, name.size()) != name || arg[2 + name.size()] != '=') {
    return nullptr;
  }
  return arg.data() + 3 + name.size();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::filesystem::path> files;
  int rounds = 1;
  double max_growth_mb = -1;
  for (int i = 1; i < argc; ++i) {
    if (const char* value = Flag(argv[i], "rounds")) {
      rounds = std::max(1, std::atoi(value));
      continue;
    }
    if (const char* value = Flag(argv[i], "max-growth-mb")) {
      max_growth_mb = std::atof(value);
      continue;
    }
    const std::filesystem::path arg = argv[i];
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file() && entry.path().filename() != "README.md") {
          files.push_back(entry.path());
        }
      }
    } else if (std::filesystem::exists(arg)) {
      files.push_back(arg);
    } else {
      std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::vector<char>> inputs;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  double second_round_mb = -1, last_mb = -1;
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (round == 0) {
        std::fprintf(stderr, "replay: %s (%zu bytes)\n", files[i].c_str(), inputs[i].size());
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(inputs[i].data()),
                             inputs[i].size());
    }
    last_mb = ResidentMb();
    if (round == 1) second_round_mb = last_mb;
    if (rounds > 1) std::fprintf(stderr, "replay: round %d, resident %.1f MB\n", round + 1, last_mb);
  }
  std::fprintf(stderr, "replay: %zu inputs ran without crashing\n", files.size());
  if (max_growth_mb >= 0 && rounds > 2 && last_mb - second_round_mb > max_growth_mb) {
    std::fprintf(stderr,
                 "replay: resident memory grew %.1f MB from round 2 to round %d (limit %.1f MB)\n",
                 last_mb - second_round_mb, rounds, max_growth_mb);
    return 3;
  }
  return 0;
}
