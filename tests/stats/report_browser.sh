#!/usr/bin/env bash
# ctest stats.report_browser: report.html opened in headless Chromium with networking
# disabled (a dead proxy, every host unresolvable; the page's own CSP forbids fetches):
# no console message at all, every figure an SVG of non-zero size with the number of marks
# that summary.json implies, and a screenshot kept as a test artifact.
# Exit 77 (skipped) without chromium.
#   report_browser.sh FAULTBENCH SOURCE_DIR ARTIFACT_DIR
set -euo pipefail
faultbench=$1 src=$2 artifacts=$3
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then echo "report_browser: no chromium (scripts/install-deps.sh --test): skipped"; exit 77; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Two small result files (one with a sidecar-less published layout, one with a due column):
# the side-by-side figures appear.
cat > "$tmp/a.csv" <<'CSV'
Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical
0,conv1,"(3, 0, 2, 1)",15,100,14,85,1
1,conv1,"(7, 0, 2, 0)",30,100,0,10,90
2,layer1.0.conv1,"(1, 2, 0, 0)",31,100,50,50,0
3,linear,"(3, 17)",23,100,0,0,100
4,linear,"(5, 2)",2,100,100,0,0
CSV
cat > "$tmp/b.csv" <<'CSV'
Injection,Layer,TensorIndex,Bit,n_injections,masked,non_critical,critical,due,top1_correct
0,conv1,"(3, 0, 2, 1)",15,50,10,39,1,0,40
1,conv1,"(7, 0, 2, 0)",30,50,0,0,50,50,5
2,layer1.0.conv2,"(1, 2, 0, 0)",4,50,50,0,0,0,40
CSV
"$faultbench" report "$tmp/a.csv" "$tmp/b.csv" --model resnet20 --dataset cifar10 --out "$tmp/report" >/dev/null
cat > "$tmp/harness.html" <<'HTML'
<!DOCTYPE html><html><body>
<iframe id="f" src="report/report.html" width="1400" height="3000"></iframe>
<pre id="result">pending</pre>
<script>
window.addEventListener('load', () => {
  const out = {};
  try {
    const d = document.getElementById('f').contentDocument;
    for (const fig of d.querySelectorAll('figure.figure')) {
      const svg = fig.querySelector('svg');
      const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
      let marks = 0;
      for (const m of fig.querySelectorAll('rect.mark')) if (m.getBBox().width > 0) ++marks;
      out[fig.id] = {width: r.width, height: r.height, marks: marks};
    }
  } catch (e) { out.error = String(e); }
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>
HTML
offline=(--headless --no-sandbox --disable-gpu --no-first-run --disable-extensions --disable-sync
  --disable-background-networking --disable-component-update --proxy-server=http://127.0.0.1:9
  --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$tmp/profile")
"$chromium" "${offline[@]}" --allow-file-access-from-files --enable-logging=stderr --v=0 \
  --virtual-time-budget=10000 --dump-dom "file://$tmp/harness.html" >"$tmp/dom.html" 2>"$tmp/log.txt" || {
  cat "$tmp/log.txt" >&2; exit 1; }
if grep -a "CONSOLE" "$tmp/log.txt"; then echo "report_browser: the page logged to the console" >&2; exit 1; fi
/usr/bin/python3 - "$tmp/dom.html" "$tmp/report/summary.json" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
if not m:
    sys.exit("report_browser: the harness wrote no result")
got = json.loads(html.unescape(m.group(1)))
if "error" in got:
    sys.exit("report_browser: " + got["error"])
summary = json.load(open(sys.argv[2]))
files = summary["files"]
layers = []
for f in files:
    for g in f["groupings"]["layer"]:
        if g["group"] not in layers:
            layers.append(g["group"])
expected = {"fig_files_critical": len(files), "fig_layer_critical": len(layers) * len(files),
            "fig_bit_critical": 32 * len(files),
            "fig_critical_histogram": max(len(f["critical_histogram"]) for f in files) * len(files)}
for i, f in enumerate(files):
    expected[f"fig_layer_classes_{i + 1}"] = 3 * len(f["groupings"]["layer"])
if sorted(got) != sorted(expected):
    sys.exit(f"report_browser: figures {sorted(got)}, expected {sorted(expected)}")
for fig, marks in expected.items():
    g = got[fig]
    if not (g["width"] > 0 and g["height"] > 0) or g["marks"] != marks:
        sys.exit(f"report_browser: {fig}: {g}, expected {marks} marks")
print("report_browser: " + ", ".join(f"{k} {v} marks" for k, v in expected.items()))
PY
mkdir -p "$artifacts"
"$chromium" "${offline[@]}" --window-size=1300,2600 --screenshot="$artifacts/report_screenshot.png" \
  "file://$tmp/report/report.html" 2>/dev/null
test -s "$artifacts/report_screenshot.png"
echo "report_browser: screenshot $artifacts/report_screenshot.png"
