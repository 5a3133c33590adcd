#!/usr/bin/env python3
"""Checks `faultbench report`'s rates.csv against a pandas computation from the result files.

    /usr/bin/python3 tools/report_oracle.py REPORT_DIR RESULTS.csv [MORE.csv ...]

For every result file, recomputes with pandas the per-layer and per-bit (and whole-model)
tables: faults, injections, class counts, faults by worst class, faults critical for at least
one image, the image- and fault-level rates, their Wilson score intervals (SciPy's
binomtest(k, n).proportion_ci(method="wilson") where k is an integer, the score formula
written out otherwise) and the Leveugle margin at the population rates.csv states; then
compares with REPORT_DIR/rates.csv row by row. Prints the tables it compared; exit 1 on the
first disagreement (naming file, group, column and both values). Needs python3-pandas and
python3-scipy (scripts/install-deps.sh --test).
"""
import math
import os
import sys

import pandas as pd
from scipy.stats import binomtest, norm

CLASSES = ["masked", "non_critical", "critical", "due"]


def wilson(k, n, z):
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2n = z * z / n
    center = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    return max(0.0, center - half), min(1.0, center + half)


def tables(df, z):
    df = df.copy()
    if "n_injections" not in df:
        df["n_injections"] = df.masked + df.non_critical + df.critical
    has_due = "due" in df
    if not has_due:
        df["due"] = 0
    df["worst"] = "masked"
    df.loc[df.non_critical > 0, "worst"] = "non_critical"
    df.loc[df.critical > 0, "worst"] = "critical"
    df.loc[df.due > 0, "worst"] = "due"
    df["critical_any"] = (df.critical > 0).astype(int)
    for c in CLASSES:
        df["faults_" + c] = (df.worst == c).astype(int)
    df["all"] = "all"
    out = []
    for grouping, key in [("model", "all"), ("layer", "Layer"), ("bit", "Bit")]:
        g = df.groupby(key, sort=False).agg(
            faults=("Injection", "size"), fault_images=("n_injections", "sum"), masked=("masked", "sum"),
            non_critical=("non_critical", "sum"), critical=("critical", "sum"), due=("due", "sum"),
            faults_masked=("faults_masked", "sum"), faults_non_critical=("faults_non_critical", "sum"),
            faults_critical=("faults_critical", "sum"), faults_due=("faults_due", "sum"),
            faults_critical_any=("critical_any", "sum"))
        g = g.reset_index().rename(columns={key: "group"})
        g["grouping"] = grouping
        g["group"] = g["group"].astype(str)
        for c in CLASSES:
            g[f"image_{c}_rate"] = g[c] / g.fault_images
            g[f"fault_{c}_rate"] = g["faults_" + c] / g.faults
            lo, hi = zip(*[wilson(r * n, n, z) for r, n in zip(g[f"image_{c}_rate"], g.faults)])
            g[f"image_{c}_wilson_low"], g[f"image_{c}_wilson_high"] = lo, hi
            cis = [binomtest(int(k), int(n)).proportion_ci(norm.cdf(z) * 2 - 1, method="wilson")
                   for k, n in zip(g["faults_" + c], g.faults)]
            g[f"fault_{c}_wilson_low"] = [ci.low for ci in cis]
            g[f"fault_{c}_wilson_high"] = [ci.high for ci in cis]
        if not has_due:
            for col in [c for c in g.columns if "due" in c]:
                g[col] = float("nan")
        out.append(g)
    return pd.concat(out, ignore_index=True)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    report_dir, files = sys.argv[1], sys.argv[2:]
    ours = pd.read_csv(os.path.join(report_dir, "rates.csv"), dtype={"group": str, "file": str})
    import json
    with open(os.path.join(report_dir, "summary.json")) as f:
        summary = json.load(f)
    z = summary["z"]
    assert abs(z - norm.ppf(1 - (1 - summary["confidence"]) / 2)) < 1e-12, "z is not the confidence's quantile"
    compared = 0
    for path, meta in zip(files, summary["files"]):
        expected = tables(pd.read_csv(path), z)
        mine = ours[ours.file == meta["label"]]
        for _, row in expected.iterrows():
            got = mine[(mine.grouping == row.grouping) & (mine.group == row.group)]
            if len(got) != 1:
                print(f"{path}: {row.grouping} {row.group}: {len(got)} rows in rates.csv", file=sys.stderr)
                return 1
            got = got.iloc[0]
            for col in expected.columns:
                if col in ("group", "grouping"):
                    continue
                a, b = row[col], got[col]
                if isinstance(a, float) and math.isnan(a):
                    ok = pd.isna(b)
                elif col.endswith(("rate", "low", "high")):
                    ok = abs(a - b) <= 1e-12 + 1e-9 * abs(a)
                else:
                    ok = int(a) == int(b)
                if not ok:
                    print(f"{path}: {row.grouping} {row.group}: {col}: pandas {a}, faultbench {b}", file=sys.stderr)
                    return 1
            # Leveugle at the stated population: p +- z sqrt(p(1-p)/n (N-n)/(N-1)), clipped.
            if not pd.isna(got.population):
                N, n, p = got.population, row.faults, row.image_critical_rate
                e = z * math.sqrt(p * (1 - p) / n * (N - n) / (N - 1)) if n < N else 0.0
                if abs(max(0.0, p - e) - got.image_critical_leveugle_fpc_low) > 1e-12 or \
                        abs(min(1.0, p + e) - got.image_critical_leveugle_fpc_high) > 1e-12:
                    print(f"{path}: {row.grouping} {row.group}: Leveugle margin differs", file=sys.stderr)
                    return 1
            compared += 1
        print(f"{path}: {len(expected)} groups (model, {sum(expected.grouping == 'layer')} layers, "
              f"{sum(expected.grouping == 'bit')} bits) agree with pandas")
    print(f"report_oracle: {compared} groups agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
