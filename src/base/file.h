// Local-file helpers with the error messages and size limits every reader of outside bytes needs.
// Writes are atomic (temp file + fsync + rename) so a crash never leaves a half-written artifact.
#ifndef TASKBUILDER_BASE_FILE_H_
#define TASKBUILDER_BASE_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tb {

// Default cap for whole-file reads of user input (SavedModels, configs, checkpoints): 4 GiB.
inline constexpr uint64_t kDefaultMaxFileBytes = uint64_t{4} << 30;

// Reads the whole file. NotFound names the path; ResourceExhausted if it is larger than `max_bytes`.
absl::StatusOr<std::string> ReadFile(const std::string& path, uint64_t max_bytes = kDefaultMaxFileBytes);

// Writes `data` to `path` atomically, creating missing parent directories.
absl::Status WriteFileAtomic(const std::string& path, std::string_view data);

// Creates a fresh private directory under $TMPDIR (or /tmp) whose name starts with `prefix`.
absl::StatusOr<std::string> MakeTempDir(std::string_view prefix);

// Removes a file or a directory tree; missing paths are not an error.
absl::Status RemoveAll(const std::string& path);

}  // namespace tb

#endif  // TASKBUILDER_BASE_FILE_H_
