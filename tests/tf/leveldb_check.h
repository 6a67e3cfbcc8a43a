// Independent check for tables we write: opens them with libleveldb's own Table reader (paranoid checks,
// verified checksums) and returns every entry, so a format bug on our side cannot hide behind our own reader.
#ifndef TASKBUILDER_TESTS_TF_LEVELDB_CHECK_H_
#define TASKBUILDER_TESTS_TF_LEVELDB_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tb::tf::leveldb_check {

// All (key, value) entries of the table file at `path`, read with leveldb::Table; an error if libleveldb rejects it.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadWithLevelDb(const std::string& path);

}  // namespace tb::tf::leveldb_check

#endif  // TASKBUILDER_TESTS_TF_LEVELDB_CHECK_H_
