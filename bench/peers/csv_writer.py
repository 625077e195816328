"""Peer for the logging benchmark: Python's csv.writer writing the same rows Labbook writes
(step, name, value, ISO time), N points over two metrics. Prints the seconds it took, measured
inside Python (interpreter start-up excluded), including the final flush to the page cache,
and, with --fsync, to the disk."""
import csv
import os
import sys
import time
from datetime import datetime, timezone


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    durable = "--fsync" in sys.argv
    start = time.perf_counter()
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["step", "name", "value", "time"])
        for i in range(n // 2):
            now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            w.writerow([i, "loss", 1.0 / (i + 1), now])
            w.writerow([i, "acc", 1.0 - 1.0 / (i + 2), now])
        f.flush()
        if durable:
            os.fsync(f.fileno())
    print(f"{time.perf_counter() - start:.6f}")


if __name__ == "__main__":
    main()
