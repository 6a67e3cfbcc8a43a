#include "storage/blob_uri.h"

#include "gtest/gtest.h"

namespace tb::storage {
namespace {

TEST(BlobUriTest, ParsesGcsUris) {
  auto u = ParseBlobUri("gs://fcp-dev-m-0/pop/1/0/s/0/checkpoint");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->scheme, Scheme::kGcs);
  EXPECT_EQ(u->bucket, "fcp-dev-m-0");
  EXPECT_EQ(u->object, "pop/1/0/s/0/checkpoint");
  EXPECT_EQ(u->ToString(), "gs://fcp-dev-m-0/pop/1/0/s/0/checkpoint");
}

TEST(BlobUriTest, RejectsWhatTheOriginalAcceptedByMistake) {
  // behavior.md §12.26: empty bucket and empty object names.
  auto empty_bucket = ParseBlobUri("gs:///obj");
  ASSERT_FALSE(empty_bucket.ok());
  EXPECT_NE(empty_bucket.status().message().find("bucket name is empty"), std::string::npos);
  auto empty_object = ParseBlobUri("gs://bucket/");
  ASSERT_FALSE(empty_object.ok());
  EXPECT_NE(empty_object.status().message().find("object name is empty"), std::string::npos);
  EXPECT_FALSE(ParseBlobUri("gs://bucket").ok());
  EXPECT_TRUE(ParseBlobUri("gs://bucket", {.allow_bucket_only = true}).ok());
}

TEST(BlobUriTest, AppliesGcsNamingRules) {
  EXPECT_FALSE(ParseBlobUri("gs://Upper/x").ok());
  EXPECT_FALSE(ParseBlobUri("gs://ab/x").ok());
  EXPECT_FALSE(ParseBlobUri("gs://-bucket/x").ok());
  EXPECT_FALSE(ParseBlobUri("gs://bucket_/x").ok());
  EXPECT_FALSE(ParseBlobUri("gs://a..b/x").ok());
  EXPECT_FALSE(ParseBlobUri("gs://bucket/a\nb").ok());
  EXPECT_FALSE(ParseBlobUri("gs://bucket/..").ok());
  EXPECT_FALSE(ParseBlobUri("gs://bucket/" + std::string(1025, 'a')).ok());
  EXPECT_TRUE(ParseBlobUri("gs://my_bucket.example.com/dir/file name.pb").ok());
  auto bad = ParseBlobUri("gs://Upper/x");
  EXPECT_EQ(bad.status().message(),
            "invalid storage URI 'gs://Upper/x': bucket name 'Upper' may contain only lowercase letters, digits, "
            "'-', '_' and '.'");
}

TEST(BlobUriTest, ParsesLocalPathsAndFileUris) {
  auto plain = ParseBlobUri("/tmp/x/model");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->scheme, Scheme::kLocal);
  EXPECT_EQ(plain->path, "/tmp/x/model");
  auto relative = ParseBlobUri("models/a");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->path, "models/a");
  auto file = ParseBlobUri("file:///var/artifacts/p/1/0/s/0/checkpoint");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->path, "/var/artifacts/p/1/0/s/0/checkpoint");
  EXPECT_EQ(ParseBlobUri("file://localhost/a")->path, "/a");
  EXPECT_FALSE(ParseBlobUri("file://otherhost/a").ok());
  EXPECT_FALSE(ParseBlobUri("file://relative").ok());
}

TEST(BlobUriTest, RejectsUnknownSchemesEmptyAndNul) {
  auto s3 = ParseBlobUri("s3://bucket/key");
  ASSERT_FALSE(s3.ok());
  EXPECT_NE(s3.status().message().find("unsupported scheme"), std::string::npos);
  EXPECT_FALSE(ParseBlobUri("https://example.com/x").ok());
  EXPECT_FALSE(ParseBlobUri("").ok());
  EXPECT_FALSE(ParseBlobUri(std::string("a\0b", 3)).ok());
}

TEST(BlobUriTest, CompatParserKeepsTheOriginalTexts) {
  // behavior.md §8.1 and the io_utils tests.
  auto empty = ParseGcsUriCompat("");
  EXPECT_EQ(empty.status().message(), "Cannot build artifacts because createTask returns invalid URLs: empty URI.");
  auto local = ParseGcsUriCompat("/path/not/found");
  EXPECT_EQ(local.status().message(),
            "Cannot build artifacts because createTask returns invalid URLs: /path/not/found");
  EXPECT_FALSE(ParseGcsUriCompat("gs://bucket").ok());
  auto bucket_only = ParseGcsUriCompat("gs://bucket", /*allow_empty_blob=*/true);
  ASSERT_TRUE(bucket_only.ok());
  EXPECT_EQ(bucket_only->bucket, "bucket");
  EXPECT_EQ(bucket_only->name, "");
  auto odd = ParseGcsUriCompat("gs:///obj");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->bucket, "");
  EXPECT_EQ(odd->name, "obj");
  EXPECT_FALSE(ParseGcsUriCompat("GS://bucket/x").ok());
}

}  // namespace
}  // namespace tb::storage
