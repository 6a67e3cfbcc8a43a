// A complete build service for tests of the transactional build: the embedded TM (SQLite) over local storage,
// the real storage adapter, the SQLite build journal, and — standing in for the artifact compiler, which is not
// what these tests are about — the pipeline tests' scripted artifact builder.
#ifndef TASKBUILDER_TESTS_TM_BUILD_WORLD_H_
#define TASKBUILDER_TESTS_TM_BUILD_WORLD_H_

#include <filesystem>
#include <memory>
#include <string>

#include "pipeline/idempotency.h"
#include "storage/local_blob_store.h"
#include "storage/pipeline_blob_store.h"
#include "tests/config/good_config.h"
#include "tests/pipeline/pipeline_fakes.h"
#include "tm/build_journal.h"
#include "tm/task_management_ports.h"

namespace tb::tm::testing_support {

class BuildWorld {
 public:
  // `slow_put_ms` > 0 makes every artifact write sleep first (to be killed mid-upload).
  explicit BuildWorld(const std::string& root, int slow_put_ms = 0, bool recover = true)
      : root_(root), blobs_(root + "/artifacts") {
    std::filesystem::create_directories(root + "/model");
    storage::PipelineBlobStoreOptions so;
    so.write_root = root + "/artifacts";
    store_ = std::make_unique<storage::PipelineBlobStore>(so);
    slow_ = std::make_unique<SlowStore>(store_.get(), slow_put_ms);
    view_ = std::make_unique<storage::ArtifactBlobStoreView>(store_.get());
    EmbeddedTaskManagementOptions o;
    o.storage_root = root + "/artifacts";
    o.database_path = root + "/tm.db";
    o.artifacts = recover ? view_.get() : nullptr;
    auto tm = EmbeddedTaskManagement::Open(o);
    EXPECT_TRUE(tm.ok()) << tm.status();
    tm_ = std::move(*tm);
    auto journal = SqliteBuildJournal::Open(root + "/journal.db");
    EXPECT_TRUE(journal.ok()) << journal.status();
    journal_ = std::move(*journal);
    services_.blob_store = slow_.get();
    services_.task_management = tm_.get();
    services_.artifact_builder = &builder_;
    services_.model_loader = [](const std::string&) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
      return pipeline::testing::OpaqueModel();
    };
    services_.dp_deriver = [](const odp::TaskConfig&, const odp::ExperimentFlags&) -> absl::StatusOr<pipeline::DpSettings> {
      return pipeline::testing::GoodDp();
    };
  }

  std::string Request(const std::string& population = "my_new_population") const {
    odp::BuildTaskRequest r;
    r.mutable_saved_model()->set_uri(root_ + "/model");
    *r.mutable_task_config() = ::tb::testing::GoodTaskConfig();
    r.mutable_task_config()->set_population_name(population);
    r.mutable_task_config()->mutable_federated_learning()->mutable_evaluation()->set_source_training_population(
        population);
    return r.SerializeAsString();
  }

  pipeline::BuildResult Build(const std::string& key, const std::string& body) {
    return pipeline::HandleIdempotentBuildRequest(journal_.get(), key, body, false, services_);
  }

  EmbeddedTaskManagement& tm() { return *tm_; }
  SqliteBuildJournal& journal() { return *journal_; }
  storage::LocalBlobStore& blobs() { return blobs_; }
  pipeline::PipelineServices& services() { return services_; }

 private:
  class SlowStore : public pipeline::BlobStore {
   public:
    SlowStore(pipeline::BlobStore* inner, int ms) : inner_(inner), ms_(ms) {}
    absl::Status CheckArtifactUri(const std::string& uri) override { return inner_->CheckArtifactUri(uri); }
    absl::Status Put(const std::string& uri, std::string_view data) override {
      if (ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
      return inner_->Put(uri, data);
    }
    absl::StatusOr<std::string> Get(const std::string& uri, uint64_t max) override { return inner_->Get(uri, max); }
    absl::StatusOr<std::string> FetchDirectory(const std::string& uri, const std::string& d) override {
      return inner_->FetchDirectory(uri, d);
    }
    absl::StatusOr<bool> Exists(const std::string& uri) override { return inner_->Exists(uri); }

   private:
    pipeline::BlobStore* inner_;
    int ms_;
  };

  std::string root_;
  storage::LocalBlobStore blobs_;
  std::unique_ptr<storage::PipelineBlobStore> store_;
  std::unique_ptr<SlowStore> slow_;
  std::unique_ptr<storage::ArtifactBlobStoreView> view_;
  std::unique_ptr<EmbeddedTaskManagement> tm_;
  std::unique_ptr<SqliteBuildJournal> journal_;
  pipeline::testing::ScriptedArtifactBuilder builder_;
  pipeline::PipelineServices services_;
};

}  // namespace tb::tm::testing_support

#endif  // TASKBUILDER_TESTS_TM_BUILD_WORLD_H_
