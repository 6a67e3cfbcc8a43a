// A stand-alone driver for the fuzz targets in ordinary (g++, non-sanitized) builds, so every build and every CI
// run exercises each parser on its seed corpus and on deterministic mutations of it without a clang/libFuzzer
// build. Real coverage-guided fuzzing is scripts/fuzz.sh (clang, libFuzzer, ASan/UBSan); this driver is its
// regression net: a crash, abort or trap here fails the ctest that runs it.
//
//   <target> [--mutations=N] [--seed=S] [--max_len=BYTES] PATH...
//
// PATH is a file or a directory of files (not recursive). Every input runs as is, then N mutants of it (bit flips,
// byte overwrites with boundary values, truncations, insertions, duplicated and deleted chunks, splices with
// another input), and N inputs of random bytes. The same arguments give the same inputs, run after run.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// splitmix64: small, fast and good enough to pick mutations deterministically.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20, 0x40};

std::string Mutate(const std::string& in, const std::vector<std::string>& corpus, Random& rng, size_t max_len) {
  std::string out = in;
  const int steps = 1 + static_cast<int>(rng.Below(4));
  for (int s = 0; s < steps; ++s) {
    switch (rng.Below(7)) {
      case 0:  // flip one bit
        if (!out.empty()) out[rng.Below(out.size())] ^= static_cast<char>(1u << rng.Below(8));
        break;
      case 1:  // overwrite a byte with a boundary value
        if (!out.empty()) out[rng.Below(out.size())] = static_cast<char>(kInteresting[rng.Below(sizeof kInteresting)]);
        break;
      case 2:  // truncate
        out.resize(rng.Below(out.size() + 1));
        break;
      case 3: {  // insert random bytes
        std::string bytes(1 + rng.Below(8), '\0');
        for (char& c : bytes) c = static_cast<char>(rng.Next());
        out.insert(rng.Below(out.size() + 1), bytes);
        break;
      }
      case 4:  // delete a chunk
        if (!out.empty()) {
          const size_t at = rng.Below(out.size());
          out.erase(at, 1 + rng.Below(std::min<size_t>(out.size() - at, 64)));
        }
        break;
      case 5:  // duplicate a chunk
        if (!out.empty()) {
          const size_t at = rng.Below(out.size());
          const std::string chunk = out.substr(at, 1 + rng.Below(64));
          out.insert(rng.Below(out.size() + 1), chunk);
        }
        break;
      default: {  // splice with another input
        const std::string& other = corpus[rng.Below(corpus.size())];
        out = out.substr(0, rng.Below(out.size() + 1)) + other.substr(rng.Below(other.size() + 1));
        break;
      }
    }
  }
  if (out.size() > max_len) out.resize(max_len);
  return out;
}

bool ReadInput(const std::filesystem::path& path, std::vector<std::string>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  out->push_back(bytes.str());
  return true;
}

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 200;
  uint64_t seed = 1;
  size_t max_len = size_t{1} << 20;
  std::vector<std::string> corpus;
  std::vector<std::filesystem::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--mutations=", 0) == 0) {
      mutations = std::strtol(arg.c_str() + 12, nullptr, 10);
    } else if (arg.rfind("--seed=", 0) == 0) {
      seed = std::strtoull(arg.c_str() + 7, nullptr, 10);
    } else if (arg.rfind("--max_len=", 0) == 0) {
      max_len = std::strtoull(arg.c_str() + 10, nullptr, 10);
    } else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr, "unknown flag %s\n", arg.c_str());
      return 2;
    } else {
      paths.emplace_back(arg);
    }
  }
  for (const auto& path : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // directory order is not deterministic
      for (const auto& f : files) ReadInput(f, &corpus);
    } else if (!ReadInput(path, &corpus)) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 2;
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  Random rng(seed);
  size_t runs = 0;
  for (const std::string& input : corpus) {
    Run(input);
    ++runs;
    for (long m = 0; m < mutations; ++m, ++runs) Run(Mutate(input, corpus, rng, max_len));
  }
  for (long m = 0; m < mutations; ++m, ++runs) {
    std::string bytes(rng.Below(512), '\0');
    for (char& c : bytes) c = static_cast<char>(rng.Next());
    Run(bytes);
  }
  std::printf("%s: %zu inputs (%zu seeds) ran clean\n", argv[0], runs, corpus.size());
  return 0;
}
