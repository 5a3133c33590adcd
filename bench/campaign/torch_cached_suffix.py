#!/usr/bin/python3
"""The best Python campaign method we know (issue 6): PyTorch with the golden activations
at the faulty layer's input cached, so that each fault recomputes only the SUFFIX of the
network, in batches of 1000 images.

Method (sound for any zoo graph, residual and concatenating ones included):
 1. torch.fx traces the model into a graph of nodes (modules, functions, the input).
 2. For the faulty module L, D = every node reachable from L (L's downstream cone). The
    frontier F = the nodes outside D whose values some node of D reads: L's input, plus
    whatever skips around L (a ResNet block input feeding the shortcut, the earlier
    feature maps a DenseNet concatenation reads). Nothing outside D depends on the fault,
    so the golden values of F are exactly what the faulty network sees there.
 3. Per layer (faults grouped by layer): a "prefix" graph (the ancestors of F, output F)
    runs once over all images with the golden weights and its outputs are kept in memory;
    the "suffix" graph (placeholders F, then the nodes of D) shares the model's modules.
 4. Per fault of L: flip the bit in place, run the suffix on the cached F batch by batch,
    classify against the golden logits, flip back.
ReLU modules are switched to out-of-place so that no suffix op can overwrite a cached
frontier tensor (results are identical). `--check` verifies once per layer that the suffix
with golden weights reproduces the golden logits bit for bit.

Prints one JSON line like torch_reference.py; "seconds" covers the per-layer prefix passes
and the fault loop (the golden pass excluded, reported as golden_seconds).

usage: torch_cached_suffix.py --model resnet20 --weights ResNet20.th --data-dir DIR \
           --faults list.csv --out results.csv [--images 1000] [--threads 2] [--batch 1000] [--check]
"""
import argparse
import json
import time
from collections import OrderedDict

import torch
import torch.fx as fx
import torch.nn as nn
import torch.nn.functional as F

import campaign_common as cc


class _TraceableFunctional:
    """Stands in for torch.nn.functional inside reference_models while tracing: a call with a
    traced value among its arguments becomes a graph node calling the real function (fx
    cannot pass a traced shape such as x.size(3) to a C function like avg_pool2d)."""

    def __getattr__(self, name):
        real = getattr(F, name)
        if not callable(real):
            return real

        def call(*args, **kwargs):
            proxies = [a for a in list(args) + list(kwargs.values()) if isinstance(a, fx.Proxy)]
            if proxies:
                return proxies[0].tracer.create_proxy("call_function", real, args, kwargs)
            return real(*args, **kwargs)
        return call


def _traceable_int(v):
    """int() inside reference_models while tracing: a traced size stays a graph value (the
    models write int(x.size(3)) so that ONNX export sees a constant)."""
    return v if isinstance(v, fx.Proxy) else int(v)


def trace(net):
    saved = cc.reference_models.F
    cc.reference_models.F = _TraceableFunctional()
    cc.reference_models.int = _traceable_int  # found before the builtin
    try:
        return fx.symbolic_trace(net)
    finally:
        cc.reference_models.F = saved
        del cc.reference_models.int


def split_at(gm, layer):
    """(prefix GraphModule: input -> tuple(F), suffix GraphModule: *F -> logits) for module `layer`
    (or a list of modules: D is then the union of their cones, for multi-site faults)."""
    nodes = list(gm.graph.nodes)
    starts = []
    for name in [layer] if isinstance(layer, str) else layer:
        calls = [n for n in nodes if n.op == "call_module" and n.target == name]
        if len(calls) != 1:
            raise SystemExit("layer %s: expected one call of the module in the traced graph, found %d" % (name, len(calls)))
        starts += calls
    down, stack = set(), list(starts)
    while stack:
        n = stack.pop()
        if n not in down:
            down.add(n)
            stack.extend(n.users)
    frontier = [n for n in nodes if n not in down and any(u in down for u in n.users)]

    suffix_graph, env = fx.Graph(), {}
    for f in frontier:
        env[f] = suffix_graph.placeholder(f.name)
    for n in nodes:
        if n in down:
            env[n] = suffix_graph.node_copy(n, lambda a: env[a])

    need, stack = set(), list(frontier)
    while stack:
        n = stack.pop()
        if n not in need:
            need.add(n)
            stack.extend(n.all_input_nodes)
    prefix_graph, env2 = fx.Graph(), {}
    for n in nodes:
        if n in need:
            env2[n] = prefix_graph.node_copy(n, lambda a: env2[a])
    prefix_graph.output(tuple(env2[f] for f in frontier))
    # GraphModule(root, graph) references root's submodules (no copy): weight flips show.
    return fx.GraphModule(gm, prefix_graph), fx.GraphModule(gm, suffix_graph), [f.name for f in frontier]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cc.common_args(ap)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--check", action="store_true", help="verify suffix(golden weights) == golden, bitwise")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    net = cc.load_model(args.model, args.dataset, args.weights)
    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.inplace = False
    gm = trace(net)
    x, labels = cc.load_images(args.dataset, args.data_dir, args.images)
    faults = cc.read_faults(args.faults)
    by_layer = OrderedDict()
    for pos, fault in enumerate(faults):
        by_layer.setdefault(fault["Layer"], []).append(pos)
    batches = [(i, min(i + args.batch, x.shape[0])) for i in range(0, x.shape[0], args.batch)]

    counts = [None] * len(faults)
    cache_mib = 0.0
    with torch.no_grad():
        t0 = time.perf_counter()
        golden = torch.cat([gm(x[i:j]) for i, j in batches])
        golden_top1 = cc.top1(golden)
        t1 = time.perf_counter()
        for layer, positions in by_layer.items():
            prefix, suffix, _ = split_at(gm, layer)
            cached = [prefix(x[i:j]) for i, j in batches]  # per batch: tuple of frontier tensors
            cache_mib = max(cache_mib, sum(t.numel() * t.element_size() for c in cached for t in c) / 2**20)
            if args.check:
                again = torch.cat([suffix(*c) for c in cached])
                if not torch.equal(again.view(torch.int32), golden.view(torch.int32)):
                    raise SystemExit("layer %s: suffix with golden weights differs from the golden logits" % layer)
            for pos in positions:
                cc.flip_bit(net, faults[pos])
                c = cc.Counts()
                for (i, j), f in zip(batches, cached):
                    c.add(golden[i:j], golden_top1[i:j], suffix(*f), labels[i:j])
                cc.flip_bit(net, faults[pos])
                counts[pos] = c
            del cached
        t2 = time.perf_counter()
    cc.write_results(args.out, faults, counts, args.images)
    seconds = t2 - t1
    print(json.dumps({"tool": "torch_cached_suffix", "faults": len(faults), "images": args.images,
                      "golden_seconds": t1 - t0, "seconds": seconds,
                      "fault_images_per_second": len(faults) * args.images / seconds if seconds > 0 else None,
                      "peak_rss_mib": cc.peak_rss_mib(), "max_cache_mib": cache_mib, "layers": len(by_layer),
                      "threads": args.threads, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
