"""Optuna 3.1 side of the Labbook interop tests (run with Debian's /usr/bin/python3).

usage: optuna_interop.py dump     JOURNAL STUDY            print the study's trials as JSON
       optuna_interop.py continue JOURNAL STUDY N SEED     run N more trials on the study, then dump
       optuna_interop.py write    JOURNAL STUDY SEED       create a study with every feature, then dump
       optuna_interop.py grid     JOURNAL STUDY            finish a 4 x 3 grid with Optuna's GridSampler, then dump
"""
import json
import math
import sys
import warnings

warnings.filterwarnings("ignore")
import optuna  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.ERROR)


def storage(path):
    return optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path))


def dump(study):
    out = []
    for t in study.get_trials(deepcopy=False):
        out.append({
            "number": t.number,
            "state": int(t.state.value),
            "value": t.value if t.values is not None and len(t.values) == 1 else None,
            "params": t.params,
            "intermediate_values": {str(k): v for k, v in sorted(t.intermediate_values.items())},
            "user_attrs": t.user_attrs,
        })
    print(json.dumps(out))


def objective(trial):
    x = trial.suggest_float("x", -5, 5)
    n = trial.suggest_int("n", 1, 8)
    act = trial.suggest_categorical("act", ["relu", "tanh", "gelu"])
    if act == "gelu":
        trial.suggest_float("dropout", 0.0, 0.5)
    trial.report(x * x, 0)
    return x * x + n


def main():
    cmd, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "dump":
        dump(optuna.load_study(study_name=name, storage=storage(path)))
    elif cmd == "continue":
        n, seed = int(sys.argv[4]), int(sys.argv[5])
        study = optuna.load_study(study_name=name, storage=storage(path), sampler=optuna.samplers.RandomSampler(seed=seed))
        study.optimize(objective, n_trials=n)
        dump(study)
    elif cmd == "write":
        seed = int(sys.argv[4])
        study = optuna.create_study(study_name=name, storage=storage(path), sampler=optuna.samplers.RandomSampler(seed=seed))
        study.set_user_attr("owner", "optuna \u00e9")
        study.enqueue_trial({"x": 1.5, "n": 2, "act": "tanh"})
        study.optimize(objective, n_trials=6)
        t = study.ask()
        t.suggest_float("x", -5, 5)
        t.report(float("inf"), 0)
        t.report(float("nan"), 1)
        t.set_user_attr("note", "pruned \u2713 \U0001F600")
        study.tell(t, state=optuna.trial.TrialState.PRUNED)
        t = study.ask()
        t.suggest_int("n", 1, 8)
        study.tell(t, state=optuna.trial.TrialState.FAIL)
        t = study.ask()
        t.suggest_categorical("act", ["relu", "tanh", "gelu"])
        study.tell(t, 2.5)
        study.enqueue_trial({"x": -1.0})
        dump(study)
    elif cmd == "grid":
        study = optuna.load_study(study_name=name, storage=storage(path),
                                  sampler=optuna.samplers.GridSampler({"a": [1, 2, 3, 4], "b": ["x", "y", "z"]}, seed=0))
        study.optimize(lambda t: t.suggest_int("a", 1, 4) + len(t.suggest_categorical("b", ["x", "y", "z"])))
        dump(study)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
