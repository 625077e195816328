#!/usr/bin/env python3
"""A small, real training task in plain Python (standard library only): logistic regression with
mini-batch SGD on a synthetic two-moons-like data set. It logs to Labbook through stdout lines
(`@lab key=value ...`), so `lab run -- python3 examples/python/train.py` records its curves.

Options: --lr, --epochs, --batch-size, --l2, --features (polynomial degree), --seed.
"""
import argparse
import math
import random
import sys


def make_data(n, seed):
    rng = random.Random(seed)
    points = []
    for i in range(n):
        label = i % 2
        t = rng.uniform(0, math.pi)
        if label == 0:
            x, y = math.cos(t), math.sin(t)
        else:
            x, y = 1 - math.cos(t), 0.5 - math.sin(t)
        points.append((x + rng.gauss(0, 0.2), y + rng.gauss(0, 0.2), label))
    return points


def features(x, y, degree):
    out = [1.0]
    for d in range(1, degree + 1):
        for k in range(d + 1):
            out.append((x ** (d - k)) * (y ** k))
    return out


def sigmoid(z):
    if z < -30:
        return 0.0
    if z > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-z))


def evaluate(w, data, degree, l2):
    loss, correct = 0.0, 0
    for x, y, label in data:
        p = sigmoid(sum(a * b for a, b in zip(w, features(x, y, degree))))
        p = min(max(p, 1e-12), 1 - 1e-12)
        loss -= label * math.log(p) + (1 - label) * math.log(1 - p)
        correct += int((p >= 0.5) == (label == 1))
    loss = loss / len(data) + 0.5 * l2 * sum(v * v for v in w[1:])
    return loss, correct / len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--features", type=int, default=3, help="polynomial degree of the features")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    data = make_data(1200, args.seed)
    train, val = data[:1000], data[1000:]
    dim = len(features(0.0, 0.0, args.features))
    w = [0.0] * dim
    rng = random.Random(args.seed + 1)
    for epoch in range(args.epochs):
        rng.shuffle(train)
        for start in range(0, len(train), args.batch_size):
            batch = train[start:start + args.batch_size]
            grad = [0.0] * dim
            for x, y, label in batch:
                f = features(x, y, args.features)
                err = sigmoid(sum(a * b for a, b in zip(w, f))) - label
                for j in range(dim):
                    grad[j] += err * f[j]
            for j in range(dim):
                reg = args.l2 * w[j] if j > 0 else 0.0
                w[j] -= args.lr * (grad[j] / len(batch) + reg)
        train_loss, train_acc = evaluate(w, train, args.features, args.l2)
        val_loss, val_acc = evaluate(w, val, args.features, args.l2)
        if not math.isfinite(train_loss):
            print(f"@lab train_loss=nan step={epoch}")
            print("diverged", file=sys.stderr)
            return 3
        print(f"@lab train_loss={train_loss:.6f} val_loss={val_loss:.6f} val_acc={val_acc:.4f} step={epoch}")
        print(f"epoch {epoch:3d}  train_loss {train_loss:.4f}  val_loss {val_loss:.4f}  val_acc {val_acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
