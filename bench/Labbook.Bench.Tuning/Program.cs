// The overhead protocol ("Protocol 2" of ../shared/bench/hpo/README.md), Labbook beside Optuna in one run:
// ask + 6 x SuggestFloat("x_i", 0, 1) + tell with a trivial objective, N trials, per storage; mean / median / p90
// ms per trial in the bands 1-100, 101-500, 501-1000, 1001-2000; then the time to reopen (replay) the journal.
//
// dotnet run -c Release --project bench/Labbook.Bench.Tuning -- [--trials 2000] [--sampler random]
//     [--storages inmemory,journal] [--workdir DIR] [--no-peer]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Tuning;
using Labbook.Tuning.Samplers;

var trials = 2000;
var samplerName = "random";
var storages = new[] { "inmemory", "journal" };
var workdir = Path.Combine(Environment.CurrentDirectory, ".bench-tuning-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
var runPeer = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--trials":
            trials = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--sampler":
            samplerName = args[++i];
            break;
        case "--storages":
            storages = args[++i].Split(',');
            break;
        case "--workdir":
            workdir = args[++i];
            break;
        case "--no-peer":
            runPeer = false;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

// The one place that maps a sampler name to a sampler: add "tpe" here once TpeSampler is merged.
static ISampler MakeSampler(string name, int seed) => name switch
{
    "random" => new RandomSampler(seed),
    _ => throw new ArgumentException($"unknown sampler '{name}' (known: random)"),
};

(int Lo, int Hi)[] bands = [(1, 100), (101, 500), (501, 1000), (1001, 2000)];
Directory.CreateDirectory(workdir);
try
{
    Console.WriteLine($"overhead: ask + 6 suggests + tell, {trials} trials, sampler {samplerName}, files in {workdir}");
    foreach (var storageKind in storages)
    {
        var (perTrial, reopenMs) = RunLabbook(storageKind);
        var peer = runPeer ? RunOptuna(storageKind) : null;
        Console.WriteLine();
        Console.WriteLine($"storage {storageKind}   (ms per trial; ratio = Optuna mean / Labbook mean)");
        Console.WriteLine($"{"band",-10} {"Labbook mean",12} {"median",8} {"p90",8} | {"Optuna mean",12} {"median",8} {"p90",8} | {"ratio",7}");
        foreach (var (lo, hi0) in bands)
        {
            if (lo > trials)
            {
                continue;
            }
            var hi = Math.Min(hi0, trials);
            var slice = perTrial[(lo - 1)..hi];
            var key = $"{lo}-{hi}";
            var mean = slice.Average();
            var line = $"{key,-10} {mean,12:0.000} {Percentile(slice, 0.5),8:0.000} {Percentile(slice, 0.9),8:0.000}";
            if (peer?["bands"]?[key] is JsonObject b)
            {
                var pm = (double)b["mean_ms"]!;
                line += $" | {pm,12:0.000} {(double)b["median_ms"]!,8:0.000} {(double)b["p90_ms"]!,8:0.000} | {pm / mean,6:0.0}x";
            }
            Console.WriteLine(line);
        }
        if (reopenMs is { } r)
        {
            var line = $"reopen the {trials}-trial journal: Labbook {r:0.0} ms (median of 5)";
            if (peer?["reopen_ms"] is JsonValue pr)
            {
                line += $", Optuna {(double)pr:0.0} ms, ratio {(double)pr / r:0.0}x";
            }
            Console.WriteLine(line);
        }
    }
}
finally
{
    Directory.Delete(workdir, recursive: true);
}
return 0;

(double[] PerTrial, double? ReopenMs) RunLabbook(string storageKind)
{
    var path = Path.Combine(workdir, $"labbook-{storageKind}.jsonl");
    IStudyStorage storage = storageKind switch
    {
        "inmemory" => new InMemoryStorage(),
        "journal" => new JournalFileStorage(path),
        _ => throw new ArgumentException($"unknown storage '{storageKind}' (known: inmemory, journal)"),
    };
    var study = Study.Create("overhead", sampler: MakeSampler(samplerName, 0), storage: storage);
    var names = Enumerable.Range(0, 6).Select(i => "x" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    var perTrial = new double[trials];
    var xs = new double[6];
    for (var n = 0; n < trials; n++)
    {
        var t0 = Stopwatch.GetTimestamp();
        var trial = study.Ask();
        for (var k = 0; k < 6; k++)
        {
            xs[k] = trial.SuggestFloat(names[k], 0.0, 1.0);
        }
        var t1 = Stopwatch.GetTimestamp();
        var v = xs.Sum(x => (x - 0.5) * (x - 0.5));
        var t2 = Stopwatch.GetTimestamp();
        study.Tell(trial, v);
        var t3 = Stopwatch.GetTimestamp();
        perTrial[n] = (Stopwatch.GetElapsedTime(t0, t1) + Stopwatch.GetElapsedTime(t2, t3)).TotalMilliseconds;
    }
    (storage as IDisposable)?.Dispose();
    if (storageKind != "journal")
    {
        return (perTrial, null);
    }
    var reopen = new double[5];
    for (var i = 0; i < reopen.Length; i++)
    {
        var t0 = Stopwatch.GetTimestamp();
        using var reopened = new JournalFileStorage(path);
        var count = Study.Load("overhead", reopened).Trials.Count;
        reopen[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        if (count != trials)
        {
            throw new InvalidOperationException($"reopened journal has {count} trials, expected {trials}");
        }
    }
    return (perTrial, Percentile(reopen, 0.5));
}

JsonObject? RunOptuna(string storageKind)
{
    var script = Path.Combine(AppContext.BaseDirectory, "peers", "optuna_overhead.py");
    var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { script, "--storage", storageKind, "--sampler", samplerName, "--n-trials", trials.ToString(CultureInfo.InvariantCulture), "--workdir", workdir })
    {
        psi.ArgumentList.Add(a);
    }
    try
    {
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine($"optuna peer failed ({storageKind}): {stderr.Trim()}");
            return null;
        }
        return JsonNode.Parse(stdout.Trim())!.AsObject();
    }
    catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
    {
        Console.Error.WriteLine($"optuna peer not run: {ex.Message}");
        return null;
    }
}

static double Percentile(double[] values, double q)
{
    var xs = values.Order().ToArray();
    var k = (xs.Length - 1) * q;
    var f = (int)k;
    var c = Math.Min(f + 1, xs.Length - 1);
    return xs[f] + ((xs[c] - xs[f]) * (k - f));
}
