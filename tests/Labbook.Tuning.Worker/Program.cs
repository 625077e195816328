// A worker for the crash tests: optimizes one study on a journal and prints "done <number>" after each
// finished trial (after Tell returned: written to the kernel, fsynced later by group commit), so the test knows which trials must survive a kill -9; "started" once
// the study is open.
// Usage: worker <journal> <study> <totalTrials> <maxSleepMs> <seed> [heartbeatMs] [graceMs] [retryFailed] [syncDelayMs]
using System.Globalization;
using Labbook.Tuning;

var journal = args[0];
var name = args[1];
var total = int.Parse(args[2], CultureInfo.InvariantCulture);
var maxSleep = int.Parse(args[3], CultureInfo.InvariantCulture);
var seed = int.Parse(args[4], CultureInfo.InvariantCulture);
var heartbeat = TimeSpan.FromMilliseconds(args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10_000);
var grace = TimeSpan.FromMilliseconds(args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 60_000);
var retry = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 0;
TimeSpan? syncDelay = args.Length > 8 ? TimeSpan.FromMilliseconds(int.Parse(args[8], CultureInfo.InvariantCulture)) : null;

using var storage = new JournalFileStorage(journal, lockTimeout: TimeSpan.FromSeconds(20), syncDelay: syncDelay);
var study = Study.Create(name, sampler: new RandomSampler(seed), storage: storage, loadIfExists: true,
    heartbeatInterval: heartbeat, gracePeriod: grace, retryFailed: retry);
var random = new Random(seed);
Console.WriteLine("started");
study.Optimize(trial =>
{
    var x = trial.SuggestFloat("x", -5, 5);
    var n = trial.SuggestInt("n", 1, 8);
    var act = trial.SuggestCategorical("act", ["relu", "tanh", "gelu"]);
    trial.Report(x * x, 0);
    if (maxSleep > 0)
    {
        Thread.Sleep(random.Next(maxSleep));
    }
    return (x * x) + n + (act == "gelu" ? 0 : 1);
}, totalTrials: total, callbacks: [(_, t) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"done {t.Number} {t.State}"))]);
Console.WriteLine("finished");
