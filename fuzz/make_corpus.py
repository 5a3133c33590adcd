#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets: fuzz/corpus/<target>/ (a few KB each).

Run with Debian's python3-torch:  /usr/bin/python3 fuzz/make_corpus.py
Everything is generated here (tiny tensors with fixed seeds, hand-written CSV rows, PPM
images, journal records), nothing is copied from the reference data. Inputs that the
readers must reject (a pickle calling os.system, a bad label, a wrong magic) are seeds
too: they lead the fuzzer into the error paths. torch.save's legacy storage keys are not
deterministic, so a rerun rewrites the torch_legacy seeds with other (equivalent) bytes.
"""
import collections
import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import zipfile

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- checkpoints -------------------------------------------------------------------------
def tiny_dict(seed):
    g = torch.Generator().manual_seed(seed)
    d = collections.OrderedDict()
    d["conv1.weight"] = torch.randn(2, 3, 1, 1, generator=g)
    d["bn1.running_mean"] = torch.randn(2, generator=g, dtype=torch.float64)
    d["bn1.num_batches_tracked"] = torch.tensor(3, dtype=torch.int64)
    base = torch.randn(3, 4, generator=g)
    d["linear.weight"] = base.t()                      # non-contiguous view
    d["linear.bias"] = base.view(-1)[2:5]              # offset view sharing the storage
    d["half"] = torch.randn(2, generator=g).half()
    d["bf16"] = torch.randn(2, generator=g).bfloat16()
    return d


def resnet20_partial():
    # Right keys and shapes for two layers of ResNet20 (load_state_dict then reports the rest).
    g = torch.Generator().manual_seed(7)
    return collections.OrderedDict(
        [("module.conv1.weight", torch.randn(16, 3, 3, 3, generator=g) * 0.01),
         ("module.linear.bias", torch.zeros(10))])


def save(obj, legacy):
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
    return buf.getvalue()


for legacy, target, ext in ((True, "torch_legacy", "th"), (False, "torch_zip", "pt")):
    put(target, f"plain.{ext}", save(tiny_dict(1), legacy))
    put(target, f"wrapped.{ext}", save({"best_prec1": 91.5, "state_dict": tiny_dict(2)}, legacy))
    put(target, f"net.{ext}", save({"epoch": 3, "net": resnet20_partial()}, legacy))
    put(target, f"scalar.{ext}", save({"x": torch.tensor(1.5)}, legacy))


# Structured zip seeds (see fuzz_torch_zip.cpp): 'Z' + data.pkl, then #FB# + data/<i>.
def structured(zip_bytes):
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        names = z.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl")][0]
        prefix = pkl[: -len("data.pkl")]
        keys = sorted((n[len(prefix) + 5:] for n in names if n.startswith(prefix + "data/")), key=int)
        out = b"Z" + z.read(pkl)
        for i, k in enumerate(keys):
            assert k == str(i), keys
            out += b"#FB#" + z.read(prefix + "data/" + k)
        return out


put("torch_zip", "plain_structured.bin", structured(save(tiny_dict(5), False)))
put("torch_zip", "net_structured.bin", structured(save({"net": resnet20_partial()}, False)))

# The pickles alone: data.pkl of the zip files, plain Python objects of every protocol,
# and a hostile one (GLOBAL os.system + REDUCE) that the unpickler must refuse.
for name in ("plain", "wrapped"):
    with zipfile.ZipFile(io.BytesIO(save(tiny_dict(3) if name == "plain" else
                                         {"state_dict": tiny_dict(4)}, False))) as z:
        pkl = [n for n in z.namelist() if n.endswith("data.pkl")][0]
        put("pickle", f"torch_{name}.pkl", z.read(pkl))
objs = {
    "dict": {"a": 1, "b": [1.5, -2, None, True], "c": ("x", b"\x00\xff"), "big": 1 << 70, "neg": -(1 << 40)},
    "ordered": collections.OrderedDict([("k", 1), ("k2", (1, 2, 3))]),
    "shared": (lambda l: {"x": l, "y": l})([1, 2]),
    "long_str": {"s": "x" * 300, "u": "\u00e9\u4e2d"},
}
for proto in (2, 4, 5):
    for name, o in objs.items():
        put("pickle", f"{name}_p{proto}.pkl", pickle.dumps(o, protocol=proto))
put("pickle", "evil_os_system.pkl", b"\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.")

# ---- safetensors -------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad_header=True):
    header, blobs, off = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad_header:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


f32 = lambda *v: struct.pack(f"<{len(v)}f", *v)
put("safetensors", "plain.safetensors", safetensors({
    "conv1.weight": ("F32", [2, 1, 1, 1], f32(0.5, -1.0)),
    "bn1.num_batches_tracked": ("I64", [], struct.pack("<q", 0)),
    "h": ("F16", [2], b"\x00\x3c\x00\xc0"),
    "b": ("BF16", [1], b"\x80\x3f"),
    "d": ("F64", [1], struct.pack("<d", 2.0))}, {"format": "pt", "model": "resnet20"}))
put("safetensors", "resnet20_part.safetensors", safetensors({
    "conv1.weight": ("F32", [16, 3, 3, 3], f32(*([0.01] * 432))),
    "linear.bias": ("F32", [10], f32(*([0.0] * 10)))}))
put("safetensors", "empty.safetensors", safetensors({}, {}))
put("safetensors", "scalar.safetensors", safetensors({"x": ("F32", [], f32(1.0)), "z": ("F32", [0], b"")}))

# ---- hostile shapes: memory amplification, duplicates (each seed < 16 KB, fuzz.sh's -max_len)
def ustr(b):
    return b"X" + struct.pack("<I", len(b)) + b


def pid_tuple(key, numel=1):
    return (b"(" + ustr(b"storage") + b"ctorch\nFloatStorage\n" + ustr(key) + ustr(b"cpu") + b"J" +
            struct.pack("<i", numel) + b"t")


def rebuild(storage, offset, shape):
    stride, acc = [], 1
    for d in reversed(shape):
        stride.insert(0, acc)
        acc *= d
    tup = lambda v: b"(" + b"".join(b"J" + struct.pack("<i", x) for x in v) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + storage + b"J" + struct.pack("<i", offset) + tup(shape) +
            tup(stride) + b"\x89" + b"ccollections\nOrderedDict\n)R" + b"tR")


MEMO_PID = b"\x80\x02" + pid_tuple(b"k" * 4096) + b"q\x01" + b"0](" + b"h\x01Q0" * 2500 + b"e."
MEMO_DICT = b"\x80\x02" + ustr(b"k" * 4096) + b"q\x02" + b"0](" + b"}h\x02Ns" * 2000 + b"e."
put("pickle", "memo_storage_key.pkl", MEMO_PID)
put("pickle", "memo_dict_key.pkl", MEMO_DICT)
put("pickle", "memo_dup.pkl", b"\x80\x02]q\x00(" + b"h\x00" * 3000 + b"e" + b"2" * 3000 + b"." )
put("pickle", "many_objects.pkl", b"\x80\x02]" + b"Na" * 7000 + b".")
put("pickle", "nested_marks.pkl", b"\x80\x02" + b"(" * 5000 + b"N" + b"t" * 4999 + b".")
put("pickle", "nested_lists.pkl", b"\x80\x02" + b"]" * 3000 + b"a" * 2999 + b".")
put("pickle", "huge_lengths.pkl", b"\x80\x02X\xff\xff\xff\xffabc")
put("pickle", "long_string.pkl", b"\x80\x02" + ustr(b"s" * 12000) + b".")


def zip_raw(entries):
    """entries: (name, data, deflate); stored or deflated, with correct CRCs."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, deflate in entries:
            z.writestr(zipfile.ZipInfo(name), data, zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)
    return buf.getvalue()


def resnet20_views(storage_numel):
    """conv1.weight and linear.bias of ResNet20 as views of one memoized storage '0'."""
    p = b"\x80\x02}(" + ustr(b"conv1.weight") + rebuild(pid_tuple(b"0", storage_numel) + b"Qq\x01", 0, [16, 3, 3, 3])
    return p + ustr(b"linear.bias") + rebuild(b"h\x01", 432, [10]) + b"u."


# A storage declared 8 MiB, deflated to ~8 KB; the tensors view its first 1.7 KB.
put("torch_zip", "storage_bomb.pt", zip_raw([("archive/data.pkl", resnet20_views(1 << 21), True),
                                             ("archive/byteorder", b"little", False),
                                             ("archive/data/0", b"\0" * (8 << 20), True)]))
# The storage declares 442 elements, its entry holds 8 MiB.
put("torch_zip", "storage_size_lie.pt", zip_raw([("archive/data.pkl", resnet20_views(442), True),
                                                 ("archive/data/0", b"\0" * (8 << 20), True)]))
put("torch_zip", "pickle_bomb.pt", zip_raw([("archive/data.pkl", b"\0" * (8 << 20), True)]))
put("torch_zip", "memo_pickle.pt", zip_raw([("archive/data.pkl", MEMO_PID, True)]))
dup = zip_raw([("archive/data.pkl", b"\x80\x02}.", False), ("archive/data.pkX", b"\x80\x02cos\nsystem\n.", False)])
put("torch_zip", "duplicate_entry.pt", dup.replace(b"archive/data.pkX", b"archive/data.pkl"))
# zip64 end records declaring a billion entries.
z = zip_raw([("archive/data.pkl", b"\x80\x02}.", False)])
eocd = z[-22:]
cd_size, cd_at = struct.unpack("<II", eocd[12:20])
body = z[:-22]
z64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 10**9, 10**9, cd_size, cd_at)
loc = struct.pack("<IIQI", 0x07064B50, 0, len(body), 1)
put("torch_zip", "entry_count.pt", body + z64 + loc + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF,
                                                                  cd_size, cd_at, 0))
put("torch_zip", "memo_structured.bin", b"Z" + MEMO_PID)
put("torch_zip", "views_structured.bin", b"Z" + resnet20_views(442) + b"#FB#" + b"\0" * 1768)

LEGACY_HEAD = (b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19." + b"\x80\x02M\xe9\x03." + b"\x80\x02}.")
put("torch_legacy", "memo_storage_key.th", LEGACY_HEAD + MEMO_PID + b"\x80\x02](" + ustr(b"0") + b"e.")
put("torch_legacy", "huge_numel.th", LEGACY_HEAD + resnet20_views(442) + b"\x80\x02](" + ustr(b"0") + b"e." +
    struct.pack("<q", 1 << 62))
put("torch_legacy", "views.th", LEGACY_HEAD + resnet20_views(442) + b"\x80\x02](" + ustr(b"0") + b"e." +
    struct.pack("<q", 442) + b"\0" * 1768)


def st_raw(header, data=b""):
    return struct.pack("<Q", len(header)) + header + data


put("safetensors", "deep.safetensors", st_raw(b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}"))
put("safetensors", "deep_dtype.safetensors",
    st_raw(b'{"a":{"dtype":' + b"[" * 3000 + b"]" * 3000 + b',"shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
put("safetensors", "empty_arrays.safetensors", st_raw(b'{"a":[' + b"[]," * 4000 + b"[]]}"))
put("safetensors", "duplicate_name.safetensors",
    st_raw(b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
           b"\0" * 8))
put("safetensors", "duplicate_key.safetensors",
    st_raw(b'{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', b"\0" * 4))
put("safetensors", "long_name.safetensors", st_raw(b'{"' + b"n" * 2000 + b'":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'))
put("safetensors", "many_tensors.safetensors", st_raw(b"{" + b",".join(
    b'"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}' % i for i in range(200)) + b"}"))
put("safetensors", "metadata_dup.safetensors", st_raw(b'{"__metadata__":{"k":"v","k":"w"}}'))

# ---- fault lists -------------------------------------------------------------------------
put("faultlist_torch", "resnet20.csv",
    "Injection,Layer,TensorIndex,Bit\n"
    '0,conv1,"(3, 0, 2, 1)",15\n1,conv1,"(7, 0, 2, 0)",5\n2,layer1.0.conv1,"(15, 15, 2, 2)",30\n'
    '3,layer3.2.conv2,"(63, 0, 1, 1)",31\n4,linear,"(9, 63)",0\n')
put("faultlist_torch", "resnet20_results.csv",
    "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\r\n"
    '0,conv1,"(3, 0, 2, 1)",15,10000,14,9985,1\r\n\r\n7,linear,"(0, 0)",30,10000,0,929,9071\r\n')
put("faultlist_torch", "mobilenetv2_models.csv",
    "Injection,Layer,TensorIndex,Bit,FaultModel\n"
    '0,layers.0.conv2,"(31, 0, 2, 2)",30,stuck-at-1\n1,conv2,"(1279, 319, 0, 0)",3,stuck-at-0\n'
    '2,linear,"(9, 1279)",31,bitflip\n')
put("faultlist_torch", "errors.csv",
    "Injection,Layer,TensorIndex,Bit\n"
    '0,conv9,"(0, 0, 0, 0)",1\n1,conv1,"(16, 0, 0, 0)",32\n1,conv1,"(0, 0)",1\n2,conv1,(0,0,0,0),1\n')
put("faultlist_keras", "resnet20_tf.csv",
    "Injection,Layer,TensorIndex,Bit\n"
    '0,conv2d,"(2, 1, 0, 3)",15\n1,conv2d,"(2, 0, 0, 7)",5\n2,conv2d_5,"(0, 0, 15, 31)",30\n'
    '3,dense,"(63, 9)",12\n')
put("faultlist_keras", "mobilenetv2_tf.csv",
    "Injection,Layer,TensorIndex,Bit\n"
    '0,conv2d_2,"(2, 2, 0, 31)",30\n1,conv2d_52,"(0, 0, 319, 1279)",7\n2,dense,"(1279, 9)",31\n')
put("faultlist_keras", "errors_tf.csv",
    "Injection,Layer,TensorIndex,Bit\n0,dense_1,\"(0, 0)\",1\n1,conv2d,\"(3, 3, 3, 16)\",-1\n")

# ---- CIFAR binary (first byte: mode, see fuzz_cifar.cpp) ---------------------------------
def cifar_record(label_bytes, seed):
    pix = bytes((i * seed + 11) & 0xFF for i in range(3072))
    return bytes(label_bytes) + pix


put("cifar", "cifar10_1.bin", bytes([0b00010]) + bytes([7]) + cifar_record(0, 3)[0:3072])
put("cifar", "cifar10_2_keep1.bin", bytes([0b10100]) + bytes([9]) + cifar_record(0, 5) + bytes([0]) + cifar_record(0, 6))
put("cifar", "cifar100_1.bin", bytes([0b00011]) + bytes([19, 99]) + cifar_record(0, 9))
put("cifar", "cifar10_badlabel.bin", bytes([0b00010]) + bytes([10]) + cifar_record(0, 2))
put("cifar", "cifar10_truncated.bin", bytes([0b00010]) + bytes([1]) + cifar_record(0, 2)[:100])
put("cifar", "empty.bin", bytes([0]))

# ---- PPM ---------------------------------------------------------------------------------
def ppm(w, h, header=None):
    head = header or f"P6\n{w} {h}\n255\n"
    return head.encode() + bytes((i * 29) & 0xFF for i in range(w * h * 3))


put("ppm", "2x3.ppm", ppm(2, 3))
put("ppm", "31x27.ppm", ppm(31, 27))
put("ppm", "60x1.ppm", ppm(60, 1))
put("ppm", "comment.ppm", ppm(4, 4, "P6 # a comment\n4\t4 # more\n255 "))
put("ppm", "maxval.ppm", ppm(1, 1, "P6\n1 1\n65535\n"))
put("ppm", "p3.ppm", b"P3\n1 1\n255\n1 2 3\n")

# ---- GTSRB ground truth (images 00000..00002 exist, see fuzz_gtsrb_csv.cpp) ---------------
HEAD = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n"
put("gtsrb_csv", "three.csv", HEAD + "00000.ppm;2;3;0;0;1;2;16\n00001.ppm;16;16;5;5;10;10;1\n00002.ppm;60;40;5;6;50;35;42\n")
put("gtsrb_csv", "crlf.csv", HEAD.replace("\n", "\r\n") + "00001.ppm;16;16;5;5;10;10;0\r\n")
put("gtsrb_csv", "minimal.csv", "ClassId;Filename\n3;00002.ppm\n")
put("gtsrb_csv", "errors.csv", HEAD + "00000.ppm;9;9;0;0;1;2;16\n../x.ppm;1;1;0;0;1;1;43\n")
# Regression seed: a Filename longer than NAME_MAX made std::filesystem throw its own
# exception type instead of a FormatError (fixed in src/data/gtsrb.cpp).
put("gtsrb_csv", "long_filename.csv", "ClassId;Filename\n3;" + "x" * 300 + ".ppm\n")

# ---- campaign journal (first byte: 1 = harness rewrites checksums, see fuzz_journal.cpp) --
def record(rtype, payload):
    framed = struct.pack("<IB", len(payload), rtype) + payload
    return framed + hashlib.sha256(framed).digest()[:8]


def batch(entries):
    p = struct.pack("<I", len(entries))
    for pos, m, nc, c, due, top1 in entries:
        p += struct.pack("<Qqqqqq", pos, m, nc, c, due, top1)
    return record(2, p)


binding = {"model": "resnet20", "dataset": "cifar10", "weights_sha256": "ab" * 32,
           "data_sha256": "cd" * 32, "images": 10, "faults_sha256": "ef" * 32, "faults": 4,
           "fault_model": "as-listed"}
head = b"FBJRNL01" + record(1, json.dumps(binding).encode())
b1 = batch([(0, 10, 0, 0, 0, 8), (2, 1, 5, 4, 1, 6)])
b2 = batch([(1, 0, 0, 10, 10, 0)])
for mode in (0, 1):
    put("journal", f"complete_m{mode}.jrnl", bytes([mode]) + head + b1 + b2)
    put("journal", f"torn_m{mode}.jrnl", bytes([mode]) + head + b1 + b2[:-5])
put("journal", "header_only.jrnl", b"\x00" + head)
put("journal", "magic_prefix.jrnl", b"\x00FBJR")
put("journal", "bad_counts.jrnl", b"\x01" + head + batch([(3, 9, 9, 9, 0, 0)]))
# Regression seed: counts near INT64_MAX whose sum overflowed int64 in parse_journal (UBSan
# finding of fuzz_journal, fixed in src/campaign/journal.cpp).
big = (1 << 63) - 1
huge = dict(binding, images=big, faults=1)
put("journal", "overflow_counts.jrnl", b"\x00FBJRNL01" + record(1, json.dumps(huge).encode()) +
    batch([(0, big, big, big, 0, 0)]))

# Hostile journals: a batch of 0 faults (never written, refused), a header nested deep.
put("journal", "empty_batch.jrnl", b"\x01" + head + record(2, struct.pack("<I", 0)))
put("journal", "deep_header.jrnl", b"\x01FBJRNL01" + record(1, b"[" * 4000 + b"]" * 4000))

# ---- result tables (faultbench compare) ----------------------------------------------------
put("results_csv", "ours.csv",
    "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct\n"
    '0,conv1,"(3, 0, 2, 1)",15,10,1,8,1,0,8\n1,linear,"(0, 0)",30,10,0,0,10,10,0\n')
put("results_csv", "oracle.csv", "Injection,masked,non_critical,critical\n0,14,9985,1\n1,26,9973,1\n2,0,929,9071\n")
put("results_csv", "published.csv",
    "Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical\r\n"
    '0,conv1,"(3, 0, 2, 1)",15,10000,14,9985,1\r\n1,conv1,"(7, 0, 2, 0)",5,10000,26,9973,1\r\n')
put("results_csv", "reordered.csv", "critical,Injection,non_critical,masked,extra\n5,3,1,0,x\n0,1,0,6,y\n")
# Regression seed: totals overflowing int64 in compare_results (UBSan; fixed in compare.cpp).
put("results_csv", "overflow_totals.csv", "Injection,masked,non_critical,critical\n"
    "0,9000000000000000000,0,9000000000000000000\n1,9000000000000000000,0,9000000000000000000\n")


# ---- ONNX models (fuzz_onnx.cpp: model.onnx beside a 4096-byte w.bin) ----------------------
def onnx_seeds():
    from onnx import TensorProto, helper, numpy_helper
    import numpy as np

    rng = np.random.default_rng(0)

    def model(nodes, inits, opset=13, side=4):
        g = helper.make_graph(nodes, "seed", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, side, side])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)]).SerializeToString()

    def w(name, *shape):
        return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name)

    head = [helper.make_node("Conv", ["x", "c.weight", "c.bias"], ["c"], name="conv", kernel_shape=[3, 3],
                             pads=[1, 1, 1, 1]),
            helper.make_node("BatchNormalization", ["c", "bn.weight", "bn.bias", "bn.mean", "bn.var"], ["b"], name="bn"),
            helper.make_node("Relu", ["b"], ["r"], name="relu")]
    inits = [w("c.weight", 2, 2, 3, 3), w("c.bias", 2), w("bn.weight", 2), w("bn.bias", 2), w("bn.mean", 2),
             numpy_helper.from_array(np.ones(2, np.float32), "bn.var"), w("fc.weight", 3, 2), w("fc.bias", 3)]
    tail = [helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
            helper.make_node("Flatten", ["p"], ["f"], name="flat"),
            helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1)]
    put("onnx", "conv_bn_gemm.onnx", model(head + tail, inits))
    # Shape arithmetic to fold (as F.pad emits), a Slice + Pad, a constant Mul and a Clip.
    folded = [helper.make_node("Shape", ["r"], ["s"], name="shape"),
              helper.make_node("Gather", ["s", "one"], ["g"], name="gather", axis=0),
              helper.make_node("Sub", ["g", "one"], ["d"], name="sub"),
              helper.make_node("Concat", ["zeros", "d", "zeros"], ["pads"], name="concat", axis=0),
              helper.make_node("Slice", ["r", "st", "en", "ax", "sp"], ["sl"], name="slice"),
              helper.make_node("Pad", ["sl", "pads8"], ["pd"], name="pad"),
              helper.make_node("Mul", ["pd", "scale"], ["m"], name="mul"),
              helper.make_node("Clip", ["m", "lo", "hi"], ["r2"], name="clip")]
    ints = lambda name, v: numpy_helper.from_array(np.array(v, np.int64), name)
    extra = [ints("one", [1]), ints("zeros", [0, 0]), ints("st", [0, 0]), ints("en", [99, 99]), ints("ax", [2, 3]),
             ints("sp", [2, 2]), ints("pads8", [0, 1, 0, 0, 0, 1, 0, 0]),
             numpy_helper.from_array(np.full((1, 4, 1, 1), 0.5, np.float32), "scale"),
             numpy_helper.from_array(np.array(0, np.float32), "lo"), numpy_helper.from_array(np.array(6, np.float32), "hi")]
    tail2 = [helper.make_node("GlobalAveragePool", ["r2"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("MatMul", ["f", "mm"], ["y"], name="mm")]
    put("onnx", "folding_slice_pad.onnx", model(head + folded + tail2, inits + extra + [w("mm", 4, 3)], opset=11))
    # External data inside the folder (w.bin) and outside it.
    ext = w("c.weight", 2, 2, 3, 3)
    ext.ClearField("raw_data")
    ext.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "w.bin"), ("offset", "0"), ("length", "144")):
        e = ext.external_data.add()
        e.key, e.value = k, v
    put("onnx", "external.onnx", model(head + tail, [ext] + inits[1:]))
    put("onnx", "truncated.onnx", model(head + tail, inits)[:300])


onnx_seeds()
# ---- npy dataset (byte 0: max_images mode, bytes 1-2: length of images.npy, see fuzz_npy.cpp)
def npy_file(array, version=None):
    import numpy as np
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


def npy_seed(mode, images, labels):
    return bytes([mode]) + struct.pack("<H", len(images)) + images + labels


def npy_seeds():
    import numpy as np
    imgs = (np.arange(2 * 3 * 2 * 2, dtype=np.float32) / 7).reshape(2, 3, 2, 2)
    put("npy", "good_i64.bin", npy_seed(0, npy_file(imgs), npy_file(np.array([1, 0], dtype=np.int64))))
    put("npy", "good_i32_first1.bin", npy_seed(2, npy_file(imgs, (2, 0)), npy_file(np.array([3, 2], dtype=np.int32))))
    put("npy", "v3_labels_short.bin", npy_seed(1, npy_file(imgs, (3, 0)), npy_file(np.array([1], dtype=np.int64))))
    put("npy", "fortran.bin", npy_seed(0, npy_file(np.asfortranarray(imgs)), npy_file(np.array([1, 0]))))
    put("npy", "big_endian.bin", npy_seed(0, npy_file(imgs.astype(">f4")), npy_file(np.array([1, 0]))))
    nan = imgs.copy()
    nan[1, 2, 1, 1] = np.nan
    put("npy", "nan.bin", npy_seed(0, npy_file(nan), npy_file(np.array([1, 0]))))


npy_seeds()
