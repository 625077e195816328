"""Times commands interleaved (A B A B ...), reports the median wall time of each and its ratio to the first."""
import os, statistics, sys, time

def once(argv, env):
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status = os.waitpid(pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed")
    return elapsed

def main():
    rounds = int(os.environ.get("ROUNDS", "31"))
    commands = [c.split("\x1f") for c in sys.argv[1:]]
    env = dict(os.environ)
    for c in commands:   # warm the page cache
        once(c, env)
    times = [[] for _ in commands]
    for _ in range(rounds):
        for i, c in enumerate(commands):
            times[i].append(once(c, env))
    floor = statistics.median(times[0])
    for c, t in zip(commands, times):
        m = statistics.median(t)
        print(f"{' '.join(c):45s} median {m * 1000:7.2f} ms   {m / floor:5.2f}x")

main()
