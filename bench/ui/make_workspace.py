#!/usr/bin/env python3
"""Generates a Labbook workspace of realistic finished runs for the `lab ui` benchmarks.

usage: make_workspace.py DIR RUNS [STEPS] [METRICS] [DAY]   (DAY: start day in Nov 2026, default 1)

Each run gets run.json (params lr, layers, dropout, optimizer, seed; tags; some in a study), a
metrics.csv of METRICS metrics x STEPS steps (long format, as `lab run` writes it) and summary.json.
"""
import json, math, os, random, sys, datetime

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)


def run_id(t, rnd):
    s = int((t - EPOCH).total_seconds())
    head = "".join(ALPHABET[(s >> (5 * (5 - i))) & 31] for i in range(6))
    return head + "".join(rnd.choice(ALPHABET) for _ in range(3))


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    metrics = ["loss", "val_loss", "acc", "lr_now"][: int(sys.argv[4]) if len(sys.argv) > 4 else 4]
    rnd = random.Random(1)
    os.makedirs(os.path.join(root, ".labbook"), exist_ok=True)
    os.makedirs(os.path.join(root, "runs"), exist_ok=True)
    start = datetime.datetime(2026, 11, int(sys.argv[5]) if len(sys.argv) > 5 else 1, tzinfo=datetime.timezone.utc)
    for i in range(n):
        t = start + datetime.timedelta(seconds=37 * i)
        rid = run_id(t, rnd)
        d = os.path.join(root, "runs", rid)
        os.makedirs(d)
        lr = 10 ** rnd.uniform(-5, -1)
        params = {"lr": round(lr, 8), "layers": rnd.randint(1, 8), "dropout": round(rnd.uniform(0, 0.5), 3),
                  "optimizer": rnd.choice(["adam", "sgd", "adamw"]), "seed": i % 5}
        status = rnd.choices(["completed", "failed", "killed"], [90, 8, 2])[0]
        quality = 0.15 + abs(math.log10(lr) + 3) * 0.1 + rnd.uniform(0, 0.2)
        lines = ["step,name,value,time\n"]
        summary = {}
        for s in range(steps):
            ts = (t + datetime.timedelta(seconds=s * 0.5)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
            decay = math.exp(-s / (steps / 4 + 1))
            vals = {"loss": quality + decay + rnd.gauss(0, 0.01), "val_loss": quality + 0.05 + decay + rnd.gauss(0, 0.02),
                    "acc": 1 - quality - decay * 0.5 + rnd.gauss(0, 0.01), "lr_now": lr * (1 - s / steps)}
            for m in metrics:
                v = vals[m]
                lines.append(f"{s},{m},{v:.6g},{ts}\n")
                st = summary.setdefault(m, {"last": v, "last_step": s, "min": v, "min_step": s, "max": v, "max_step": s, "count": 0, "nan_count": 0})
                st["last"], st["last_step"], st["count"] = v, s, st["count"] + 1
                if v < st["min"]:
                    st["min"], st["min_step"] = v, s
                if v > st["max"]:
                    st["max"], st["max_step"] = v, s
        data = "".join(lines)
        with open(os.path.join(d, "metrics.csv"), "w") as f:
            f.write(data)
        end = t + datetime.timedelta(seconds=steps * 0.5)
        record = {"format": 1, "id": rid, "name": f"run-{i}", "status": status, "command": "python train.py",
                  "argv": ["python", "train.py"], "cwd": "/tmp", "params": params,
                  "tags": ["baseline"] if i % 10 == 0 else [], "host": "bench", "user": "bench",
                  "started": t.strftime("%Y-%m-%dT%H:%M:%SZ"), "ended": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "duration_s": steps * 0.5, "exit_code": 0 if status == "completed" else 1}
        if i % 7 == 0:
            record["study"], record["trial"] = "mlp", i // 7
        with open(os.path.join(d, "run.json"), "w") as f:
            json.dump(record, f, indent=2)
        with open(os.path.join(d, "summary.json"), "w") as f:
            json.dump({"metrics": summary, "values": {}, "metrics_bytes": len(data.encode())}, f)


if __name__ == "__main__":
    main()
