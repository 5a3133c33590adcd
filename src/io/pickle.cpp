// Safe unpickler, the opcode machine: see pickle.h (the torch-specific globals, persistent
// ids and REDUCE targets are in pickle_torch.cpp). Opcode reference: CPython Lib/pickletools.py.
#include "pickle.h"

#include <cstring>

#include <fmt/format.h>

#include "faultbench/error.h"

namespace faultbench::io {

Unpickler::Unpickler(std::span<const uint8_t> data, std::string source, uint64_t base_offset, PickleBudget* budget)
    : data_(data), source_(std::move(source)), base_(base_offset), budget_(budget ? budget : &own_budget_) {}

void Unpickler::fail(const std::string& what) const {
  throw FormatError(fmt::format("{}: pickle offset {}: {}", source_, base_ + op_pos_, what));
}

void Unpickler::charge(uint64_t bytes) {
  if (!budget_->charge(bytes))
    fail(fmt::format("the pickle's objects need more than {} MB of memory (the unpickler's limit)",
                     budget_->limit() >> 20));
}

const uint8_t* Unpickler::take(size_t n) {
  if (n > data_.size() - pos_) {
    ran_out_ = true;
    if (cut_limit_)
      fail(fmt::format("the pickles are longer than {} MB (the limit for a state dict)", cut_limit_ >> 20));
    fail(fmt::format("truncated: {} bytes needed, {} left", n, data_.size() - pos_));
  }
  const uint8_t* p = data_.data() + pos_;
  pos_ += n;
  return p;
}

uint64_t Unpickler::read_uint(size_t n) {
  const uint8_t* p = take(n);
  uint64_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= uint64_t(p[k]) << (8 * k);
  return v;
}

std::string Unpickler::read_line() {
  constexpr size_t kMaxLine = 256;  // module and attribute names are short
  for (size_t k = pos_; k < data_.size() && k - pos_ <= kMaxLine; ++k) {
    if (data_[k] == '\n') {
      std::string s(reinterpret_cast<const char*>(data_.data() + pos_), k - pos_);
      pos_ = k + 1;
      return s;
    }
  }
  fail("unterminated or overlong text line");
}

const char* Unpickler::kind_name(PyKind kind) {
  switch (kind) {
    case PyKind::None: return "None";
    case PyKind::Bool: return "bool";
    case PyKind::Int: return "int";
    case PyKind::BigInt: return "int";
    case PyKind::Float: return "float";
    case PyKind::Str: return "str";
    case PyKind::Bytes: return "bytes";
    case PyKind::Tuple: return "tuple";
    case PyKind::List: return "list";
    case PyKind::Dict: return "dict";
    case PyKind::Global: return "global";
    case PyKind::Storage: return "storage";
    case PyKind::Tensor: return "tensor";
  }
  return "?";
}

int Unpickler::make(PyObject o) {
  // The object, its string and its slots; the index into objects_ must fit an int.
  if (objects_.size() >= size_t(INT32_MAX)) fail("too many objects");
  charge(sizeof(PyObject) + o.s.size() + 2 * sizeof(int) * o.items.size());
  objects_.push_back(std::move(o));
  return int(objects_.size() - 1);
}

int Unpickler::make_int(int64_t v) {
  PyObject o;
  o.kind = PyKind::Int;
  o.i = v;
  return make(std::move(o));
}

int Unpickler::make_str(PyKind kind, size_t len) {
  PyObject o;
  o.kind = kind;
  const uint8_t* p = take(len);  // checks len against the bytes left before allocating
  o.s.assign(reinterpret_cast<const char*>(p), len);
  return make(std::move(o));
}

void Unpickler::push(int id) {
  if (stack_.size() >= kMaxStack) fail(fmt::format("stack deeper than {} objects (the unpickler's limit)", kMaxStack));
  stack_.push_back(id);
}

int Unpickler::pop() {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) fail("stack underflow");
  int id = stack_.back();
  stack_.pop_back();
  return id;
}

int Unpickler::top() const {
  size_t floor = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= floor) fail("stack underflow");
  return stack_.back();
}

std::vector<int> Unpickler::pop_mark() {
  if (marks_.empty()) fail("no MARK on the stack");
  size_t m = marks_.back();
  marks_.pop_back();
  std::vector<int> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
  stack_.resize(m);
  return items;
}

const PyObject& Unpickler::expect(int id, PyKind kind, const char* what) const {
  const PyObject& o = objects_[size_t(id)];
  if (o.kind != kind) fail(fmt::format("{}: expected {}, found {}", what, kind_name(kind), kind_name(o.kind)));
  return o;
}

int64_t Unpickler::expect_int(int id, const char* what) const {
  const PyObject& o = objects_[size_t(id)];
  if (o.kind != PyKind::Int && o.kind != PyKind::Bool)
    fail(fmt::format("{}: expected int, found {}", what, kind_name(o.kind)));
  return o.i;
}

Shape Unpickler::expect_int_tuple(int id, const char* what) const {
  const PyObject& t = expect(id, PyKind::Tuple, what);
  if (t.items.size() > kMaxRank) fail(fmt::format("{}: rank {} exceeds {}", what, t.items.size(), kMaxRank));
  Shape s;
  for (int e : t.items) s.push_back(expect_int(e, what));
  return s;
}

std::optional<int> Unpickler::dict_get(int dict, const std::string& key) const {
  const PyObject& d = objects_.at(size_t(dict));
  if (d.kind != PyKind::Dict || !d.str_index) return std::nullopt;
  auto it = d.str_index->find(key);
  if (it == d.str_index->end()) return std::nullopt;
  return d.items[it->second + 1];
}

void Unpickler::set_item(int dict, int key, int value) {
  PyObject& d = objects_[size_t(dict)];
  if (d.kind != PyKind::Dict) fail(fmt::format("SETITEM on a {}", kind_name(d.kind)));
  const PyObject& k = objects_[size_t(key)];
  if (k.kind == PyKind::Str) {
    if (!d.str_index) d.str_index = std::make_unique<std::unordered_map<std::string, size_t>>();
    auto it = d.str_index->find(k.s);
    if (it != d.str_index->end()) {  // Python semantics: a repeated key keeps its place, takes the new value
      d.items[it->second + 1] = value;
      return;
    }
    charge(k.s.size() + 64);  // the index holds a copy of the key (and a hash node)
    d.str_index->emplace(k.s, d.items.size());
  }
  charge(4 * sizeof(int));
  d.items.push_back(key);
  d.items.push_back(value);
}

int Unpickler::run() {
  for (;;) {
    op_pos_ = pos_;
    const uint8_t op = *take(1);
    switch (op) {
      case 0x80: {  // PROTO
        uint8_t proto = *take(1);
        if (proto < 2 || proto > 5) fail(fmt::format("unsupported pickle protocol {}", proto));
        break;
      }
      case 0x95: take(8); break;  // FRAME: a size hint only
      case '.': {                 // STOP
        if (!marks_.empty()) fail("STOP inside a MARK");
        if (stack_.size() != 1) fail(fmt::format("STOP with {} objects on the stack", stack_.size()));
        return stack_.back();
      }
      case '(':
        if (marks_.size() >= kMaxMarks) fail(fmt::format("too many nested MARKs (the limit is {})", kMaxMarks));
        marks_.push_back(stack_.size());
        break;
      case '0': pop(); break;        // POP
      case '1': pop_mark(); break;   // POP_MARK
      case '2': push(top()); break;  // DUP
      case 'N': push(make(PyObject{})); break;
      case 0x88:
      case 0x89: {  // NEWTRUE / NEWFALSE
        PyObject o;
        o.kind = PyKind::Bool;
        o.i = op == 0x88;
        push(make(std::move(o)));
        break;
      }
      case 'K': push(make_int(int64_t(read_uint(1)))); break;                     // BININT1
      case 'M': push(make_int(int64_t(read_uint(2)))); break;                     // BININT2
      case 'J': push(make_int(int64_t(int32_t(uint32_t(read_uint(4)))))); break;  // BININT
      case 0x8a:                                                                  // LONG1
      case 0x8b: {                                                                // LONG4
        uint64_t n = read_uint(op == 0x8a ? 1 : 4);
        if (n > 64) fail(fmt::format("integer of {} bytes is too long", n));
        const uint8_t* p = take(size_t(n));
        if (n <= 8) {
          uint64_t v = 0;
          for (size_t k = 0; k < n; ++k) v |= uint64_t(p[k]) << (8 * k);
          if (n > 0 && n < 8 && (p[n - 1] & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
          push(make_int(int64_t(v)));
        } else {
          PyObject o;
          o.kind = PyKind::BigInt;
          o.s.assign(reinterpret_cast<const char*>(p), size_t(n));
          push(make(std::move(o)));
        }
        break;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        const uint8_t* p = take(8);
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
        PyObject o;
        o.kind = PyKind::Float;
        std::memcpy(&o.f, &bits, sizeof bits);
        push(make(std::move(o)));
        break;
      }
      case 'X': push(make_str(PyKind::Str, size_t(read_uint(4)))); break;   // BINUNICODE
      case 0x8c: push(make_str(PyKind::Str, size_t(read_uint(1)))); break;  // SHORT_BINUNICODE
      case 0x8d: push(make_str(PyKind::Str, size_t(std::min<uint64_t>(read_uint(8), SIZE_MAX)))); break;
      case 'T': push(make_str(PyKind::Str, size_t(read_uint(4)))); break;    // BINSTRING (py2 str)
      case 'U': push(make_str(PyKind::Str, size_t(read_uint(1)))); break;    // SHORT_BINSTRING
      case 'B': push(make_str(PyKind::Bytes, size_t(read_uint(4)))); break;  // BINBYTES
      case 'C': push(make_str(PyKind::Bytes, size_t(read_uint(1)))); break;  // SHORT_BINBYTES
      case 0x8e: push(make_str(PyKind::Bytes, size_t(std::min<uint64_t>(read_uint(8), SIZE_MAX)))); break;
      case ')': {  // EMPTY_TUPLE
        PyObject o;
        o.kind = PyKind::Tuple;
        push(make(std::move(o)));
        break;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        PyObject o;
        o.kind = PyKind::Tuple;
        o.items.resize(size_t(op - 0x84));
        for (size_t k = o.items.size(); k-- > 0;) o.items[k] = pop();
        push(make(std::move(o)));
        break;
      }
      case 't': {  // TUPLE
        PyObject o;
        o.kind = PyKind::Tuple;
        o.items = pop_mark();
        push(make(std::move(o)));
        break;
      }
      case ']':
      case 'l': {  // EMPTY_LIST / LIST
        PyObject o;
        o.kind = PyKind::List;
        if (op == 'l') o.items = pop_mark();
        push(make(std::move(o)));
        break;
      }
      case 'a': {  // APPEND
        int v = pop();
        PyObject& l = objects_[size_t(top())];
        if (l.kind != PyKind::List) fail(fmt::format("APPEND to a {}", kind_name(l.kind)));
        charge(2 * sizeof(int));
        l.items.push_back(v);
        break;
      }
      case 'e': {  // APPENDS
        std::vector<int> vs = pop_mark();
        PyObject& l = objects_[size_t(top())];
        if (l.kind != PyKind::List) fail(fmt::format("APPENDS to a {}", kind_name(l.kind)));
        charge(2 * sizeof(int) * vs.size());
        l.items.insert(l.items.end(), vs.begin(), vs.end());
        break;
      }
      case '}':
      case 'd': {  // EMPTY_DICT / DICT
        PyObject o;
        o.kind = PyKind::Dict;
        int d = make(std::move(o));
        if (op == 'd') {
          std::vector<int> kv = pop_mark();
          if (kv.size() % 2) fail("DICT with an odd number of items");
          for (size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1]);
        }
        push(d);
        break;
      }
      case 's': {  // SETITEM
        int v = pop();
        int k = pop();
        set_item(top(), k, v);
        break;
      }
      case 'u': {  // SETITEMS
        std::vector<int> kv = pop_mark();
        if (kv.size() % 2) fail("SETITEMS with an odd number of items");
        int d = top();
        for (size_t k = 0; k < kv.size(); k += 2) set_item(d, kv[k], kv[k + 1]);
        break;
      }
      case 'q':
      case 'r':
      case 0x94: {  // BINPUT / LONG_BINPUT / MEMOIZE
        uint32_t idx = op == 'q' ? uint32_t(read_uint(1)) : op == 'r' ? uint32_t(read_uint(4)) : uint32_t(memo_.size());
        auto [it, inserted] = memo_.try_emplace(idx, top());
        if (!inserted) {
          it->second = top();
          break;
        }
        if (memo_.size() > kMaxMemo) fail(fmt::format("memo larger than {} entries (the unpickler's limit)", kMaxMemo));
        charge(64);  // a hash node
        break;
      }
      case 'h':
      case 'j': {  // BINGET / LONG_BINGET
        uint32_t idx = uint32_t(read_uint(op == 'h' ? 1 : 4));
        auto it = memo_.find(idx);
        if (it == memo_.end()) fail(fmt::format("memo key {} not defined", idx));
        push(it->second);
        break;
      }
      case 'c': {  // GLOBAL "module\nname\n"
        std::string module = read_line();
        std::string name = read_line();
        push(make_global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        int name = pop();
        int module = pop();
        push(make_global(expect(module, PyKind::Str, "STACK_GLOBAL module").s,
                         expect(name, PyKind::Str, "STACK_GLOBAL name").s));
        break;
      }
      case 'R': {  // REDUCE
        int args = pop();
        int fn = pop();
        push(reduce(fn, args));
        break;
      }
      case 0x81: {  // NEWOBJ: cls.__new__(cls, *args); only OrderedDict
        int args = pop();
        int cls = pop();
        const PyObject& c = objects_[size_t(cls)];
        if (c.kind != PyKind::Global || c.global != GlobalId::OrderedDict)
          fail(fmt::format("NEWOBJ of '{}' is not allowed", c.kind == PyKind::Global ? c.global_name : "non-class"));
        push(reduce(cls, args));
        break;
      }
      case 'b': {  // BUILD: only an OrderedDict's __dict__ (state_dict()._metadata), ignored
        int state = pop();
        const PyObject& o = objects_[size_t(top())];
        const PyKind sk = objects_[size_t(state)].kind;
        if (o.kind != PyKind::Dict || (sk != PyKind::Dict && sk != PyKind::None && sk != PyKind::Tuple))
          fail(fmt::format("BUILD on a {} is not allowed", kind_name(o.kind)));
        break;
      }
      case 'Q': {  // BINPERSID
        int pid = pop();
        push(persistent_load(pid));
        break;
      }
      default: fail(fmt::format("opcode 0x{:02x} is not supported in a state dict", op));
    }
  }
}

}  // namespace faultbench::io
