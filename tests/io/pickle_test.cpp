// The safe unpickler on hand-made pickles: what a state dict needs works, the rest is
// refused with a FormatError naming the source and byte offset, and nothing is executed.
#include "io/pickle.h"

#include <gtest/gtest.h>

#include "io_test_util.h"

namespace faultbench::io {
namespace {

using faultbench::testing::expect_format_error;
using namespace std::string_literals;

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

int run(Unpickler& up) { return up.run(); }

TEST(Pickle, ReadsDictOfScalars) {
  // {'a': 1, 'b': -2.5, 'c': 'x', 'd': True, 'e': None, 'f': 70000, 'g': -1 (LONG1)}
  const std::string p =
      "\x80\x02}q\x00("
      "X\x01\x00\x00\x00"
      "a"
      "K\x01"
      "X\x01\x00\x00\x00"
      "b"
      "G\xc0\x04\x00\x00\x00\x00\x00\x00"
      "X\x01\x00\x00\x00"
      "c"
      "X\x01\x00\x00\x00"
      "x"
      "X\x01\x00\x00\x00"
      "d"
      "\x88"
      "X\x01\x00\x00\x00"
      "e"
      "N"
      "X\x01\x00\x00\x00"
      "f"
      "J\x70\x11\x01\x00"
      "X\x01\x00\x00\x00"
      "g"
      "\x8a\x01\xff"
      "u."s;
  Unpickler up(bytes(p), "t.pkl");
  int root = run(up);
  ASSERT_EQ(up.obj(root).kind, PyKind::Dict);
  EXPECT_EQ(up.obj(*up.dict_get(root, "a")).i, 1);
  EXPECT_EQ(up.obj(*up.dict_get(root, "b")).f, -2.5);
  EXPECT_EQ(up.obj(*up.dict_get(root, "c")).s, "x");
  EXPECT_EQ(up.obj(*up.dict_get(root, "d")).kind, PyKind::Bool);
  EXPECT_EQ(up.obj(*up.dict_get(root, "e")).kind, PyKind::None);
  EXPECT_EQ(up.obj(*up.dict_get(root, "f")).i, 70000);
  EXPECT_EQ(up.obj(*up.dict_get(root, "g")).i, -1);
  EXPECT_FALSE(up.dict_get(root, "zz"));
  EXPECT_EQ(up.consumed(), p.size());
}

TEST(Pickle, RefusesGlobalOutsideWhitelist) {
  const std::string p(
      "\x80\x02"
      "cos\nsystem\n"
      "X\x02\x00\x00\x00ls\x85R.",
      23);
  Unpickler up(bytes(p), "evil.pt");
  expect_format_error([&] { run(up); }, {"evil.pt", "pickle offset 2", "global 'os.system' is not allowed"});
}

TEST(Pickle, RefusesStackGlobalOutsideWhitelist) {
  const std::string p(
      "\x80\x04\x8c\x08"
      "builtins"
      "\x8c\x04"
      "eval"
      "\x93.",
      20);
  Unpickler up(bytes(p), "evil.pt", 100);
  expect_format_error([&] { run(up); }, {"evil.pt", "pickle offset 118", "'builtins.eval'"});
}

TEST(Pickle, RefusesReduceOfStorageClassAndBuildOnNonDict) {
  const std::string p1(
      "\x80\x02"
      "ctorch\nFloatStorage\n"
      ")R.",
      25);
  Unpickler up1(bytes(p1), "a.pt");
  expect_format_error([&] { run(up1); }, {"a.pt", "calling 'torch.FloatStorage' is not allowed"});
  const std::string p2("\x80\x02]}b.", 6);
  Unpickler up2(bytes(p2), "b.pt");
  expect_format_error([&] { run(up2); }, {"b.pt", "BUILD on a list"});
}

TEST(Pickle, HugeDeclaredLengthsDoNotAllocate) {
  // BINUNICODE with length 0xffffffff, BINBYTES8 with 2^63, LONG4 of 2^31 bytes.
  for (const std::string& p : {"\x80\x02X\xff\xff\xff\xff"
                               "abc"s,
                               "\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x80"
                               "abc"s,
                               "\x80\x02\x8b\x00\x00\x00\x80"
                               "abc"s}) {
    Unpickler up(bytes(p), "huge.pt");
    expect_format_error([&] { run(up); }, {"huge.pt", "pickle offset 2"});
  }
}

TEST(Pickle, MalformedStreams) {
  struct Case {
    std::string bytes, message;
  };
  const Case cases[] = {
      {"\x80\x02"s, "truncated"},
      {"\x80\x02}"s, "truncated"},
      {"\x80\x02s."s, "stack underflow"},
      {"\x80\x02h\x05."s, "memo key 5 not defined"},
      {"\x80\x02(K\x01."s, "STOP inside a MARK"},
      {"\x80\x02K\x01K\x02."s, "STOP with 2 objects"},
      {"\x80\x02K\x01K\x02"
       "a."s,
       "APPEND to a int"},
      {"\x80\x02I01\n."s, "opcode 0x49 is not supported"},
      {"\x80\x09N."s, "unsupported pickle protocol 9"},
      {"\x80\x02"
       "cos\nsys"s,
       "unterminated"},
      {"\x80\x02}(K\x01"
       "u."s,
       "odd number"},
      {"\x80\x02"
       "ctorch._utils\n_rebuild_tensor_v2\n"
       "(K\x01K\x02"
       "tR."s,
       "unexpected argument count"},
  };
  for (const Case& c : cases) {
    Unpickler up(bytes(c.bytes), "bad.pkl");
    expect_format_error([&] { run(up); }, {"bad.pkl", c.message});
  }
}

TEST(Pickle, ManyMarksAreBounded) {
  std::string p("\x80\x02", 2);
  p.append(Unpickler::kMaxMarks + 10, '(');
  Unpickler up(bytes(p), "marks.pkl");
  expect_format_error([&] { run(up); }, {"marks.pkl", "too many nested MARKs"});
}

TEST(Pickle, SelfReferencingListIsHarmless) {
  // l = []; l.append(l): a cycle through the memo; arena objects make it free to destroy.
  const std::string p =
      "\x80\x02]q\x00h\x00"
      "a."s;
  Unpickler up(bytes(p), "cycle.pkl");
  int root = run(up);
  ASSERT_EQ(up.obj(root).items.size(), 1u);
  EXPECT_EQ(up.obj(root).items[0], root);
}

TEST(Pickle, PersistentIdBecomesStorageAndTensor) {
  // _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 6), 1, (2, 2), (3, 1), False, OrderedDict())
  const std::string p =
      "\x80\x02"
      "ctorch._utils\n_rebuild_tensor_v2\n"
      "("
      "("
      "X\x07\x00\x00\x00"
      "storage"
      "ctorch\nFloatStorage\n"
      "X\x01\x00\x00\x00"
      "0"
      "X\x03\x00\x00\x00"
      "cpu"
      "K\x06"
      "tQ"
      "K\x01"
      "K\x02K\x02\x86"
      "K\x03K\x01\x86"
      "\x89"
      "ccollections\nOrderedDict\n)R"
      "tR."s;
  Unpickler up(bytes(p), "t.pkl");
  int root = run(up);
  ASSERT_EQ(up.obj(root).kind, PyKind::Tensor);
  const TensorRef& t = up.tensors().at(size_t(up.obj(root).i));
  EXPECT_EQ(t.offset, 1);
  EXPECT_EQ(t.size, (Shape{2, 2}));
  EXPECT_EQ(t.stride, (Shape{3, 1}));
  const StorageRef& s = up.storages().at(size_t(t.storage));
  EXPECT_EQ(s.key, "0");
  EXPECT_EQ(s.dtype.name, "float32");
  EXPECT_EQ(s.root_numel, 6);
}

TEST(Pickle, PersistentIdMustNameAStorageClass) {
  const std::string p =
      "\x80\x02("
      "X\x07\x00\x00\x00"
      "storage"
      "ccollections\nOrderedDict\n"
      "X\x01\x00\x00\x00"
      "0"
      "X\x03\x00\x00\x00"
      "cpu"
      "K\x06"
      "tQ."s;
  Unpickler up(bytes(p), "pid.pkl");
  expect_format_error([&] { run(up); }, {"pid.pkl", "not a storage type"});
}

}  // namespace
}  // namespace faultbench::io
