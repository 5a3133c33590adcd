// `fetch` against a local HTTP server serving archives built here with libarchive:
// download + checksum + unpack into the official layout, checksum mismatch, unsafe
// archives, weights, and the CLI. Never touches the network.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "data/fixtures.h"
#include "data/http_server.h"
#include "faultbench/data/dataset.h"
#include "faultbench/data/fetch.h"
#include "faultbench/data/transfer.h"
#include "faultbench/error.h"
#include "test_support.h"

namespace fb = faultbench;
namespace fs = std::filesystem;
using fb::testing::LocalHttpServer;
using fb::testing::write_bytes;

namespace {

struct Entry {
  std::string name, content;
  bool symlink = false;
};

// format: "tar.gz" or "zip".
void make_archive(const fs::path& file, const std::string& format, const std::vector<Entry>& entries) {
  fs::create_directories(file.parent_path());
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), &archive_write_free);
  if (format == "zip") {
    archive_write_set_format_zip(a.get());
  } else {
    archive_write_set_format_pax_restricted(a.get());
    archive_write_add_filter_gzip(a.get());
  }
  ASSERT_EQ(archive_write_open_filename(a.get(), file.c_str()), ARCHIVE_OK);
  for (const auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    if (e.symlink) {
      archive_entry_set_filetype(en, AE_IFLNK);
      archive_entry_set_symlink(en, e.content.c_str());
      archive_entry_set_size(en, 0);
    } else {
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_size(en, la_int64_t(e.content.size()));
    }
    archive_entry_set_perm(en, 0644);
    archive_write_header(a.get(), en);
    if (!e.symlink) archive_write_data(a.get(), e.content.data(), e.content.size());
    archive_entry_free(en);
  }
  archive_write_close(a.get());
}

// A CIFAR-10 test file of 10,000 records: label i % 10, pixels a pattern of i.
std::string cifar10_bytes(int bad_label_record = -1) {
  std::string s;
  s.reserve(10000 * 3073);
  for (int i = 0; i < 10000; ++i) {
    s.push_back(char(i == bad_label_record ? 10 : i % 10));
    for (int k = 0; k < 3072; ++k) s.push_back(char((i + k / 97) & 0xff));
  }
  return s;
}

std::vector<std::string> leftovers(const fs::path& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  return out;
}

std::vector<fb::RemoteFile> with_local_md5(std::vector<fb::RemoteFile> files, const fs::path& served) {
  for (auto& f : files) f.digest = fb::file_digest(served / f.file_name, "md5");
  return files;
}

const fb::FetchLog quiet = [](const std::string&) {};

}  // namespace

TEST(Fetch, DigestsOfKnownContent) {
  auto dir = fb::testing::make_temp_dir("digest");
  write_bytes(dir / "abc", "abc");
  EXPECT_EQ(fb::file_digest(dir / "abc", "md5"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(fb::file_digest(dir / "abc", "sha256"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_NO_THROW(fb::verify_digest(dir / "abc", "md5", "900150983CD24FB0D6963F7D28E17F72"));
  EXPECT_THROW(fb::verify_digest(dir / "abc", "md5", "00000000000000000000000000000000"), fb::FormatError);
  fs::remove_all(dir);
}

TEST(Fetch, OfficialUrlsAndMirror) {
  auto c10 = fb::dataset_archives("cifar10");
  ASSERT_EQ(c10.size(), 1u);
  EXPECT_EQ(c10[0].url, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
  EXPECT_EQ(c10[0].digest, "c32a1d4ab5d03f1284b67883e8d87530");
  EXPECT_EQ(fb::dataset_archives("cifar100")[0].digest, "03b5dce01913d631647c71ecec9e9cb8");
  auto g = fb::dataset_archives("gtsrb", "http://m.example/x/");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].url, "http://m.example/x/GTSRB_Final_Test_Images.zip");
  EXPECT_EQ(g[1].digest, "fe31e9c9270bbcd7b84b7f21a9d9d9e5");
  // The ResNet .th files are plain blobs (raw host); the .pt/.pth files Git LFS objects (media host).
  auto w = fb::weights_file("resnet20", "cifar10");
  EXPECT_EQ(w.url,
            "https://raw.githubusercontent.com/cad-polito-it/dnn-benchmarks/main/"
            "torch/gpu/image_classification/CIFAR10/fp32/resnet/ResNet20.th");
  EXPECT_EQ(fb::weights_file("vgg11_bn", "gtsrb").url,
            "https://media.githubusercontent.com/media/cad-polito-it/dnn-benchmarks/main/"
            "torch/gpu/image_classification/GTSRB/fp32/vgg/Vgg11_bn_GTSRB.pt");
  EXPECT_EQ(fb::weights_file("vgg11_bn", "gtsrb", "http://h").url,
            "http://h/torch/gpu/image_classification/GTSRB/fp32/vgg/Vgg11_bn_GTSRB.pt");
  EXPECT_EQ(fb::weights_file("resnet18", "cifar100").file_name, "ResNet18_CIFAR100.pth");
  EXPECT_THROW(fb::weights_file("resnet18", "cifar10"), fb::UsageError);
  EXPECT_THROW(fb::dataset_archives("mnist"), fb::UsageError);
}

TEST(Fetch, Cifar10DownloadVerifyUnpack) {
  auto root = fb::testing::make_temp_dir("fetch-c10");
  const fs::path served = root / "www", data = root / "data";
  make_archive(served / "cifar-10-binary.tar.gz", "tar.gz",
               {{"cifar-10-batches-bin/test_batch.bin", cifar10_bytes()},
                {"cifar-10-batches-bin/batches.meta.txt", "airplane\n"}});
  LocalHttpServer server(served);
  auto files = with_local_md5(fb::dataset_archives("cifar10", server.base_url()), served);
  EXPECT_EQ(files[0].url, server.base_url() + "/cifar-10-binary.tar.gz");
  fb::fetch_dataset("cifar10", data, files, false, quiet);
  auto set = fb::load_test_set("cifar10", data);
  ASSERT_EQ(set.size(), 10000);
  EXPECT_EQ(set.labels[1234], 4);
  EXPECT_EQ(leftovers(data), std::vector<std::string>{"cifar-10-batches-bin"});
  // Present: not downloaded again.
  const int before = server.requests();
  fb::fetch_dataset("cifar10", data, files, false, quiet);
  EXPECT_EQ(server.requests(), before);
  fs::remove_all(root);
}

TEST(Fetch, ChecksumMismatchLeavesNothing) {
  auto root = fb::testing::make_temp_dir("fetch-bad");
  const fs::path served = root / "www", data = root / "data";
  make_archive(served / "cifar-100-binary.tar.gz", "tar.gz", {{"cifar-100-binary/test.bin", "tiny"}});
  LocalHttpServer server(served);
  // The official md5 cannot match the archive built here.
  try {
    fb::fetch_dataset("cifar100", data, fb::dataset_archives("cifar100", server.base_url()), false, quiet);
    ADD_FAILURE() << "no error";
  } catch (const fb::FormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cifar-100-binary.tar.gz"), std::string::npos) << m;
    EXPECT_NE(m.find("md5 checksum mismatch"), std::string::npos) << m;
  }
  EXPECT_TRUE(leftovers(data).empty());
  EXPECT_FALSE(fs::exists(data));  // not even the data folder it made
  // Right checksum, but the content is not a complete test set (4 bytes, not 10,000 records).
  auto files = with_local_md5(fb::dataset_archives("cifar100", server.base_url()), served);
  try {
    fb::fetch_dataset("cifar100", data, files, false, quiet);
    ADD_FAILURE() << "no error";
  } catch (const fb::FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(leftovers(data).empty());
  // Missing file on the server: HTTP 404.
  auto missing = files;
  missing[0].url = server.base_url() + "/nothing.tar.gz";
  EXPECT_THROW(fb::fetch_dataset("cifar100", data, missing, false, quiet), fb::IoError);
  EXPECT_TRUE(leftovers(data).empty());
  fs::remove_all(root);
}

TEST(Fetch, GtsrbTwoZips) {
  auto root = fb::testing::make_temp_dir("fetch-gtsrb");
  const fs::path served = root / "www", data = root / "data", scratch = root / "scratch";
  std::mt19937 rng(1);
  std::vector<Entry> images;
  std::string csv = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n";
  for (int i = 0; i < 3; ++i) {
    const int w = 20 + 30 * i, h = 60 - 10 * i;
    char name[16];
    std::snprintf(name, sizeof name, "%05d.ppm", i);
    fb::testing::write_ppm(scratch / name, w, h, fb::testing::random_image(w, h, rng));
    std::ifstream in(scratch / name, std::ios::binary);
    images.push_back(
        {std::string("GTSRB/Final_Test/Images/") + name, std::string(std::istreambuf_iterator<char>(in), {})});
    csv += std::string(name) + ";" + std::to_string(w) + ";" + std::to_string(h) + ";1;1;5;5;" +
           std::to_string(40 + i) + "\r\n";
  }
  images.push_back({"GTSRB/Readme-Images-Final-test.txt", "readme"});
  make_archive(served / "GTSRB_Final_Test_Images.zip", "zip", images);
  make_archive(served / "GTSRB_Final_Test_GT.zip", "zip", {{"GT-final_test.csv", csv}});
  LocalHttpServer server(served);
  fb::fetch_dataset("gtsrb", data, with_local_md5(fb::dataset_archives("gtsrb", server.base_url()), served), false,
                    quiet);
  auto set = fb::load_test_set("gtsrb", data);
  ASSERT_EQ(set.size(), 3);
  EXPECT_EQ(set.labels, (std::vector<int>{40, 41, 42}));
  EXPECT_TRUE(fs::is_regular_file(data / "GT-final_test.csv"));
  EXPECT_FALSE(fs::exists(data / "GTSRB" / "Readme-Images-Final-test.txt"));
  fs::remove_all(root);
}

TEST(Fetch, UnsafeArchivesRejected) {
  auto root = fb::testing::make_temp_dir("unsafe");
  const std::vector<std::pair<Entry, std::string>> cases = {
      {{"../evil.txt", "x"}, "'..'"},
      {{"a/../../evil.txt", "x"}, "'..'"},
      {{"/tmp/evil.txt", "x"}, "absolute"},
      {{"link", "/etc/passwd", true}, "only regular files"},
  };
  int i = 0;
  for (const auto& [entry, needle] : cases) {
    const fs::path file = root / ("a" + std::to_string(i++) + ".tar.gz");
    make_archive(file, "tar.gz", {{"ok.txt", "fine"}, entry});
    try {
      fb::extract_archive(file, root / "out");
      ADD_FAILURE() << "accepted " << entry.name;
    } catch (const fb::FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(file.filename().string()), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(root / "evil.txt"));
  write_bytes(root / "junk.tar.gz", "this is not an archive");
  EXPECT_THROW(fb::extract_archive(root / "junk.tar.gz", root / "out2"), fb::FormatError);
  // Size cap.
  make_archive(root / "big.tar.gz", "tar.gz", {{"big.bin", std::string(100000, 'z')}});
  EXPECT_THROW(fb::extract_archive(root / "big.tar.gz", root / "out3", 50000), fb::FormatError);
  fs::remove_all(root);
}

TEST(Fetch, WeightsFromMirror) {
  auto root = fb::testing::make_temp_dir("fetch-w");
  const fs::path served = root / "www", data = root / "data";
  const std::string rel = "torch/gpu/image_classification/CIFAR10/fp32/resnet/";
  LocalHttpServer server(served);
  // No published digest (a file of the caller's own): downloaded as is.
  write_bytes(served / rel / "ResNet56.th", "checkpoint bytes");
  const fb::RemoteFile own{"ResNet56.th", server.base_url() + "/" + rel + "ResNet56.th", "sha256", ""};
  auto path = fb::fetch_weights(own, "cifar10", data, false, quiet);
  EXPECT_EQ(path, data / "weights" / "cifar10" / "ResNet56.th");
  EXPECT_EQ(fb::file_digest(path, "sha256"), fb::file_digest(served / rel / "ResNet56.th", "sha256"));
  // Known digest (ResNet20) and wrong content: rejected, nothing left behind.
  write_bytes(served / rel / "ResNet20.th", "not the published checkpoint");
  EXPECT_THROW(
      fb::fetch_weights(fb::weights_file("resnet20", "cifar10", server.base_url()), "cifar10", data, false, quiet),
      fb::FormatError);
  EXPECT_EQ(leftovers(data / "weights" / "cifar10"), std::vector<std::string>{"ResNet56.th"});
  // A Git LFS pointer instead of the object.
  write_bytes(served / "torch/gpu/image_classification/CIFAR10/fp32/mobilenet/MobileNetV2.pt",
              "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n");
  EXPECT_THROW(
      fb::fetch_weights(fb::weights_file("mobilenetv2", "cifar10", server.base_url()), "cifar10", data, false, quiet),
      fb::FormatError);
  // The published file itself, when the reference data is here.
  if (auto ref = fb::testing::reference_data_dir()) {
    fs::copy_file(*ref / "weights" / "cifar10" / "ResNet20.th", served / rel / "ResNet20.th",
                  fs::copy_options::overwrite_existing);
    auto p =
        fb::fetch_weights(fb::weights_file("resnet20", "cifar10", server.base_url()), "cifar10", data, false, quiet);
    EXPECT_TRUE(fs::is_regular_file(p));
  }
  fs::remove_all(root);
}

TEST(Fetch, CliChecksumMismatchExitsNonZero) {
  const fs::path cli = fb::testing::cli_path();
  if (!fs::exists(cli)) GTEST_SKIP() << "faultbench CLI not built";
  auto root = fb::testing::make_temp_dir("fetch-cli");
  const fs::path served = root / "www", data = root / "data";
  make_archive(served / "cifar-10-binary.tar.gz", "tar.gz", {{"cifar-10-batches-bin/test_batch.bin", "x"}});
  LocalHttpServer server(served);
  const std::string cmd = "FAULTBENCH_MIRROR=" + server.base_url() + " " + cli.string() +
                          " fetch --dataset cifar10 --data-dir " + data.string() + " 2> " + (root / "err.txt").string();
  const int rc = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 1) << rc;
  std::ifstream in(root / "err.txt");
  const std::string err(std::istreambuf_iterator<char>(in), {});
  EXPECT_NE(err.find("md5 checksum mismatch"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(data / "cifar-10-batches-bin"));
  fs::remove_all(root);
}
