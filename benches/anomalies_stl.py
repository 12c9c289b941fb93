#!/usr/bin/env python3
"""The baseline next to `faasight bench anomalies`: STL decomposition with
robust residual z-scores (statsmodels), on the same series and injected
incidents.

    faasight bench anomalies --out /tmp/anomalies
    python3 -m venv /tmp/stl && /tmp/stl/bin/pip install statsmodels
    /tmp/stl/bin/python benches/anomalies_stl.py /tmp/anomalies

Per function and metric (invocations; error rate and cold-start rate as
events / invocations, 0 without invocations; cost): STL with a weekly
period (168 h) and robust fitting (Cleveland et al. 1990, as statsmodels
implements it), residual z = (r - median r) / (1.4826 MAD r). An hour is
flagged when |z| >= the threshold (invocations both ways, the others
upwards only, as faasight scores them). Hours of one function flagged in a
row are one incident, and only incidents in the scored weeks (after the
first) count, as for faasight. STL sees the whole series at once (it looks
ahead), which faasight does not.
"""
import csv
import glob
import os
import sys
from collections import defaultdict

import numpy as np
from statsmodels.tsa.seasonal import STL

METRICS = ["invocations", "error_rate", "cost_usd", "cold_start_rate"]
KINDS = ["traffic_3x", "error_burst_20pct", "cost_3x", "cold_start_jump_25pts"]


def load(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def robust_z(values):
    fit = STL(values, period=168, robust=True).fit()
    r = fit.resid
    mad = np.median(np.abs(r - np.median(r)))
    scale = 1.4826 * mad if mad > 0 else (np.std(r) or 1.0)
    return (r - np.median(r)) / scale


def score(series_path, truth_path, thresholds):
    rows = load(series_path)
    truth = load(truth_path)
    by_key = defaultdict(list)
    for r in rows:
        by_key[r["key"]].append(r)
    first_hour = min(int(r["hour"]) for r in rows)
    scored_from = first_hour + 168 * 3600
    z = {}
    for key, hs in by_key.items():
        hs.sort(key=lambda r: int(r["hour"]))
        n = np.array([float(r["invocations"]) for r in hs])
        with np.errstate(divide="ignore", invalid="ignore"):
            err = np.where(n > 0, np.array([float(r["errors"]) for r in hs]) / n, 0.0)
            cold = np.where(n > 0, np.array([float(r["cold_starts"]) for r in hs]) / n, 0.0)
        cost = np.array([float(r["cost_usd"]) for r in hs])
        hours = [int(r["hour"]) for r in hs]
        z[key] = (hours, {
            "invocations": robust_z(n),
            "error_rate": robust_z(err),
            "cost_usd": robust_z(cost),
            "cold_start_rate": robust_z(cold),
        })
    results = []
    for t in thresholds:
        incidents = []  # (key, start, end, metrics)
        for key, (hours, zs) in z.items():
            flagged = {}
            for m in METRICS:
                for h, v in zip(hours, zs[m]):
                    if h < scored_from:
                        continue
                    if v >= t or (m == "invocations" and v <= -t):
                        flagged.setdefault(h, set()).add(m)
            run = None
            for h in sorted(flagged):
                if run and h == run[2]:
                    run[2] = h + 3600
                    run[3] |= flagged[h]
                else:
                    if run:
                        incidents.append(tuple(run))
                    run = [key, h, h + 3600, set(flagged[h])]
            if run:
                incidents.append(tuple(run))
        found = defaultdict(int)
        injected = defaultdict(int)
        truth_hours = defaultdict(list)
        for tr in truth:
            injected[tr["kind"]] += 1
            h = int(tr["hour"])
            truth_hours[tr["key"]].append(h)
            if any(i[0] == tr["key"] and i[1] <= h < i[2] and tr["metric"] in i[3] for i in incidents):
                found[tr["kind"]] += 1
        false_alarms = sum(
            1 for i in incidents if not any(i[1] <= h < i[2] for h in truth_hours.get(i[0], []))
        )
        functions = len(z)
        weeks = (max(max(h) for h, _ in z.values()) + 3600 - first_hour) / (168 * 3600)
        precision = 1.0 if not incidents else (len(incidents) - false_alarms) / len(incidents)
        recall = [100.0 * found[k] / max(injected[k], 1) for k in KINDS]
        per_fn = false_alarms / functions * 4.0 / (weeks - 1)
        results.append((t, recall, 100.0 * precision, per_fn))
    return results


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp/anomalies"
    thresholds = [3.5, 4.5]
    print("STL (period 168 h, robust) with robust residual z-scores")
    print(f"{'calls/h':>8} {'|z| >=':>6} {'traffic_3x':>11} {'errors_20pct':>13} {'cost_3x':>9} "
          f"{'cold_+25pt':>11} {'precision':>10} {'false/fn/4wk':>13}")
    series = sorted(glob.glob(os.path.join(directory, "series-*.csv")),
                    key=lambda p: float(p.rsplit("-", 1)[1][:-4]))
    for path in series:
        volume = path.rsplit("-", 1)[1][:-4]
        truth = os.path.join(directory, f"truth-{volume}.csv")
        for t, recall, precision, per_fn in score(path, truth, thresholds):
            print(f"{volume:>8} {t:>6} " + " ".join(
                f"{r:>{w}.0f} %" for r, w in zip(recall, [9, 11, 7, 9]))
                + f" {precision:>8.1f} % {per_fn:>13.3f}")


if __name__ == "__main__":
    main()
