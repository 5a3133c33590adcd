// Rows of docs/ROBUSTNESS.md: Own models and data (issue 20): ONNX files and the npy dataset.
#pragma once
#include "cli_cases_common.h"

namespace faultbench::robustness {

inline std::vector<CliCase> cli_cases_own_models() {
  using namespace detail;
  return {
      // ---- ONNX models (every verb imports --model PATH.onnx the same way; models shows it) ----
      {"onnx-missing", "onnx", "ONNX model file does not exist", [](const fs::path&) {}, {"models", "m.onnx"}, 1},
      {"onnx-not-protobuf",
       "onnx",
       "not an ONNX model (a text file named .onnx)",
       [](const fs::path& d) { write_bytes(d / "m.onnx", "hello, this is not a model\n"); },
       {"models", "m.onnx"},
       1},
      {"onnx-truncated",
       "onnx",
       "ONNX model cut at half its size",
       [](const fs::path& d) {
         const std::string b = onnx_files::bytes_of(onnx_files::tiny_model());
         write_bytes(d / "m.onnx", b.substr(0, b.size() / 2));
       },
       {"models", "m.onnx"},
       1},
      {"onnx-huge-dims",
       "onnx",
       "an initializer declaring 2^60 elements, holding 4 bytes",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx::TensorProto* t = m.mutable_graph()->mutable_initializer(0);
         t->clear_dims();
         t->clear_float_data();
         for (int k = 0; k < 3; ++k) t->add_dims(int64_t(1) << 20);
         t->set_raw_data(std::string(4, '\0'));
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-cycle",
       "onnx",
       "a cycle: Relu reads the output of the Flatten after it",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::node_named(m, "/Relu")->set_input(0, "f");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-missing-initializer",
       "onnx",
       "Conv's weight names no initializer",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         m.mutable_graph()->mutable_initializer()->DeleteSubrange(0, 1);
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-used-before-defined",
       "onnx",
       "nodes out of order: Relu before the Conv whose output it reads",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         m.mutable_graph()->mutable_node()->SwapElements(0, 1);
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-external-outside",
       "onnx",
       "external data at ../w.bin (outside the model's folder)",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::externalize_conv_weight(m, "../w.bin");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-external-link",
       "onnx",
       "external data through a symbolic link to a file outside the folder",
       [](const fs::path& d) {
         fs::create_directories(d / "model");
         write_bytes(d / "outside.bin", std::string(4 * 108, '\0'));
         fs::create_symlink("../outside.bin", d / "model" / "w.bin");
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::externalize_conv_weight(m, "w.bin");
         onnx_files::write_model(d / "model" / "m.onnx", m);
       },
       {"models", "model/m.onnx"},
       1},
      {"onnx-unsupported-op",
       "onnx",
       "an op faultbench does not support (Erf)",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::node_named(m, "/Relu")->set_op_type("Erf");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-unsupported-attribute",
       "onnx",
       "Gemm with transA = 1",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::add_int(onnx_files::node_named(m, "/fc/Gemm"), "transA", 1);
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-input-mismatch",
       "onnx",
       "eval of an 8x8-input ONNX model on CIFAR-10 (32x32)",
       [](const fs::path& d) {
         cifar_data(d);
         onnx_files::write_model(d / "m.onnx", onnx_files::tiny_model());
       },
       {"eval", "--model", "m.onnx", "--dataset", "cifar10", "--data-dir", "data", "--images", "2", "--threads", "1"},
       1},
      // ---- npy dataset (--dataset npy --data-dir DIR: DIR/images.npy, DIR/labels.npy) ----
      {"npy-not-npy", "npy", "images.npy is not a .npy file (a text file)",
       npy_data([](const fs::path& d) { write_bytes(d / "images.npy", "x,y\n1,2\n"); }), kEvalNpy, 1},
      {"npy-version", "npy", "images.npy of format version 9.0", npy_data([](const fs::path& d) {
         std::string b = npy_bytes(kNpyImages, npy_floats(2 * 3072));
         b[6] = 9;
         write_bytes(d / "images.npy", b);
       }),
       kEvalNpy, 1},
      {"npy-header-huge", "npy", "a header length of 4 GB (version 2.0)", npy_data([](const fs::path& d) {
         std::string b = npy_bytes(kNpyImages, npy_floats(2 * 3072), 2);
         for (int i = 8; i < 12; ++i) b[size_t(i)] = char(0xff);
         write_bytes(d / "images.npy", b);
       }),
       kEvalNpy, 1},
      {"npy-header-syntax", "npy", "a header dict with an unknown key", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy",
                     npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 32, 32), 'x': 1}",
                               npy_floats(2 * 3072)));
       }),
       kEvalNpy, 1},
      {"npy-truncated", "npy", "images.npy cut in the middle of its data", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy", npy_bytes(kNpyImages, npy_floats(2 * 3072)).substr(0, 5000));
       }),
       kEvalNpy, 1},
      {"npy-shape-overflow", "npy", "a shape whose product overflows 64 bits", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy",
                     npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776, "
                               "1099511627776, 1099511627776), }",
                               ""));
       }),
       kEvalNpy, 1},
      {"npy-fortran", "npy", "images saved in Fortran order", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 32, 32), }",
                                                 npy_floats(2 * 3072)));
       }),
       kEvalNpy, 1},
      {"npy-float64", "npy", "images of float64", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 32, 32), }",
                                                 npy_floats(4 * 3072)));
       }),
       kEvalNpy, 1},
      {"npy-images-rank", "npy", "images of shape [2, 3072] (not N, C, H, W)", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy",
                     npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3072), }", npy_floats(2 * 3072)));
       }),
       kEvalNpy, 1},
      {"npy-nan", "npy", "an image holding NaN", npy_data([](const fs::path& d) {
         std::string data = npy_floats(2 * 3072);
         const float nan = std::numeric_limits<float>::quiet_NaN();
         std::memcpy(data.data() + 4 * 4000, &nan, 4);
         write_bytes(d / "images.npy", npy_bytes(kNpyImages, data));
       }),
       kEvalNpy, 1},
      {"npy-model-shape", "npy", "images of 28x28 for a model taking 32x32", npy_data([](const fs::path& d) {
         write_bytes(d / "images.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 28, 28), }",
                                                 npy_floats(2 * 3 * 28 * 28)));
       }),
       kEvalNpy, 1},
      {"npy-labels-count", "npy", "3 labels for 2 images", npy_data([](const fs::path& d) {
         write_bytes(d / "labels.npy",
                     npy_bytes("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", npy_int64s({1, 2, 3})));
       }),
       kEvalNpy, 1},
      {"npy-labels-float", "npy", "labels of float32", npy_data([](const fs::path& d) {
         write_bytes(d / "labels.npy",
                     npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", npy_floats(2)));
       }),
       kEvalNpy, 1},
      {"npy-label-negative", "npy", "a label of -1", npy_data([](const fs::path& d) {
         write_bytes(d / "labels.npy", npy_bytes(kNpyLabels, npy_int64s({3, -1})));
       }),
       kEvalNpy, 1},
      {"npy-label-classes", "npy", "a label of 10 for a model of 10 classes", npy_data([](const fs::path& d) {
         write_bytes(d / "labels.npy", npy_bytes(kNpyLabels, npy_int64s({10, 1})));
       }),
       kEvalNpy, 1},
      {"npy-labels-missing", "npy", "labels.npy missing",
       npy_data([](const fs::path& d) { fs::remove(d / "labels.npy"); }), kEvalNpy, 1},
      {"npy-folder", "npy", "images.npy is a folder", npy_data([](const fs::path& d) {
         fs::remove(d / "images.npy");
         fs::create_directories(d / "images.npy");
       }),
       kEvalNpy, 1},
      {"npy-zoo-ambiguous", "npy", "--dataset npy with resnet20 (in the zoo for cifar10 and gtsrb)", npy_data(),
       with(kEvalNpy, "--model", "resnet20"), 2},
      {"npy-logits-over-images", "output", "eval --logits naming the npy images it reads", npy_data(),
       cat(kEvalNpy, {"--logits", "npy/images.npy"}), 2},
      {"npy-no-weights",
       "npy",
       "--dataset npy with a zoo model and no --weights",
       npy_data(),
       {"eval", "--model", "resnet32", "--dataset", "npy", "--data-dir", "npy"},
       2},
      // ---- ONNX graphs with more than one input, or one parameter read by two layers ----
      {"onnx-two-inputs",
       "onnx",
       "a second graph input 'y' (not an initializer) added to the images",
       [](const fs::path& d) { onnx_files::write_model(d / "m.onnx", onnx_files::two_input_model()); },
       {"models", "m.onnx"},
       1},
      {"onnx-shared-weight",
       "onnx",
       "one Conv weight initializer read by two Conv nodes",
       [](const fs::path& d) { onnx_files::write_model(d / "m.onnx", onnx_files::shared_weight_model()); },
       {"models", "m.onnx"},
       1},
      {"onnx-bias-also-constant",
       "onnx",
       "the Gemm's bias initializer also added after the Gemm (a parameter read by two nodes)",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::tiny_model();
         onnx_files::node_named(m, "/fc/Gemm")->set_output(0, "g");
         onnx_files::add_node(m.mutable_graph(), "Add", "/Add", {"g", "fc.bias"}, {"logits"});
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      // ---- quantized ONNX models (QDQ / QLinear; docs/NUMERICS.md "scales from a quantized ONNX model") ----
      {"onnx-q-uint8",
       "onnx",
       "quantized model: QuantizeLinear at the input with a uint8 zero point",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         *m.mutable_graph()->add_initializer() = onnx_files::scalar_tensor("zpu", onnx::TensorProto::UINT8, 0, 0);
         onnx_files::node_named(m, "/x/Q")->set_input(2, "zpu");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-zero-point",
       "onnx",
       "quantized model: an activation zero point of 3 (asymmetric)",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         *m.mutable_graph()->add_initializer() = onnx_files::scalar_tensor("zp3", onnx::TensorProto::INT8, 0, 3);
         onnx_files::node_named(m, "/c/Q")->set_input(2, "zp3");
         onnx_files::node_named(m, "/c/DQ")->set_input(2, "zp3");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-unsupported-op",
       "onnx",
       "quantized model: a ConvInteger node",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         onnx_files::node_named(m, "/conv1/Conv")->set_op_type("ConvInteger");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-float-layer",
       "onnx",
       "quantized model: a Conv whose weight is a float initializer",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         *m.mutable_graph()->add_initializer() = onnx_files::float_tensor("wf", {4, 3, 3, 3});
         onnx_files::node_named(m, "/conv1/Conv")->set_input(1, "wf");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-per-axis-activation",
       "onnx",
       "quantized model: QuantizeLinear of the image with one scale per channel",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         onnx::TensorProto* t = onnx_files::initializer_named(m, "x.s");
         t->add_dims(3);
         t->add_float_data(0.05f);
         t->add_float_data(0.05f);
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-float-input",
       "onnx",
       "quantized model: a Conv on int8 weights reading the float image (no QuantizeLinear/DequantizeLinear)",
       [](const fs::path& d) {
         onnx::ModelProto m = onnx_files::qdq_model();
         onnx_files::node_named(m, "/conv1/Conv")->set_input(0, "x");
         onnx_files::write_model(d / "m.onnx", m);
       },
       {"models", "m.onnx"},
       1},
      {"onnx-q-fp32",
       "onnx",
       "faultlist of a quantized model without --numerics int8",
       [](const fs::path& d) { onnx_files::write_model(d / "m.onnx", onnx_files::qdq_model()); },
       {"faultlist", "--model", "m.onnx", "--dataset", "npy", "--count", "5", "--out", "l.csv"},
       2},
      {"onnx-q-calibration",
       "onnx",
       "eval of a quantized model with --calibration-images",
       npy_data(
           [](const fs::path& d) { onnx_files::write_model(d.parent_path() / "m.onnx", onnx_files::qdq_model()); }),
       {"eval", "--model", "m.onnx", "--dataset", "npy", "--data-dir", "npy", "--numerics", "int8",
        "--calibration-images", "5"},
       2},
  };
}

}  // namespace faultbench::robustness
