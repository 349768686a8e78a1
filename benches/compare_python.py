"""Times scikit-learn DBSCAN and PySAL esda G_Local on the inputs bench_analysis wrote.

Usage (run by `cargo run --example bench_analysis -- --compare-python N`):
    python3 benches/compare_python.py POINTS.csv CELLS.json
POINTS.csv: lon,lat per line (no header). CELLS.json: {"y": [...], "neighbours": [[...], ...]}
(the Gi* study-area cells' counts and their k=1 neighbours, self excluded).
Prints one JSON object with wall times in milliseconds.
"""
import json
import sys
import time

import numpy as np

points_csv, cells_json = sys.argv[1], sys.argv[2]
out = {}
pts = np.loadtxt(points_csv, delimiter=",", ndmin=2)
out["points"] = len(pts)

from sklearn.cluster import DBSCAN  # noqa: E402

X = np.radians(pts[:, [1, 0]])
t = time.perf_counter()
db = DBSCAN(eps=100.0 / 6371008.8, min_samples=5, metric="haversine", algorithm="ball_tree").fit(X)
out["sklearn_dbscan_ms"] = (time.perf_counter() - t) * 1e3
out["sklearn_clusters"] = int(db.labels_.max() + 1)

import esda  # noqa: E402
import libpysal  # noqa: E402

with open(cells_json) as f:
    d = json.load(f)
y = np.array(d["y"], dtype=float)
t = time.perf_counter()
w = libpysal.weights.W({i: nb for i, nb in enumerate(d["neighbours"])}, silence_warnings=True)
out["pysal_weights_ms"] = (time.perf_counter() - t) * 1e3
t = time.perf_counter()
g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
out["esda_g_local_ms"] = (time.perf_counter() - t) * 1e3
out["cells"] = len(y)
out["zs"] = [float(z) for z in g.Zs[:5]]
print(json.dumps(out))
