#!/usr/bin/python3
"""Optuna 3.1 peer of Labbook.Bench.Tuning: the overhead protocol ("Protocol 2" of ../shared/bench/hpo/README.md).

Ask + 6 x suggest_float("x_i", 0, 1) + tell with the objective sum((x-0.5)^2), N trials, seed 0, one process;
each trial timed (ask / suggests / tell) with perf_counter, the objective excluded. Prints one JSON object with
the fields of ../shared/bench/hpo/results/overhead.jsonl, plus per band the process CPU time per trial
(time.process_time, whole process, objective included: it is ~1 us) and the time to reopen the journal.

usage: /usr/bin/python3 optuna_overhead.py --storage inmemory|journal --sampler random|tpe|tpe-mv --n-trials 2000 --workdir DIR
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

BANDS = ((1, 100), (101, 500), (501, 1000), (1001, 2000))
DIM = 6


def pct(xs, q):
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def make_sampler(name, seed):
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, warn_independent_sampling=False)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(name)


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
    t_create0 = time.perf_counter()
    study = optuna.create_study(storage=storage, sampler=make_sampler(a.sampler, a.seed), study_name="overhead", direction="minimize")
    t_create = time.perf_counter() - t_create0
    names = ["x%d" % i for i in range(DIM)]
    ask_s, sug_s, tell_s, tot_s = [], [], [], []
    cpu_at = {0: time.process_time()}
    t_start = time.perf_counter()
    for i in range(a.n_trials):
        t0 = time.perf_counter()
        trial = study.ask()
        t1 = time.perf_counter()
        xs = [trial.suggest_float(n, 0.0, 1.0) for n in names]
        t2 = time.perf_counter()
        v = sum((x - 0.5) ** 2 for x in xs)
        t3 = time.perf_counter()
        study.tell(trial, v)
        t4 = time.perf_counter()
        ask_s.append(t1 - t0)
        sug_s.append(t2 - t1)
        tell_s.append(t4 - t3)
        tot_s.append((t4 - t0) - (t3 - t2))
        if any(i + 1 == min(hi, a.n_trials) for _, hi in BANDS):
            cpu_at[i + 1] = time.process_time()
    total = time.perf_counter() - t_start
    bands = {}
    for lo, hi in BANDS:
        if lo > a.n_trials:
            continue
        hi = min(hi, a.n_trials)
        sl = slice(lo - 1, hi)
        tt = [1000 * x for x in tot_s[sl]]
        bands["%d-%d" % (lo, hi)] = {
            "mean_ms": statistics.fmean(tt), "median_ms": statistics.median(tt), "p90_ms": pct(tt, 0.9),
            "ask_mean_ms": 1000 * statistics.fmean(ask_s[sl]),
            "suggest_mean_ms": 1000 * statistics.fmean(sug_s[sl]),
            "tell_mean_ms": 1000 * statistics.fmean(tell_s[sl]),
            "cpu_mean_ms": 1000 * (cpu_at[hi] - cpu_at[lo - 1]) / (hi - lo + 1),
        }
    file_bytes = os.path.getsize(path) if path else None
    reopen_ms = None
    if path:
        t0 = time.perf_counter()
        reopened = optuna.load_study(study_name="overhead", storage=optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path)))
        assert len(reopened.get_trials(deepcopy=False)) == a.n_trials
        reopen_ms = 1000 * (time.perf_counter() - t0)
        for p in (path, path + ".lock"):
            if os.path.lexists(p):
                os.remove(p)
    print(json.dumps({
        "storage": a.storage, "sampler": a.sampler, "seed": a.seed, "n_trials": a.n_trials,
        "dim": DIM, "space": "6 x float [0,1], define-by-run suggest_float", "objective": "sum((x-0.5)^2)",
        "create_study_ms": 1000 * t_create, "total_s": total, "bands": bands,
        "storage_file_bytes": file_bytes, "per_trial_ms": [round(1000 * x, 4) for x in tot_s],
        "optuna_version": optuna.__version__, "python": platform.python_version(),
        "finished_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "reopen_ms": reopen_ms,
    }))


if __name__ == "__main__":
    main()
