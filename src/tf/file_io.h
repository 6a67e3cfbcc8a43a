// Positional reads and streaming writes of local files for the table, bundle and checkpoint formats, which can be
// gigabytes: readers fetch only the ranges they need, writers stream and publish atomically (temp file + rename).
// Never reads past a file's end or trusts a caller's length beyond that: short files are errors naming the path.
#ifndef TASKBUILDER_TF_FILE_IO_H_
#define TASKBUILDER_TF_FILE_IO_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tb::tf {

// Read-only random access to a file or an in-memory byte string.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // The name used in error messages (usually the path).
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Copies exactly n bytes at `offset` into dst; OutOfRange if [offset, offset+n) is not inside the file.
  virtual absl::Status Read(uint64_t offset, size_t n, char* dst) const = 0;
  // If the whole file is in memory, a view of it (no copy); empty otherwise.
  virtual std::string_view memory() const { return {}; }
};

// Opens a local file. NotFound names the path.
absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenRandomAccessFile(const std::string& path);

// A RandomAccessFile over bytes the caller keeps alive (e.g. fuzzer input, a file already in memory).
std::unique_ptr<RandomAccessFile> NewMemoryFile(std::string name, std::string_view bytes);
// The same, owning its bytes.
std::unique_ptr<RandomAccessFile> NewOwnedMemoryFile(std::string name, std::string bytes);

// Append-only output. Implementations: a local file published atomically on Close(), and an in-memory string.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual const std::string& name() const = 0;
  virtual absl::Status Append(std::string_view data) = 0;
  // Publishes the data. After Close() no more appends; a file that was never closed is discarded.
  virtual absl::Status Close() = 0;
  // Bytes appended so far.
  virtual uint64_t size() const = 0;
};

struct WriteOptions {
  // fsync before publishing, so a crash never leaves a truncated artifact under the final name.
  bool sync = true;
};

// Streams to `path` through a temp file next to it; Close() renames it into place. Parent dirs are created.
absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, WriteOptions options = {});

// Appends to *out (which must outlive the writer). Close() is a no-op.
std::unique_ptr<WritableFile> NewStringWritableFile(std::string name, std::string* out);

}  // namespace tb::tf

#endif  // TASKBUILDER_TF_FILE_IO_H_
