using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Bench.Hpo;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const string Usage = """
    Labbook HPO quality benchmark (protocol of ../shared/bench/hpo/run_optuna.py).
      verify                                      check the ported functions against spaces/*.json checks
      run --out DIR [--functions all|a,b] [--samplers all|a,b] [--seeds 0-9] [--trials 200]
                                                  write DIR/quality.jsonl (one record per function x sampler x seed)
      summary --results DIR [--markdown FILE]     median [IQR] best@100/best@200 beside Optuna 3.1 (reference/), targets
      perf [--trials 2000] [--samplers a,b]       ms per trial (wall and CPU) at trials 1001-2000, 6 floats, sum((x-0.5)^2)
    """;

if (args.Length == 0)
{
    Console.WriteLine(Usage);
    return 2;
}
var options = ParseOptions(args.Skip(1).ToArray());
try
{
    return args[0] switch
    {
        "verify" => Verify(),
        "run" => RunQuality(options),
        "summary" => Summarize.Run(Get(options, "results", null) ?? throw new ArgumentException("--results DIR is required"), Get(options, "markdown", null)),
        "perf" => Perf(options),
        _ => Fail($"unknown command {args[0]}\n{Usage}"),
    };
}
catch (ArgumentException e)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}

static Dictionary<string, string> ParseOptions(string[] a)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < a.Length; i++)
    {
        if (!a[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= a.Length)
        {
            throw new ArgumentException($"bad argument {a[i]}");
        }
        d[a[i][2..]] = a[++i];
    }
    return d;
}

static string? Get(Dictionary<string, string> o, string key, string? fallback) => o.TryGetValue(key, out var v) ? v : fallback;

static List<int> ParseSeeds(string s)
{
    var seeds = new List<int>();
    foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        var dash = part.IndexOf('-', 1);
        if (dash > 0)
        {
            var a = int.Parse(part[..dash], CultureInfo.InvariantCulture);
            var b = int.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture);
            for (var i = a; i <= b; i++)
            {
                seeds.Add(i);
            }
        }
        else
        {
            seeds.Add(int.Parse(part, CultureInfo.InvariantCulture));
        }
    }
    return seeds;
}

static int Verify()
{
    var ok = true;
    foreach (var name in Space.AllNames)
    {
        var space = Space.Load(name);
        var worst = 0.0;
        foreach (var c in space.Checks)
        {
            var v = Functions.Evaluate(name, c.Params, c.NoiseSeed ?? 0, c.EvalIndex ?? 0);
            worst = Math.Max(worst, RelErr(v, c.Value));
            if (c.NoiseFreeValue is { } nf)
            {
                worst = Math.Max(worst, RelErr(Functions.EvaluateNoiseFree(name, c.Params), nf));
            }
        }
        var good = worst <= 1e-12;
        ok &= good;
        Console.WriteLine($"{name,-18} {space.Checks.Count} checks, max relative error {worst:E2} {(good ? "OK" : "FAIL")}");
    }
    Console.WriteLine(ok ? "ALL OK" : "SOME CHECKS FAILED");
    return ok ? 0 : 1;
}

static double RelErr(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-300);

static int RunQuality(Dictionary<string, string> o)
{
    var outDir = Get(o, "out", null) ?? throw new ArgumentException("--out DIR is required");
    var fs = Get(o, "functions", "all")!;
    var functions = fs == "all" ? Space.AllNames : fs.Split(',');
    var ss = Get(o, "samplers", "all")!;
    var samplers = ss == "all" ? BenchSamplers.AllNames : ss.Split(',');
    var seeds = ParseSeeds(Get(o, "seeds", "0-9")!);
    var nTrials = int.Parse(Get(o, "trials", "200")!, CultureInfo.InvariantCulture);
    int[] checkpoints = [.. Checkpoints.All.Where(c => c <= nTrials)];
    Directory.CreateDirectory(outDir);
    var path = Path.Combine(outDir, "quality.jsonl");
    using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
    foreach (var f in functions)
    {
        var space = Space.Load(f);
        foreach (var s in samplers)
        {
            var bests = new List<double>();
            var overheads = new List<double>();
            foreach (var seed in seeds)
            {
                var (sampler, config) = BenchSamplers.Create(s, seed);
                var r = StudyRunner.Run(sampler, space, nTrials, (ulong)seed);
                var rec = Record(space, s, config, seed, nTrials, checkpoints, r);
                writer.WriteLine(rec.ToJsonString());
                writer.Flush();
                var bestTrue = rec[Functions.IsNoisy(f) ? "best_true_at" : "best_at"]![checkpoints[^1].ToString(CultureInfo.InvariantCulture)]!.GetValue<double>();
                bests.Add(bestTrue);
                overheads.Add(rec["overhead_ms_per_trial"]!.GetValue<double>());
            }
            var (m, q25, q75) = Stats.Summary(bests);
            Console.WriteLine($"{f,-18} {s,-10} best@{nTrials} median {m:G6} [{q25:G6}, {q75:G6}]  overhead {overheads.Average():F3} ms/trial");
        }
    }
    Console.WriteLine($"wrote {path}");
    return 0;
}

static JsonObject Record(Space space, string sampler, string config, int seed, int nTrials, int[] checkpoints, StudyRunner.RunResult r)
{
    var noisy = Functions.IsNoisy(space.Name);
    var sign = space.Maximize ? -1.0 : 1.0;
    var bestAt = new JsonObject();
    var regretAt = new JsonObject();
    var bestTrueAt = new JsonObject();
    var best = double.PositiveInfinity;
    var bestI = -1;
    for (var i = 0; i < nTrials; i++)
    {
        if (sign * r.Values[i] < best)
        {
            best = sign * r.Values[i];
            bestI = i;
        }
        var n = i + 1;
        if (checkpoints.Contains(n))
        {
            var key = n.ToString(CultureInfo.InvariantCulture);
            bestAt[key] = sign * best;
            regretAt[key] = (sign * best) - space.Optimum;
            if (noisy)
            {
                bestTrueAt[key] = r.TrueValues[bestI];
            }
        }
    }
    var bands = new JsonObject();
    var lo = 1;
    foreach (var c in checkpoints)
    {
        var sum = 0.0;
        for (var i = lo - 1; i < c; i++)
        {
            sum += r.OverheadSeconds[i];
        }
        bands[$"{lo}-{c}"] = 1000.0 * sum / (c - lo + 1);
        lo = c + 1;
    }
    var bestParams = new JsonObject();
    foreach (var (k, v) in r.Params[bestI])
    {
        bestParams[k] = v switch
        {
            double d => JsonValue.Create(d),
            long l => JsonValue.Create(l),
            string s => JsonValue.Create(s),
            _ => null,
        };
    }
    var rec = new JsonObject
    {
        ["function"] = space.Name,
        ["sampler"] = sampler,
        ["seed"] = seed,
        ["n_trials"] = nTrials,
        ["direction"] = space.Maximize ? "maximize" : "minimize",
        ["optimum"] = space.Optimum,
        ["best_at"] = bestAt,
        ["regret_at"] = regretAt,
        ["best_value"] = sign * best,
        ["best_trial"] = bestI,
        ["best_params"] = bestParams,
        ["wall_s"] = r.WallSeconds,
        ["objective_s"] = r.ObjectiveSeconds,
        ["overhead_s"] = r.WallSeconds - r.ObjectiveSeconds,
        ["overhead_ms_per_trial"] = 1000.0 * (r.WallSeconds - r.ObjectiveSeconds) / nTrials,
        ["overhead_ms_by_band"] = bands,
        ["values"] = new JsonArray([.. r.Values.Select(v => (JsonNode?)JsonValue.Create(v))]),
        ["sampler_config"] = new JsonObject { ["class"] = config },
        ["storage"] = "inmemory (Study.Create + Ask/Tell)",
        ["labbook_version"] = typeof(Labbook.Tuning.TpeSampler).Assembly.GetName().Version?.ToString(),
        ["dotnet"] = Environment.Version.ToString(),
        ["parallel_jobs"] = 1,
        ["host_nproc"] = Environment.ProcessorCount,
        ["finished_at"] = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
    };
    if (noisy)
    {
        rec["best_true_at"] = bestTrueAt;
        var regretTrue = new JsonObject();
        foreach (var (k, v) in bestTrueAt)
        {
            regretTrue[k] = v!.GetValue<double>() - space.Optimum;
        }
        rec["regret_true_at"] = regretTrue;
        rec["true_values"] = new JsonArray([.. r.TrueValues.Select(v => (JsonNode?)JsonValue.Create(v))]);
    }
    return rec;
}

static int Perf(Dictionary<string, string> o)
{
    var nTrials = int.Parse(Get(o, "trials", "2000")!, CultureInfo.InvariantCulture);
    var ss = Get(o, "samplers", "cs-tpe,cs-tpe-mv")!;
    // The peer's overhead benchmark (../shared/bench/hpo/overhead.py): 6 floats in [0, 1], sum((x - 0.5)^2).
    var space = new Space
    {
        Name = "sphere6",
        Params = [.. Enumerable.Range(0, 6).Select(i => new SpaceParam(string.Create(CultureInfo.InvariantCulture, $"x{i}"), new Labbook.Tuning.FloatDistribution(0, 1), null, null))],
        Optimum = 0,
        Maximize = false,
        Checks = [],
    };
    foreach (var s in ss.Split(','))
    {
        var (sampler, _) = BenchSamplers.Create(s, 0);
        var r = StudyRunner.Run(sampler, space, nTrials, 0, recordCpu: true);
        var from = Math.Min(1000, nTrials / 2);
        var ms = 1000.0 * r.OverheadSeconds.Skip(from).Average();
        // CPU time of the process (sampler, loop and GC) is reported too: it is what a loaded machine does not inflate.
        var cpuMs = 1000.0 * (r.CpuSecondsAtTrial![nTrials] - r.CpuSecondsAtTrial[from]) / (nTrials - from);
        Console.WriteLine($"{s,-10} sphere6 (6-d float): {ms:F3} ms wall, {cpuMs:F3} ms CPU per trial at trials {from + 1}-{nTrials} (Optuna 3.1 TPE, same space and objective: 94 ms wall at 1001-2000)");
    }
    return 0;
}
