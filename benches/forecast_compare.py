#!/usr/bin/env python3
"""Compare faasight's ETS forecaster with statsforecast AutoETS and prophet.

Every method is scored on the same rolling-origin folds as
`faasight_analyzer::forecast` (see its `Backtest` doc): for a series of n
points, third = n // 3, backtest horizon h = min(H, max(1, third // 2)),
origins n - third, n - third + 1, ... while origin + h <= n. At each origin
a method is fitted on the points before it and forecasts h points with an
80 % interval; bounds and means are clipped at 0 (the series are counts and
costs). Per series: MAPE over non-zero actuals (a percentage of zero is
undefined), coverage = share of actuals inside the interval. The table
shows, per dataset and method, the mean and median of the per-series MAPE,
the mean per-series coverage, and the number of series.

Datasets:
(a) demo: `faasight demo-data --days 60` (the synthetic demo workload),
    aggregated here per function and UTC day into invocation counts and
    cost in USD; days missing inside a function's range count as 0, as in
    `forecast_daily`. Season length 7 (weekly).
(b) azure: Azure Functions invocation trace 2019, file 1000_inv.csv
    (M. Shahrad et al., "Serverless in the Wild: Characterizing and
    Optimizing the Serverless Workload at a Large Cloud Provider", USENIX
    ATC 2020; data CC-BY 4.0, https://github.com/Azure/AzurePublicDataset).
    The file holds one day of per-minute counts (columns minute_1..1440
    after HashFunction, HashOwner, HashApp). We sum them into 96
    quarter-hour points. Season length 4, i.e. an hourly cycle: a daily
    cycle cannot be learnt from a single day, but timer triggers, the most
    common trigger in the paper, fire on hourly or sub-hourly schedules,
    which repeat every 4 quarter-hours, and 96 points hold 24 such seasons
    (models without a season remain candidates, so nothing is forced).
    Series with fewer than 90 % non-zero quarter-hours are skipped:
    sparse series make MAPE meaningless (most actuals are zero).

Usage: python3 benches/forecast_compare.py [--azure-series N]
       [--prophet-series N] [--demo-days D]
Needs: pip install statsforecast prophet.
"""

import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", "/work/main/target")
AZURE = "/work/shared/data/azure-functions-2019/1000_inv.csv"
LEVEL = 0.8


def folds(n, horizon):
    """Origins and backtest horizon, as in forecast.rs `backtest`."""
    third = n // 3
    h = min(horizon, max(1, third // 2))
    origins = list(range(n - third, n - h + 1))
    return origins, h


def score(y, predictions, h):
    """Per-series MAPE (non-zero actuals) and coverage, in %."""
    errors, inside, total = [], 0, 0
    for origin, (mean, lo, hi) in predictions.items():
        for i in range(h):
            a = y[origin + i]
            if a != 0:
                errors.append(abs((a - mean[i]) / a))
            total += 1
            inside += lo[i] <= a <= hi[i]
    mape = 100 * sum(errors) / len(errors) if errors else None
    coverage = 100 * inside / total if total else None
    return mape, coverage


def clip(mean, lo, hi):
    return np.maximum(mean, 0), np.maximum(lo, 0), np.maximum(hi, 0)


def run_autoets(y, season, horizon):
    from statsforecast.models import AutoETS

    origins, h = folds(len(y), horizon)
    out = {}
    for o in origins:
        train = np.asarray(y[:o], dtype=float)
        # statsforecast needs season_length <= len and 1 for "no season".
        model = AutoETS(season_length=max(season, 1))
        fc = model.forecast(y=train, h=h, level=[int(LEVEL * 100)])
        out[o] = clip(fc["mean"], fc[f"lo-{int(LEVEL * 100)}"], fc[f"hi-{int(LEVEL * 100)}"])
    return score(y, out, h)


def run_prophet(y, kind, horizon):
    import logging

    import pandas as pd
    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.ERROR)
    logging.getLogger("prophet").setLevel(logging.ERROR)
    origins, h = folds(len(y), horizon)
    if kind == "daily":
        stamps = pd.date_range("2025-01-01", periods=len(y), freq="D")
    else:
        stamps = pd.date_range("2019-07-15", periods=len(y), freq="15min")
    out = {}
    for o in origins:
        frame = pd.DataFrame({"ds": stamps[:o], "y": y[:o]})
        if kind == "daily":
            m = Prophet(interval_width=LEVEL, yearly_seasonality=False,
                        daily_seasonality=False, weekly_seasonality=True)
        else:
            m = Prophet(interval_width=LEVEL, yearly_seasonality=False,
                        daily_seasonality=False, weekly_seasonality=False)
            m.add_seasonality(name="hourly", period=1 / 24, fourier_order=2)
        m.fit(frame)
        fc = m.predict(pd.DataFrame({"ds": stamps[o:o + h]}))
        out[o] = clip(fc["yhat"].to_numpy(), fc["yhat_lower"].to_numpy(),
                      fc["yhat_upper"].to_numpy())
    return score(y, out, h)


def run_ours(series, season, horizon):
    """Runs analyzer/examples/forecast_eval on all series; id -> result."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("series_id,t,value\n")
        for sid, y in series.items():
            for t, v in enumerate(y):
                f.write(f"{sid},{t},{v!r}\n")
        path = f.name
    # Dev profile (dependencies at opt-level 1, our code unoptimised): a
    # release build of the example rebuilds polars with other features.
    cmd = ["cargo", "run", "--quiet", "-p", "faasight-analyzer",
           "--example", "forecast_eval", "--", path, "--season", str(season),
           "--horizon", str(horizon), "--level", str(LEVEL)]
    started = time.time()
    text = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True,
                          env={**os.environ, "CARGO_TARGET_DIR": TARGET}).stdout
    elapsed = time.time() - started
    os.unlink(path)
    results = {}
    for line in text.splitlines():
        r = json.loads(line)
        results[r["series_id"]] = r
    return results, elapsed


def demo_series(days):
    out = tempfile.NamedTemporaryFile(suffix=".ndjson", delete=False).name
    subprocess.run(["cargo", "run", "--quiet", "--release", "-p", "faasight", "--",
                    "demo-data", "--days", str(days), "--out", out],
                   cwd=REPO, check=True, env={**os.environ, "CARGO_TARGET_DIR": TARGET})
    calls = defaultdict(lambda: defaultdict(float))
    cost = defaultdict(lambda: defaultdict(float))
    with open(out) as f:
        for line in f:
            r = json.loads(line)
            stamp = datetime.fromisoformat(r["start_time"].replace("Z", "+00:00"))
            day = stamp.astimezone(timezone.utc).date()
            calls[r["function"]][day] += 1
            cost[r["function"]][day] += float(r["cost_usd"])
    os.unlink(out)
    series = {}
    for name, table in (("invocations", calls), ("cost", cost)):
        for function, by_day in sorted(table.items()):
            first, last = min(by_day), max(by_day)
            n = (last - first).days + 1
            y = [by_day.get(first + timedelta(days=i), 0.0) for i in range(n)]
            series[f"{function}/{name}"] = y
    return series


def azure_series(limit):
    series = {}
    with open(AZURE) as f:
        reader = csv.reader(f)
        header = next(reader)
        first_minute = header.index("minute_1")
        for row in reader:
            minutes = [float(v) for v in row[first_minute:first_minute + 1440]]
            quarters = [sum(minutes[i:i + 15]) for i in range(0, 1440, 15)]
            nonzero = sum(1 for v in quarters if v > 0)
            if nonzero < 0.9 * len(quarters):
                continue
            series[row[0][:16]] = quarters
            if len(series) >= limit:
                break
    return series


def summarise(results):
    mapes = [m for m, _ in results if m is not None]
    covs = [c for _, c in results if c is not None]
    return (statistics.mean(mapes) if mapes else math.nan,
            statistics.median(mapes) if mapes else math.nan,
            statistics.mean(covs) if covs else math.nan, len(results))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--azure-series", type=int, default=100)
    p.add_argument("--prophet-series", type=int, default=10)
    p.add_argument("--demo-days", type=int, default=60)
    args = p.parse_args()

    datasets = [
        ("demo (daily, m=7, H=14)", demo_series(args.demo_days), 7, 14, "daily"),
        ("azure 2019 (15-min, m=4, H=8)", azure_series(args.azure_series), 4, 8, "quarter"),
    ]
    rows = []
    notes = []
    for label, series, season, horizon, kind in datasets:
        ours, elapsed = run_ours(series, season, horizon)
        notes.append(f"{label}: ours ran {len(series)} series in {elapsed:.1f} s "
                     "(including cargo's check)")
        ok = {sid: r for sid, r in ours.items() if "error" not in r}
        for sid, r in ok.items():
            origins, _ = folds(len(series[sid]), horizon)
            assert r["origins"] == len(origins), (sid, r, len(origins))
        ids = sorted(ok)
        rows.append((label, "faasight ETS (ours)",
                     summarise([(ok[i]["mape_pct"], ok[i]["coverage_pct"]) for i in ids])))
        started = time.time()
        auto = [run_autoets(series[i], season, horizon) for i in ids]
        notes.append(f"{label}: AutoETS {time.time() - started:.1f} s")
        rows.append((label, "statsforecast AutoETS", summarise(auto)))
        subset = ids[: args.prophet_series]
        try:
            started = time.time()
            pr = [run_prophet(series[i], kind, horizon) for i in subset]
            notes.append(f"{label}: prophet {time.time() - started:.1f} s")
            rows.append((label, f"prophet (first {len(subset)})", summarise(pr)))
        except Exception as e:  # record why prophet could not run
            notes.append(f"{label}: prophet failed: {type(e).__name__}: {e}")
        rows.append((label, f"ours (same {len(subset)})",
                     summarise([(ok[i]["mape_pct"], ok[i]["coverage_pct"]) for i in subset])))
        rows.append((label, f"AutoETS (same {len(subset)})", summarise(auto[: len(subset)])))
        models = defaultdict(int)
        for r in ok.values():
            models[r["model"]] += 1
        notes.append(f"{label}: our selected models {dict(models)}")

    print("| dataset | method | mean MAPE % | median MAPE % | coverage % (80 % PI) | series |")
    print("|---|---|---|---|---|---|")
    for label, method, (mean, median, cov, count) in rows:
        print(f"| {label} | {method} | {mean:.1f} | {median:.1f} | {cov:.1f} | {count} |")
    print()
    for n in notes:
        print(f"- {n}")


if __name__ == "__main__":
    sys.exit(main())
