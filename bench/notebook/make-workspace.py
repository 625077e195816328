#!/usr/bin/env python3
"""Creates a workspace of N finished runs spread over E notebook entries, for timing `lab morning`.

Usage: make-workspace.py DIR [N=10000] [E=100]
Each run has run.json, summary.json and a 200-point metrics.csv (which `lab morning` must not read).
Half of the runs fall in the last 12 hours, so the report has work to do.
"""
import json, os, random, sys, datetime as dt

root = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
entries = int(sys.argv[3]) if len(sys.argv) > 3 else 100
random.seed(1)
alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
os.makedirs(os.path.join(root, ".labbook"), exist_ok=True)
now = dt.datetime.now(dt.timezone.utc)
nb = ["# Lab notebook\n"]
for e in range(1, entries + 1):
    nb.append(f"\n## E{e} · question {e}\n\n- **Why:** load test\n- **Predict:** `val_loss < baseline - 0.01`\n- **Predict:** `mean: acc >= 0.5`\n")
open(os.path.join(root, "NOTEBOOK.md"), "w").write("".join(nb))
for i in range(n):
    rid = "6" + "".join(alphabet[(i >> (5 * k)) & 31] for k in range(7, -1, -1))
    d = os.path.join(root, "runs", rid)
    os.makedirs(d, exist_ok=True)
    start = now - dt.timedelta(hours=random.uniform(0, 24))
    end = start + dt.timedelta(minutes=random.uniform(1, 60))
    status = random.choice(["completed"] * 8 + ["failed", "killed"])
    rec = {"format": 1, "id": rid, "name": f"r{i}", "status": status, "argv": ["python", "train.py"],
           "params": {"lr": random.choice([1e-3, 3e-4])}, "tags": ["baseline"] if i % 10 == 0 else [],
           "entry": f"E{i % entries + 1}", "slot": str(i % 2),
           "started": start.isoformat().replace("+00:00", "Z"), "ended": end.isoformat().replace("+00:00", "Z"),
           "exit_code": 0 if status == "completed" else (1 if status == "failed" else None)}
    json.dump({k: v for k, v in rec.items() if v is not None}, open(os.path.join(d, "run.json"), "w"))
    vl, acc = random.uniform(0.3, 0.6), random.uniform(0.4, 0.9)
    summary = {"metrics": {"val_loss": {"last": vl, "last_step": 199, "min": vl, "min_step": 199, "max": 1.0, "max_step": 0, "count": 200, "nan_count": 0},
                           "acc": {"last": acc, "last_step": 199, "min": 0.1, "min_step": 0, "max": acc, "max_step": 199, "count": 200, "nan_count": 0}},
               "values": {}, "metrics_bytes": 0}
    json.dump(summary, open(os.path.join(d, "summary.json"), "w"))
    with open(os.path.join(d, "metrics.csv"), "w") as f:
        f.write("step,name,value,time\n")
        for s in range(100):
            f.write(f"{s},val_loss,{1 - s / 200},0\n{s},acc,{s / 200},0\n")
    open(os.path.join(d, "output.log"), "w").write("epoch 1\nepoch 2\nTraceback: boom\n")
