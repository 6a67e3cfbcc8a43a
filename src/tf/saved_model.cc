#include "tf/saved_model.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/file.h"
#include "base/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/text_format.h"

namespace tb::tf {

absl::StatusOr<tensorflow::SavedModel> ParseSavedModel(std::string_view bytes, const std::string& name) {
  if (bytes.size() > kMaxSavedModelBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(name, " is larger than ", kMaxSavedModelBytes, " bytes"));
  }
  tensorflow::SavedModel sm;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetRecursionLimit(200);
  if (!sm.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    return absl::DataLossError(absl::StrCat(name, " is not a valid SavedModel protocol buffer"));
  }
  return sm;
}

absl::StatusOr<tensorflow::SavedModel> ReadSavedModelProto(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    return absl::NotFoundError(absl::StrCat("SavedModel directory ", dir, " does not exist"));
  }
  const std::string pb = dir + "/" + kSavedModelFile;
  if (std::filesystem::exists(pb)) {
    TB_ASSIGN_OR_RETURN(std::string bytes, ReadFile(pb, kMaxSavedModelBytes));
    return ParseSavedModel(bytes, pb);
  }
  const std::string pbtxt = dir + "/" + kSavedModelTextFile;
  if (std::filesystem::exists(pbtxt)) {
    TB_ASSIGN_OR_RETURN(std::string text, ReadFile(pbtxt, kMaxSavedModelBytes));
    tensorflow::SavedModel sm;
    if (!google::protobuf::TextFormat::ParseFromString(text, &sm)) {
      return absl::DataLossError(absl::StrCat(pbtxt, " is not a valid SavedModel text proto"));
    }
    return sm;
  }
  return absl::NotFoundError(absl::StrCat(dir, " is not a SavedModel: it has no ", kSavedModelFile));
}

absl::StatusOr<const tensorflow::MetaGraphDef*> FindServingMetaGraph(const tensorflow::SavedModel& sm,
                                                                     const std::string& name) {
  if (sm.meta_graphs_size() == 0) return absl::InvalidArgumentError(absl::StrCat(name, " has no MetaGraphDef"));
  std::vector<std::string> tag_sets;
  for (const auto& mg : sm.meta_graphs()) {
    for (const auto& tag : mg.meta_info_def().tags()) {
      if (tag == "serve") return &mg;
    }
    tag_sets.push_back(absl::StrCat("[", absl::StrJoin(mg.meta_info_def().tags(), ","), "]"));
  }
  if (sm.meta_graphs_size() == 1) return &sm.meta_graphs(0);
  return absl::InvalidArgumentError(absl::StrCat(name, " has no MetaGraphDef tagged 'serve' (tag sets: ",
                                                 absl::StrJoin(tag_sets, " "), ")"));
}

absl::StatusOr<std::unique_ptr<BundleReader>> OpenSavedModelVariables(const std::string& dir) {
  const std::string prefix = dir + "/" + kVariablesPrefix;
  auto reader = BundleReader::Open(prefix);
  if (!reader.ok() && reader.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("SavedModel ", dir, " has no variables index (",
                                            BundleIndexPath(prefix), "): ", reader.status().message()));
  }
  return reader;
}

}  // namespace tb::tf
