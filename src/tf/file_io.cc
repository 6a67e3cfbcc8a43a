#include "tf/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::tf {
namespace {

absl::Status ErrnoError(int err, std::string_view what, const std::string& path) {
  std::string msg = absl::StrCat(ToAbsl(what), " ", path, ": ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  if (err == ENOSPC) return absl::ResourceExhaustedError(msg);
  return absl::InternalError(msg);
}

absl::Status RangeError(const std::string& name, uint64_t offset, size_t n, uint64_t size) {
  return absl::OutOfRangeError(absl::StrCat(name, ": read of ", n, " bytes at offset ", offset,
                                            " is past the end of the file (", size, " bytes)"));
}

bool InRange(uint64_t offset, size_t n, uint64_t size) { return offset <= size && n <= size - offset; }

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  absl::Status Read(uint64_t offset, size_t n, char* dst) const override {
    if (!InRange(offset, n, size_)) return RangeError(path_, offset, n, size_);
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, dst + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "cannot read", path_);
      }
      if (r == 0) return absl::DataLossError(absl::StrCat(path_, ": file shrank while being read"));
      done += static_cast<size_t>(r);
    }
    return absl::OkStatus();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

class MemoryFile final : public RandomAccessFile {
 public:
  MemoryFile(std::string name, std::string_view bytes) : name_(std::move(name)), bytes_(bytes) {}
  MemoryFile(std::string name, std::string owned)
      : name_(std::move(name)), owned_(std::move(owned)), bytes_(owned_) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  absl::Status Read(uint64_t offset, size_t n, char* dst) const override {
    if (!InRange(offset, n, bytes_.size())) return RangeError(name_, offset, n, bytes_.size());
    if (n > 0) std::memcpy(dst, bytes_.data() + offset, n);
    return absl::OkStatus();
  }
  std::string_view memory() const override { return bytes_; }

 private:
  std::string name_;
  std::string owned_;
  std::string_view bytes_;
};

// Buffers small appends; large ones go straight to the fd.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, std::string tmp, int fd, WriteOptions options)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd), options_(options) {
    buffer_.reserve(kBufferSize);
  }
  ~PosixWritableFile() override {
    if (fd_ >= 0) {
      ::close(fd_);
      ::unlink(tmp_.c_str());
    }
  }
  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }

  absl::Status Append(std::string_view data) override {
    if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": append after close"));
    size_ += data.size();
    if (buffer_.size() + data.size() <= kBufferSize) {
      buffer_.append(data);
      return absl::OkStatus();
    }
    TB_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() < kBufferSize) {
      buffer_.append(data);
      return absl::OkStatus();
    }
    return WriteAll(data);
  }

  absl::Status Close() override {
    if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": closed twice"));
    absl::Status status = FlushBuffer();
    if (status.ok() && options_.sync && ::fsync(fd_) != 0) status = ErrnoError(errno, "cannot sync", tmp_);
    if (::close(fd_) != 0 && status.ok()) status = ErrnoError(errno, "cannot close", tmp_);
    fd_ = -1;
    if (status.ok() && ::rename(tmp_.c_str(), path_.c_str()) != 0) status = ErrnoError(errno, "cannot rename to", path_);
    if (!status.ok()) ::unlink(tmp_.c_str());
    return status;
  }

 private:
  static constexpr size_t kBufferSize = 1 << 20;

  absl::Status FlushBuffer() {
    absl::Status s = WriteAll(buffer_);
    buffer_.clear();
    return s;
  }
  absl::Status WriteAll(std::string_view data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "cannot write", tmp_);
      }
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  std::string path_;
  std::string tmp_;
  int fd_;
  WriteOptions options_;
  std::string buffer_;
  uint64_t size_ = 0;
};

class StringWritableFile final : public WritableFile {
 public:
  StringWritableFile(std::string name, std::string* out) : name_(std::move(name)), out_(out), start_(out->size()) {}
  const std::string& name() const override { return name_; }
  absl::Status Append(std::string_view data) override {
    out_->append(data);
    return absl::OkStatus();
  }
  absl::Status Close() override { return absl::OkStatus(); }
  uint64_t size() const override { return out_->size() - start_; }

 private:
  std::string name_;
  std::string* out_;
  size_t start_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RandomAccessFile>> OpenRandomAccessFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(err, "cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a regular file"));
  }
  return std::unique_ptr<RandomAccessFile>(
      new PosixRandomAccessFile(path, fd, static_cast<uint64_t>(st.st_size)));
}

std::unique_ptr<RandomAccessFile> NewMemoryFile(std::string name, std::string_view bytes) {
  return std::make_unique<MemoryFile>(std::move(name), bytes);
}

std::unique_ptr<RandomAccessFile> NewOwnedMemoryFile(std::string name, std::string bytes) {
  return std::make_unique<MemoryFile>(std::move(name), std::move(bytes));
}

absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path, WriteOptions options) {
  const std::filesystem::path target(path);
  if (target.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create directory for ", path, ": ", ec.message()));
  }
  std::random_device rd;
  std::string tmp = absl::StrCat(path, ".tmp-", ::getpid(), "-", rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(errno, "cannot create", tmp);
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, std::move(tmp), fd, options));
}

std::unique_ptr<WritableFile> NewStringWritableFile(std::string name, std::string* out) {
  return std::make_unique<StringWritableFile>(std::move(name), out);
}

}  // namespace tb::tf
