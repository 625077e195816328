#!/usr/bin/python3
"""Optuna 3.1 peer of Labbook.Bench.Tuning: the overhead protocol ("Protocol 2" of ../shared/bench/hpo/README.md).

Ask + 6 x suggest_float("x_i", 0, 1) + tell with a trivial objective, N trials, one process; each trial timed
without the objective; prints one JSON object: mean / median / p90 ms per band and the time to reopen the study.

usage: /usr/bin/python3 optuna_overhead.py --storage inmemory|journal --sampler random|tpe --n-trials 2000 --workdir DIR
"""
import argparse
import json
import os
import statistics
import time
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

BANDS = ((1, 100), (101, 500), (501, 1000), (1001, 2000))


def pct(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--storage", default="inmemory")
    ap.add_argument("--sampler", default="random")
    ap.add_argument("--n-trials", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", default=".")
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    path = None
    storage = None
    if a.storage == "journal":
        path = os.path.join(a.workdir, "optuna-overhead-%d.journal" % os.getpid())
        storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path))
    sampler = optuna.samplers.RandomSampler(seed=a.seed) if a.sampler == "random" else optuna.samplers.TPESampler(seed=a.seed)
    study = optuna.create_study(storage=storage, sampler=sampler, study_name="overhead")
    names = ["x%d" % i for i in range(6)]
    per_trial = []
    for _ in range(a.n_trials):
        t0 = time.perf_counter()
        trial = study.ask()
        xs = [trial.suggest_float(n, 0.0, 1.0) for n in names]
        t1 = time.perf_counter()
        v = sum((x - 0.5) ** 2 for x in xs)
        t2 = time.perf_counter()
        study.tell(trial, v)
        t3 = time.perf_counter()
        per_trial.append(1000 * ((t1 - t0) + (t3 - t2)))
    bands = {}
    for lo, hi in BANDS:
        if lo > a.n_trials:
            continue
        hi = min(hi, a.n_trials)
        xs = per_trial[lo - 1:hi]
        bands["%d-%d" % (lo, hi)] = {"mean_ms": statistics.fmean(xs), "median_ms": statistics.median(xs), "p90_ms": pct(xs, 0.9)}
    load_ms = None
    if path:
        t0 = time.perf_counter()
        reopened = optuna.load_study(study_name="overhead", storage=optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path)))
        assert len(reopened.get_trials(deepcopy=False)) == a.n_trials
        load_ms = 1000 * (time.perf_counter() - t0)
        for p in (path, path + ".lock"):
            if os.path.lexists(p):
                os.remove(p)
    print(json.dumps({"storage": a.storage, "sampler": a.sampler, "n_trials": a.n_trials, "bands": bands, "reopen_ms": load_ms}))


if __name__ == "__main__":
    main()
