#include "tests/tf/leveldb_check.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/table.h"

namespace tb::tf::leveldb_check {

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadWithLevelDb(const std::string& path) {
  leveldb::Env* env = leveldb::Env::Default();
  uint64_t size = 0;
  leveldb::Status s = env->GetFileSize(path, &size);
  if (!s.ok()) return absl::InternalError(s.ToString());
  leveldb::RandomAccessFile* raw_file = nullptr;
  s = env->NewRandomAccessFile(path, &raw_file);
  if (!s.ok()) return absl::InternalError(s.ToString());
  std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  leveldb::Options options;
  options.paranoid_checks = true;
  leveldb::Table* raw_table = nullptr;
  s = leveldb::Table::Open(options, file.get(), size, &raw_table);
  if (!s.ok()) return absl::DataLossError(absl::StrCat("leveldb::Table::Open: ", s.ToString()));
  std::unique_ptr<leveldb::Table> table(raw_table);
  leveldb::ReadOptions read_options;
  read_options.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read_options));
  std::vector<std::pair<std::string, std::string>> out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return absl::DataLossError(absl::StrCat("leveldb iterator: ", it->status().ToString()));
  return out;
}

}  // namespace tb::tf::leveldb_check
