// The overhead protocol ("Protocol 2" of ../shared/bench/hpo/README.md), Labbook beside Optuna in one run:
// ask + 6 x SuggestFloat("x_i", 0, 1) + tell with the objective sum((x - 0.5)^2), N trials, seed 0, one process,
// per sampler and storage; each trial timed (ask / suggests / tell, objective excluded); mean / median / p90 ms per
// trial in the bands 1-100, 101-500, 501-1000, 1001-2000, and the process CPU time per trial in each band (the
// machine is shared: wall time includes waiting for a core, CPU time does not); then the time to reopen the journal.
// Records go to --out as JSON lines with the fields of ../shared/bench/hpo/results/overhead.jsonl (plus cpu_mean_ms,
// reopen_ms, durability and the load average), one per implementation x sampler x storage.
//
// dotnet run -c Release --project bench/Labbook.Bench.Tuning -- [--trials 2000] [--samplers tpe,random]
//     [--storages inmemory,journal,journal-fsync] [--repeat 3] [--out FILE] [--workdir DIR] [--no-peer]
//
// Each Labbook configuration runs --repeat times, each a fresh study (and journal) in this process; the record and
// the table are the run whose last band has the median mean, and "repeat_means_ms" lists every run's last-band mean
// in run order (the first run includes the JIT's warm-up). A shared two-core machine varies by 20-40% from minute to
// minute, which a single run cannot tell apart from a change in the code.
//
// Storages: inmemory; journal = JournalFileStorage with its default durability (group commit); journal-fsync =
// JournalDurability.EveryAppend (an fsync per append, as Optuna's JournalFileStorage does). Optuna's peer runs
// "inmemory" and "journal" (its journal always fsyncs each append); both journal rows are compared with it.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var trials = 2000;
var samplers = new[] { "tpe", "random" };
var storages = new[] { "inmemory", "journal", "journal-fsync" };
var workdir = Path.Combine(Environment.CurrentDirectory, ".bench-tuning-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
string? outPath = null;
var runPeer = true;
var repeat = 3;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--trials":
            trials = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--sampler":
        case "--samplers":
            samplers = args[++i].Split(',');
            break;
        case "--storages":
            storages = args[++i].Split(',');
            break;
        case "--workdir":
            workdir = args[++i];
            break;
        case "--out":
            outPath = args[++i];
            break;
        case "--repeat":
            repeat = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--no-peer":
            runPeer = false;
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

static ISampler MakeSampler(string name, int seed) => name switch
{
    "random" => new RandomSampler(seed),
    "tpe" => new TpeSampler(seed),
    "tpe-mv" => new TpeSampler(seed, multivariate: true),
    _ => throw new ArgumentException($"unknown sampler '{name}' (known: random, tpe, tpe-mv)"),
};

(int Lo, int Hi)[] bands = [(1, 100), (101, 500), (501, 1000), (1001, 2000)];
Directory.CreateDirectory(workdir);
var peerCache = new Dictionary<string, JsonObject?>();
try
{
    Console.WriteLine($"overhead: ask + 6 suggests + tell, {trials} trials, seed 0, files in {workdir}, {Environment.ProcessorCount} cores");
    foreach (var samplerName in samplers)
    {
        foreach (var storageKind in storages)
        {
            var loadBefore = LoadAverage();
            var runs = Enumerable.Range(0, Math.Max(1, repeat)).Select(_ => RunLabbook(samplerName, storageKind)).ToList();
            var lastBand = runs[0]["bands"]!.AsObject().Last().Key;
            double LastMean(JsonObject run) => (double)run["bands"]![lastBand]!["mean_ms"]!;
            var mine = runs.OrderBy(LastMean).ElementAt(runs.Count / 2);
            mine["repeats"] = runs.Count;
            mine["repeat_means_ms"] = new JsonArray([.. runs.Select(r => (JsonNode?)JsonValue.Create(Math.Round(LastMean(r), 4)))]);
            mine["loadavg_before"] = loadBefore;
            mine["loadavg_after"] = LoadAverage();
            var peerStorage = storageKind == "inmemory" ? "inmemory" : "journal";
            var peerKey = samplerName + "/" + peerStorage;
            if (runPeer && !peerCache.ContainsKey(peerKey))
            {
                var peerLoad = LoadAverage();
                var p = RunOptuna(samplerName, peerStorage);
                if (p is not null)
                {
                    p["loadavg_before"] = peerLoad;
                    p["loadavg_after"] = LoadAverage();
                }
                peerCache[peerKey] = p;
                Append(p);
            }
            var peer = runPeer ? peerCache[peerKey] : null;
            Append(mine);
            Print(samplerName, storageKind, mine, peer);
        }
    }
}
finally
{
    Directory.Delete(workdir, recursive: true);
}
return 0;

void Append(JsonObject? record)
{
    if (outPath is not null && record is not null)
    {
        File.AppendAllText(outPath, record.ToJsonString() + "\n");
    }
}

void Print(string samplerName, string storageKind, JsonObject mine, JsonObject? peer)
{
    Console.WriteLine();
    Console.WriteLine($"sampler {samplerName}, storage {storageKind} (Labbook: load {mine["loadavg_before"]} -> {mine["loadavg_after"]}"
        + (peer is null ? ")" : $"; Optuna {peer["storage"]}: load {peer["loadavg_before"]} -> {peer["loadavg_after"]})"));
    Console.WriteLine("ms per trial, wall (mean, median, p90) and process CPU (mean); ratio = Optuna / Labbook");
    if (mine["repeat_means_ms"] is JsonArray means && means.Count > 1)
    {
        Console.WriteLine($"Labbook: the median of {means.Count} runs by the last band's mean (each run's: {string.Join(", ", means.Select(m => ((double)m!).ToString("0.000", CultureInfo.InvariantCulture)))})");
    }
    Console.WriteLine($"{"band",-10} {"Labbook",9} {"median",8} {"p90",8} {"CPU",8} | {"Optuna",9} {"median",8} {"p90",8} {"CPU",8} | {"wall",7} {"CPU",7}");
    foreach (var (key, node) in mine["bands"]!.AsObject())
    {
        var b = node!.AsObject();
        double M(JsonObject o, string k) => (double)o[k]!;
        var line = $"{key,-10} {M(b, "mean_ms"),9:0.000} {M(b, "median_ms"),8:0.000} {M(b, "p90_ms"),8:0.000} {M(b, "cpu_mean_ms"),8:0.000}";
        if (peer?["bands"]?[key] is JsonObject pb)
        {
            line += $" | {M(pb, "mean_ms"),9:0.000} {M(pb, "median_ms"),8:0.000} {M(pb, "p90_ms"),8:0.000} {M(pb, "cpu_mean_ms"),8:0.000}"
                + $" | {M(pb, "mean_ms") / M(b, "mean_ms"),6:0.0}x {M(pb, "cpu_mean_ms") / M(b, "cpu_mean_ms"),6:0.0}x";
        }
        Console.WriteLine(line);
    }
    if (mine["reopen_ms"] is JsonValue r)
    {
        var line = $"reopen the {trials}-trial journal: Labbook {(double)r:0.0} ms (median of 5)";
        if (peer?["reopen_ms"] is JsonValue pr)
        {
            line += $", Optuna {(double)pr:0.0} ms, ratio {(double)pr / (double)r:0.0}x";
        }
        Console.WriteLine(line);
    }
    if (mine["syncs"] is JsonValue syncs)
    {
        Console.WriteLine($"journal: {mine["appends"]} appends, {syncs} fsyncs, {mine["storage_file_bytes"]} bytes");
    }
}

JsonObject RunLabbook(string samplerName, string storageKind)
{
    var path = Path.Combine(workdir, $"labbook-{samplerName}-{storageKind}.jsonl");
    File.Delete(path);
    var createStart = Stopwatch.GetTimestamp();
    IStudyStorage storage = storageKind switch
    {
        "inmemory" => new InMemoryStorage(),
        "journal" => new JournalFileStorage(path),
        "journal-fsync" => new JournalFileStorage(path, durability: JournalDurability.EveryAppend),
        _ => throw new ArgumentException($"unknown storage '{storageKind}' (known: inmemory, journal, journal-fsync)"),
    };
    var study = Study.Create("overhead", sampler: MakeSampler(samplerName, 0), storage: storage);
    var createMs = Stopwatch.GetElapsedTime(createStart).TotalMilliseconds;
    var names = Enumerable.Range(0, 6).Select(i => "x" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    var ask = new double[trials];
    var suggest = new double[trials];
    var tell = new double[trials];
    var total = new double[trials];
    var cpuAt = new Dictionary<int, double> { [0] = CpuMs() };
    var xs = new double[6];
    var start = Stopwatch.GetTimestamp();
    for (var n = 0; n < trials; n++)
    {
        var t0 = Stopwatch.GetTimestamp();
        var trial = study.Ask();
        var t1 = Stopwatch.GetTimestamp();
        for (var k = 0; k < 6; k++)
        {
            xs[k] = trial.SuggestFloat(names[k], 0.0, 1.0);
        }
        var t2 = Stopwatch.GetTimestamp();
        var v = 0.0;
        foreach (var x in xs)
        {
            v += (x - 0.5) * (x - 0.5);
        }
        var t3 = Stopwatch.GetTimestamp();
        study.Tell(trial, v);
        var t4 = Stopwatch.GetTimestamp();
        ask[n] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        suggest[n] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        tell[n] = Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
        total[n] = ask[n] + suggest[n] + tell[n];
        if (bands.Any(b => n + 1 == Math.Min(b.Hi, trials)))
        {
            cpuAt[n + 1] = CpuMs();
        }
    }
    var totalS = Stopwatch.GetElapsedTime(start).TotalSeconds;
    var bandsJson = new JsonObject();
    foreach (var (lo, hi0) in bands)
    {
        if (lo > trials)
        {
            continue;
        }
        var hi = Math.Min(hi0, trials);
        var slice = total[(lo - 1)..hi];
        bandsJson[$"{lo}-{hi}"] = new JsonObject
        {
            ["mean_ms"] = slice.Average(),
            ["median_ms"] = Percentile(slice, 0.5),
            ["p90_ms"] = Percentile(slice, 0.9),
            ["ask_mean_ms"] = ask[(lo - 1)..hi].Average(),
            ["suggest_mean_ms"] = suggest[(lo - 1)..hi].Average(),
            ["tell_mean_ms"] = tell[(lo - 1)..hi].Average(),
            ["cpu_mean_ms"] = (cpuAt[hi] - cpuAt[lo - 1]) / (hi - lo + 1),
        };
    }
    var record = new JsonObject
    {
        ["storage"] = storageKind,
        ["sampler"] = "cs-" + samplerName,
        ["seed"] = 0,
        ["n_trials"] = trials,
        ["dim"] = 6,
        ["space"] = "6 x float [0,1], define-by-run SuggestFloat",
        ["objective"] = "sum((x-0.5)^2)",
        ["create_study_ms"] = createMs,
        ["total_s"] = totalS,
        ["bands"] = bandsJson,
        ["storage_file_bytes"] = null,
        ["per_trial_ms"] = new JsonArray([.. total.Select(t => (JsonNode?)JsonValue.Create(Math.Round(t, 4)))]),
        ["labbook_version"] = typeof(Study).Assembly.GetName().Version?.ToString(),
        ["dotnet"] = Environment.Version.ToString(),
        ["finished_at"] = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
    };
    if (storage is JournalStorage { Backend: JournalFileBackend backend } journal)
    {
        journal.Dispose();
        record["durability"] = backend.Durability.ToString();
        record["appends"] = backend.AppendCount;
        record["syncs"] = backend.SyncCount;
        record["storage_file_bytes"] = new FileInfo(path).Length;
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
        record["reopen_ms"] = Percentile(reopen, 0.5);
    }
    return record;
}

JsonObject? RunOptuna(string samplerName, string storageKind)
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
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        var stdout = stdoutTask.Result;
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine($"optuna peer failed ({samplerName}, {storageKind}): {stderr.Trim()}");
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

// The whole process's CPU time (all threads: sampler, journal flusher, GC), in ms.
static double CpuMs()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime.TotalMilliseconds;
}

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ')[..3]);
    }
    catch (IOException)
    {
        return "unknown";
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
