using System.Text.Json.Nodes;
using Labbook.Tuning;
using Labbook.Tuning.Pruners;
using Labbook.Tuning.Samplers;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Tuning;

/// <summary>Labbook's pruners decide as Optuna 3.1's do, on the same journals (including Labbook's own rung bookkeeping).</summary>
public sealed class PrunerParityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-parity-" + Guid.NewGuid().ToString("N"));

    public PrunerParityTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IPruner Make(string spec) => spec switch
    {
        "median" => new MedianPruner(),
        "median_warmup" => new MedianPruner(nStartupTrials: 3, nWarmupSteps: 2, intervalSteps: 2),
        "percentile25" => new PercentilePruner(25.0),
        "sha" => new SuccessiveHalvingPruner(),
        "sha_r2" => new SuccessiveHalvingPruner(minResource: 1, reductionFactor: 2),
        "hyperband" => new HyperbandPruner(),
        "hyperband_9" => new HyperbandPruner(minResource: 1, maxResource: 9),
        "threshold" => new ThresholdPruner(lower: 0.0, upper: 5.0),
        "patient" => new PatientPruner(null, patience: 2),
        "patient_median" => new PatientPruner(new MedianPruner(), patience: 1, minDelta: 0.1),
        _ => throw new ArgumentException(spec),
    };

    [OptunaFact]
    public void Pruners_decide_like_optuna_on_the_same_history()
    {
        string[] specs = ["median", "median_warmup", "percentile25", "sha", "sha_r2", "hyperband", "hyperband_9", "threshold", "patient", "patient_median"];
        var queries = new JsonArray();
        var expected = new List<(string Spec, int Seed, StudyDirection Direction, bool Decision)>();
        foreach (var spec in specs)
        {
            for (var seed = 0; seed < 6; seed++)
            {
                var direction = seed % 2 == 0 ? StudyDirection.Minimize : StudyDirection.Maximize;
                var path = Path.Combine(_dir, $"{spec}-{seed}.jsonl");
                var random = new Random(seed);
                int number;
                // Built in a memory backend (no fsync: fast), then written out for both sides.
                var memory = new MemoryJournalBackend();
                using (var storage = new JournalStorage(memory))
                {
                    // A history shaped by the pruner under test (its bookkeeping included), then one running trial.
                    var study = Study.Create("p", direction: direction, storage: storage, sampler: new RandomSampler(seed), pruner: Make(spec));
                    study.Optimize(t =>
                    {
                        var level = random.NextDouble() * 4;
                        var steps = random.Next(3, 12);
                        double v = 0;
                        for (var step = 0; step < steps; step++)
                        {
                            v = level + (random.NextDouble() - 0.5) + (3.0 / (step + 1));
                            t.Report(v, step);
                            if (t.ShouldPrune())
                            {
                                throw new TrialPrunedException();
                            }
                        }
                        return v;
                    }, nTrials: 12);
                    var running = study.Ask();
                    var reported = random.Next(1, 10);
                    for (var step = 0; step < reported; step++)
                    {
                        running.Report(random.NextDouble() * 6 - 0.5, step);
                    }
                    number = running.Number;
                }
                File.WriteAllBytes(path, memory.Bytes);
                // Each side decides on its own copy: successive halving records rung values as it decides.
                var optunaCopy = path + ".optuna";
                File.Copy(path, optunaCopy);
                using (var storage = new JournalFileStorage(path))
                {
                    var study = Study.Load("p", storage, pruner: Make(spec));
                    var trial = study.Trials[number];
                    expected.Add((spec, seed, direction, Make(spec).Prune(study, trial)));
                }
                queries.Add(new JsonObject { ["journal"] = optunaCopy, ["study"] = "p", ["pruner"] = spec, ["number"] = number });
            }
        }
        var input = Path.Combine(_dir, "queries.json");
        File.WriteAllText(input, PythonJson.Serialize(queries));
        var (code, stdout, stderr) = Processes.Run("/bin/sh", ["-c", $"{Processes.Python} '{Processes.Script("optuna_prune.py")}' < '{input}'"], TimeSpan.FromSeconds(120));
        Assert.True(code == 0, stderr);
        var decisions = (JsonArray)PythonJson.Parse(stdout.Trim())!;
        Assert.Equal(expected.Count, decisions.Count);
        var mismatches = expected.Select((e, i) => (e, optuna: (bool)decisions[i]!))
            .Where(p => p.e.Decision != p.optuna)
            .Select(p => $"{p.e.Spec} seed {p.e.Seed} {p.e.Direction}: Labbook {p.e.Decision}, Optuna {p.optuna}")
            .ToArray();
        Assert.True(mismatches.Length == 0, string.Join("\n", mismatches));
        Assert.Contains(expected, e => e.Decision);
        Assert.Contains(expected, e => !e.Decision);
    }
}

/// <summary>A journal backend in memory: shows the extension point, and builds journals without fsync cost.</summary>
internal sealed class MemoryJournalBackend : IJournalBackend
{
    private readonly MemoryStream _bytes = new();

    public byte[] Bytes => _bytes.ToArray();

    public ReadOnlyMemory<byte> ReadLogs(long offset)
    {
        var all = _bytes.GetBuffer().AsMemory(0, (int)_bytes.Length);
        var rest = all[(int)offset..];
        var last = rest.Span.LastIndexOf((byte)'\n');
        return last < 0 ? ReadOnlyMemory<byte>.Empty : rest[..(last + 1)].ToArray();
    }

    public void AppendLogs(ReadOnlySpan<byte> lines) => _bytes.Write(lines);

    public IDisposable Lock() => new Released();

    public void Dispose()
    {
    }

    private sealed class Released : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
