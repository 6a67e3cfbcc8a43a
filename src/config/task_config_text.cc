#include "config/task_config_text.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"

namespace tb::config {
namespace {

class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (error_.empty()) error_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::StatusOr<google::ondevicepersonalization::federatedcompute::proto::TaskConfig> ParseTaskConfigText(
    std::string_view text) {
  if (text.size() > kMaxTaskConfigTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("task config is ", text.size(), " bytes; the limit is ", kMaxTaskConfigTextBytes));
  }
  google::ondevicepersonalization::federatedcompute::proto::TaskConfig config;
  FirstErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(32);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &config)) {
    return absl::InvalidArgumentError(errors.error().empty() ? "cannot parse the task config text" : errors.error());
  }
  return config;
}

}  // namespace tb::config
