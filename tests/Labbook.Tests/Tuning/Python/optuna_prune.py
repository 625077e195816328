"""Asks Optuna 3.1's pruners for decisions, to compare with Labbook's (run with /usr/bin/python3).

stdin: a JSON list of {"journal": path, "study": name, "pruner": spec, "number": trial number}
stdout: a JSON list of booleans, pruner.prune(study, trial) for each entry.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)


def make(spec):
    p = optuna.pruners
    return {
        "median": lambda: p.MedianPruner(),
        "median_warmup": lambda: p.MedianPruner(n_startup_trials=3, n_warmup_steps=2, interval_steps=2),
        "percentile25": lambda: p.PercentilePruner(25.0),
        "sha": lambda: p.SuccessiveHalvingPruner(),
        "sha_r2": lambda: p.SuccessiveHalvingPruner(min_resource=1, reduction_factor=2),
        "hyperband": lambda: p.HyperbandPruner(),
        "hyperband_9": lambda: p.HyperbandPruner(min_resource=1, max_resource=9),
        "threshold": lambda: p.ThresholdPruner(lower=0.0, upper=5.0),
        "patient": lambda: p.PatientPruner(None, patience=2),
        "patient_median": lambda: p.PatientPruner(p.MedianPruner(), patience=1, min_delta=0.1),
    }[spec]()


out = []
for q in json.load(sys.stdin):
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(q["journal"]))
    study = optuna.load_study(study_name=q["study"], storage=storage, pruner=make(q["pruner"]))
    trial = study.get_trials(deepcopy=False)[q["number"]]
    out.append(bool(study.pruner.prune(study, trial)))
print(json.dumps(out))
