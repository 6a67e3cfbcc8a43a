#include "runtime/data/example.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tensorflow/example.pb.h"

namespace tb::runtime::data {
namespace {

using ::testing::ElementsAre;

TEST(ExampleTest, BuilderOutputParsesWithProtobuf) {
  std::string bytes = ExampleBuilder()
                          .AddFloats("x", std::vector<float>{1.5f, -2.0f, 0.25f})
                          .AddInt64s("y", std::vector<int64_t>{1, -7, int64_t{1} << 40})
                          .AddBytes("s", std::vector<std::string>{"ab", ""})
                          .AddFloats("empty", std::vector<float>{})
                          .Serialize();
  tensorflow::Example proto;
  ASSERT_TRUE(proto.ParseFromString(bytes));
  const auto& f = proto.features().feature();
  ASSERT_EQ(f.size(), 4u);
  EXPECT_THAT(f.at("x").float_list().value(), ElementsAre(1.5f, -2.0f, 0.25f));
  EXPECT_THAT(f.at("y").int64_list().value(), ElementsAre(1, -7, int64_t{1} << 40));
  EXPECT_THAT(f.at("s").bytes_list().value(), ElementsAre("ab", ""));
  EXPECT_TRUE(f.at("empty").has_float_list());
}

TEST(ExampleTest, ViewReadsProtobufOutputIncludingUnpackedLists) {
  tensorflow::Example proto;
  auto& f = *proto.mutable_features()->mutable_feature();
  for (float v : {3.0f, 4.0f}) f["x"].mutable_float_list()->add_value(v);
  for (int64_t v : {5, 6, 7}) f["y"].mutable_int64_list()->add_value(v);
  f["s"].mutable_bytes_list()->add_value("hello");
  std::string bytes = proto.SerializeAsString();
  // Append an unpacked (non-packed) float list and int64 list for "u", as old writers did, by hand.
  std::string unpacked_list = std::string("\x0d\x00\x00\x80\x3f", 5) + std::string("\x0d\x00\x00\x00\x40", 5);
  std::string feature = "\x12" + std::string(1, static_cast<char>(unpacked_list.size())) + unpacked_list;
  std::string entry = std::string("\x0a\x01u", 3) + "\x12" + std::string(1, static_cast<char>(feature.size())) + feature;
  std::string features = "\x0a" + std::string(1, static_cast<char>(entry.size())) + entry;
  bytes += "\x0a" + std::string(1, static_cast<char>(features.size())) + features;  // a second Features merges

  auto view = ExampleView::Parse(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  const FeatureValues* x = view->Find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->kind(), FeatureKind::kFloat);
  std::vector<float> xs(2);
  ASSERT_TRUE(x->DecodeFloats(absl::MakeSpan(xs)).ok());
  EXPECT_THAT(xs, ElementsAre(3.0f, 4.0f));
  std::vector<int64_t> ys(3);
  ASSERT_TRUE(view->Find("y")->DecodeInt64s(absl::MakeSpan(ys)).ok());
  EXPECT_THAT(ys, ElementsAre(5, 6, 7));
  std::vector<std::string> ss(1);
  ASSERT_TRUE(view->Find("s")->DecodeBytes(absl::MakeSpan(ss)).ok());
  EXPECT_EQ(ss[0], "hello");
  const FeatureValues* u = view->Find("u");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(*u->Count(), 2);
  std::vector<float> us(2);
  ASSERT_TRUE(u->DecodeFloats(absl::MakeSpan(us)).ok());
  EXPECT_THAT(us, ElementsAre(1.0f, 2.0f));
  EXPECT_EQ(view->Find("missing"), nullptr);
  // Wrong output sizes are refused rather than overrun.
  std::vector<float> small(1);
  EXPECT_FALSE(x->DecodeFloats(absl::MakeSpan(small)).ok());
}

// An empty packed list ("\x0a\x00" inside the FloatList / Int64List) is a list of no values, decoded into an
// empty output (found by the fuzzer: the copy of zero floats got an empty span's null data()).
TEST(ExampleTest, EmptyPackedListsDecodeToNothing) {
  auto entry = [](const std::string& name, char list_field) {
    const std::string list = std::string("\x0a\x00", 2);  // field 1, length-delimited, 0 bytes
    const std::string feature = std::string(1, list_field) + std::string(1, static_cast<char>(list.size())) + list;
    const std::string body = "\x0a" + std::string(1, static_cast<char>(name.size())) + name + "\x12" +
                             std::string(1, static_cast<char>(feature.size())) + feature;
    return "\x0a" + std::string(1, static_cast<char>(body.size())) + body;
  };
  const std::string features = entry("f", '\x12') + entry("i", '\x1a');  // float_list = 2, int64_list = 3
  const std::string bytes = "\x0a" + std::string(1, static_cast<char>(features.size())) + features;
  auto view = ExampleView::Parse(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  const FeatureValues* f = view->Find("f");
  const FeatureValues* i = view->Find("i");
  ASSERT_NE(f, nullptr);
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(*f->Count(), 0);
  EXPECT_EQ(*i->Count(), 0);
  std::vector<float> floats;
  std::vector<int64_t> ints;
  EXPECT_TRUE(f->DecodeFloats(absl::MakeSpan(floats)).ok());
  EXPECT_TRUE(i->DecodeInt64s(absl::MakeSpan(ints)).ok());
  std::vector<float> one(1);
  EXPECT_FALSE(f->DecodeFloats(absl::MakeSpan(one)).ok());  // shorter than its output
}

TEST(ExampleTest, LastDuplicateKeyWins) {
  std::string a = ExampleBuilder().AddInt64s("k", std::vector<int64_t>{1}).Serialize();
  std::string b = ExampleBuilder().AddInt64s("k", std::vector<int64_t>{2, 3}).Serialize();
  const std::string both = a + b;  // the view refers into these bytes
  auto view = ExampleView::Parse(both);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->features().size(), 1u);
  EXPECT_EQ(*view->Find("k")->Count(), 2);
  tensorflow::Example proto;
  ASSERT_TRUE(proto.ParseFromString(a + b));
  EXPECT_EQ(proto.features().feature().at("k").int64_list().value_size(), 2);
}

TEST(ExampleTest, MalformedInputIsAnErrorNeverACrash) {
  std::string good = ExampleBuilder()
                         .AddFloats("x", std::vector<float>(50, 1.0f))
                         .AddInt64s("y", std::vector<int64_t>{3})
                         .Serialize();
  EXPECT_FALSE(ExampleView::Parse("\x0a\x05\x0a").ok());
  std::mt19937 rng(11);
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string m = good.substr(0, rng() % (good.size() + 1));
    for (int k = 0; k < 2 && !m.empty(); ++k) m[rng() % m.size()] = static_cast<char>(rng());
    auto view = ExampleView::Parse(m);
    if (!view.ok()) continue;
    ++parsed;
    for (const auto& [name, values] : view->features()) {
      auto count = values.Count();
      if (!count.ok() || *count > 1000) continue;
      std::vector<float> f(*count);
      std::vector<int64_t> n(*count);
      std::vector<std::string> s(*count);
      (void)values.DecodeFloats(absl::MakeSpan(f));
      (void)values.DecodeInt64s(absl::MakeSpan(n));
      (void)values.DecodeBytes(absl::MakeSpan(s));
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace tb::runtime::data
