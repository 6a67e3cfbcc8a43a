#include "runtime/data/dataset_ops.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace tb::runtime::data {
namespace {

// --- Strings: the examples an ExternalDataset hands out -------------------------------------------------------

class StringsDataset final : public Dataset {
 public:
  StringsDataset(std::shared_ptr<const std::vector<std::string>> records, std::string source)
      : records_(std::move(records)), source_(std::move(source)) {}
  std::string DebugString() const override { return absl::StrCat("Examples(", source_, ", ", records_->size(), ")"); }
  absl::StatusOr<std::unique_ptr<Iterator>> MakeIterator() const override {
    return std::unique_ptr<Iterator>(new It(records_));
  }

 private:
  class It final : public Iterator {
   public:
    explicit It(std::shared_ptr<const std::vector<std::string>> records) : records_(std::move(records)) {}
    absl::StatusOr<std::optional<Element>> GetNext() override {
      if (next_ >= records_->size()) return std::optional<Element>();
      return std::optional<Element>(Element{tf::Tensor::StringScalar((*records_)[next_++])});
    }

   private:
    std::shared_ptr<const std::vector<std::string>> records_;
    size_t next_ = 0;
  };
  std::shared_ptr<const std::vector<std::string>> records_;
  std::string source_;
};

// --- Batch ----------------------------------------------------------------------------------------------------

absl::StatusOr<Element> Stack(const std::vector<Element>& elements) {
  Element out;
  const size_t n = elements.size();
  const size_t components = elements[0].size();
  for (size_t c = 0; c < components; ++c) {
    const tf::Tensor& first = elements[0][c];
    for (size_t i = 1; i < n; ++i) {
      if (elements[i].size() != components) {
        return absl::InvalidArgumentError(absl::StrCat("Cannot batch elements with ", components, " and ",
                                                       elements[i].size(), " components"));
      }
      const tf::Tensor& t = elements[i][c];
      if (t.dtype() != first.dtype() || t.shape() != first.shape()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Cannot batch tensors with different shapes in component ", c, ". First element had shape ",
            tf::ShapeToString(first.shape()), " and element ", i, " had shape ", tf::ShapeToString(t.shape()),
            " (dtypes ", ToAbsl(tf::DTypeName(first.dtype())), ", ", ToAbsl(tf::DTypeName(t.dtype())), ")."));
      }
    }
    tf::Shape shape = first.shape();
    shape.insert(shape.begin(), static_cast<int64_t>(n));
    TB_ASSIGN_OR_RETURN(tf::Tensor batch, tf::Tensor::Create(first.dtype(), shape));
    const int64_t per = first.num_elements();
    if (first.dtype() == tf::DType::kString) {
      auto dst = batch.flat<std::string>();
      for (size_t i = 0; i < n; ++i) {
        auto src = elements[i][c].flat<std::string>();
        for (int64_t k = 0; k < per; ++k) dst[i * per + k] = src[k];
      }
    } else if (first.dtype() == tf::DType::kVariant || first.dtype() == tf::DType::kResource) {
      auto dst = batch.opaques();
      for (size_t i = 0; i < n; ++i) {
        auto src = elements[i][c].opaques();
        for (int64_t k = 0; k < per; ++k) dst[i * per + k] = src[k];
      }
    } else {
      const size_t bytes = first.byte_size();
      char* dst = batch.mutable_bytes();
      for (size_t i = 0; i < n; ++i) {
        if (bytes > 0) std::memcpy(dst + i * bytes, elements[i][c].bytes().data(), bytes);
      }
    }
    out.push_back(std::move(batch));
  }
  return out;
}

class BatchDataset final : public Dataset {
 public:
  BatchDataset(DatasetPtr input, int64_t batch_size, bool drop_remainder)
      : input_(std::move(input)), batch_size_(batch_size), drop_remainder_(drop_remainder) {}
  std::string DebugString() const override {
    return absl::StrCat("Batch(", batch_size_, drop_remainder_ ? ", drop_remainder" : "", ")<-", input_->DebugString());
  }
  absl::StatusOr<std::unique_ptr<Iterator>> MakeIterator() const override {
    TB_ASSIGN_OR_RETURN(auto input, input_->MakeIterator());
    return std::unique_ptr<Iterator>(new It(std::move(input), this, shared_from_this()));
  }

 private:
  class It final : public Iterator {
   public:
    It(std::unique_ptr<Iterator> input, const BatchDataset* ds, std::shared_ptr<const Dataset> keep)
        : input_(std::move(input)), ds_(ds), keep_(std::move(keep)) {}
    absl::StatusOr<std::optional<Element>> GetNext() override {
      if (done_) return std::optional<Element>();
      std::vector<Element> pending;
      while (static_cast<int64_t>(pending.size()) < ds_->batch_size_) {
        auto next = input_->GetNext();
        if (!next.ok()) {
          done_ = true;
          return next.status();
        }
        if (!next->has_value()) {
          done_ = true;
          break;
        }
        pending.push_back(std::move(**next));
      }
      if (pending.empty() || (ds_->drop_remainder_ && static_cast<int64_t>(pending.size()) < ds_->batch_size_)) {
        return std::optional<Element>();
      }
      auto stacked = Stack(pending);
      if (!stacked.ok()) {
        done_ = true;
        return Annotate(stacked.status(), ds_->DebugString());
      }
      return std::optional<Element>(std::move(*stacked));
    }

   private:
    std::unique_ptr<Iterator> input_;
    const BatchDataset* ds_;
    std::shared_ptr<const Dataset> keep_;
    bool done_ = false;
  };
  DatasetPtr input_;
  int64_t batch_size_;
  bool drop_remainder_;
};

// --- Map ------------------------------------------------------------------------------------------------------

class MapDataset final : public Dataset {
 public:
  MapDataset(DatasetPtr input, DatasetFunction fn, std::string fn_name)
      : input_(std::move(input)), fn_(std::move(fn)), fn_name_(std::move(fn_name)) {}
  std::string DebugString() const override { return absl::StrCat("Map(", fn_name_, ")<-", input_->DebugString()); }
  absl::StatusOr<std::unique_ptr<Iterator>> MakeIterator() const override {
    TB_ASSIGN_OR_RETURN(auto input, input_->MakeIterator());
    return std::unique_ptr<Iterator>(new It(std::move(input), this, shared_from_this()));
  }

 private:
  class It final : public Iterator {
   public:
    It(std::unique_ptr<Iterator> input, const MapDataset* ds, std::shared_ptr<const Dataset> keep)
        : input_(std::move(input)), ds_(ds), keep_(std::move(keep)) {}
    absl::StatusOr<std::optional<Element>> GetNext() override {
      if (done_) return std::optional<Element>();
      auto next = input_->GetNext();
      if (!next.ok() || !next->has_value()) {
        done_ = true;
        if (!next.ok()) return next.status();
        return std::optional<Element>();
      }
      auto mapped = ds_->fn_(std::move(**next));
      if (!mapped.ok()) {
        done_ = true;
        return Annotate(mapped.status(), absl::StrCat("in the function '", ds_->fn_name_, "' of MapDataset"));
      }
      return std::optional<Element>(std::move(*mapped));
    }

   private:
    std::unique_ptr<Iterator> input_;
    const MapDataset* ds_;
    std::shared_ptr<const Dataset> keep_;
    bool done_ = false;
  };
  DatasetPtr input_;
  DatasetFunction fn_;
  std::string fn_name_;
};

// --- Take -----------------------------------------------------------------------------------------------------

class TakeDataset final : public Dataset {
 public:
  TakeDataset(DatasetPtr input, int64_t count) : input_(std::move(input)), count_(count) {}
  std::string DebugString() const override { return absl::StrCat("Take(", count_, ")<-", input_->DebugString()); }
  absl::StatusOr<std::unique_ptr<Iterator>> MakeIterator() const override {
    TB_ASSIGN_OR_RETURN(auto input, input_->MakeIterator());
    return std::unique_ptr<Iterator>(new It(std::move(input), count_));
  }

 private:
  class It final : public Iterator {
   public:
    It(std::unique_ptr<Iterator> input, int64_t count) : input_(std::move(input)), remaining_(count) {}
    absl::StatusOr<std::optional<Element>> GetNext() override {
      if (remaining_ == 0) return std::optional<Element>();
      auto next = input_->GetNext();
      if (next.ok() && next->has_value() && remaining_ > 0) --remaining_;
      if (!next.ok() || !next->has_value()) remaining_ = 0;
      return next;
    }

   private:
    std::unique_ptr<Iterator> input_;
    int64_t remaining_;
  };
  DatasetPtr input_;
  int64_t count_;
};

}  // namespace

DatasetPtr MakeStringsDataset(std::shared_ptr<const std::vector<std::string>> records, std::string source) {
  return std::make_shared<StringsDataset>(std::move(records), std::move(source));
}

absl::StatusOr<DatasetPtr> MakeBatchDataset(DatasetPtr input, int64_t batch_size, bool drop_remainder) {
  if (batch_size <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("Batch size must be greater than zero, got ", batch_size));
  }
  return DatasetPtr(std::make_shared<BatchDataset>(std::move(input), batch_size, drop_remainder));
}

DatasetPtr MakeMapDataset(DatasetPtr input, DatasetFunction fn, std::string fn_name) {
  return std::make_shared<MapDataset>(std::move(input), std::move(fn), std::move(fn_name));
}

DatasetPtr MakeTakeDataset(DatasetPtr input, int64_t count) {
  return std::make_shared<TakeDataset>(std::move(input), count);
}

absl::StatusOr<std::vector<tf::Tensor>> ReduceDataset(const Dataset& input, std::vector<tf::Tensor> state,
                                                      const DatasetFunction& fn, const std::string& fn_name) {
  TB_ASSIGN_OR_RETURN(auto it, input.MakeIterator());
  int64_t index = 0;
  while (true) {
    TB_ASSIGN_OR_RETURN(std::optional<Element> element, it->GetNext());
    if (!element.has_value()) break;
    std::vector<tf::Tensor> args = state;
    for (tf::Tensor& t : *element) args.push_back(std::move(t));
    auto next = fn(std::move(args));
    if (!next.ok()) {
      return Annotate(next.status(), absl::StrCat("in the function '", fn_name, "' of ReduceDataset, element ", index));
    }
    if (next->size() != state.size()) {
      return absl::InvalidArgumentError(absl::StrCat("the function '", fn_name, "' of ReduceDataset returned ",
                                                     next->size(), " values for a state of ", state.size()));
    }
    for (size_t i = 0; i < state.size(); ++i) {
      if ((*next)[i].dtype() != state[i].dtype()) {
        return absl::InvalidArgumentError(absl::StrCat("the function '", fn_name, "' of ReduceDataset changed state ",
                                                       i, " from ", ToAbsl(tf::DTypeName(state[i].dtype())), " to ",
                                                       ToAbsl(tf::DTypeName((*next)[i].dtype()))));
      }
    }
    state = std::move(*next);
    ++index;
  }
  return state;
}

}  // namespace tb::runtime::data
