using System.Text.Json.Nodes;
using Labbook.Tuning;
using Labbook.Tuning.Samplers;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Tuning;

/// <summary>Journals written by Labbook open in Optuna 3.1 and the other way round, and each continues the other's study.</summary>
public sealed class OptunaInteropTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-interop-" + Guid.NewGuid().ToString("N"));

    public OptunaInteropTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonArray Optuna(params string[] args)
    {
        var (code, stdout, stderr) = Processes.Run(Processes.Python, [Processes.Script("optuna_interop.py"), .. args], TimeSpan.FromSeconds(120));
        Assert.True(code == 0, $"optuna_interop.py {string.Join(' ', args)} failed: {stderr}");
        return (JsonArray)PythonJson.Parse(stdout.Trim())!;
    }

    /// <summary>Labbook's trials in the shape the Python script prints.</summary>
    private static string AsOptunaDump(IReadOnlyList<FrozenTrial> trials)
    {
        var arr = new JsonArray();
        foreach (var t in trials)
        {
            var ps = new JsonObject();
            foreach (var (k, v) in t.Params)
            {
                ps[k] = Labbook.Tuning.Storages.Journal.DistributionJson.ChoiceToNode(v);
            }
            var iv = new JsonObject();
            foreach (var (k, v) in t.IntermediateValues.OrderBy(p => p.Key))
            {
                iv[k.ToString(System.Globalization.CultureInfo.InvariantCulture)] = v;
            }
            var ua = new JsonObject();
            foreach (var (k, v) in t.UserAttrs)
            {
                ua[k] = v?.DeepClone();
            }
            arr.Add(new JsonObject
            {
                ["number"] = (long)t.Number,
                ["state"] = (long)(int)t.State,
                ["value"] = t.Value is { } value ? JsonValue.Create(value) : null,
                ["params"] = ps,
                ["intermediate_values"] = iv,
                ["user_attrs"] = ua,
            });
        }
        return PythonJson.Serialize(arr);
    }

    private static double Objective(Trial trial)
    {
        var x = trial.SuggestFloat("x", -5, 5);
        var n = trial.SuggestInt("n", 1, 8);
        var act = trial.SuggestCategorical("act", ["relu", "tanh", "gelu"]);
        if (act == "gelu")
        {
            trial.SuggestFloat("dropout", 0.0, 0.5);
        }
        trial.Report(x * x, 0);
        return (x * x) + n;
    }

    [OptunaFact]
    public void A_journal_written_by_labbook_opens_in_optuna_and_optuna_continues_it()
    {
        var path = Path.Combine(_dir, "labbook.jsonl");
        using (var storage = new JournalFileStorage(path))
        {
            var study = Study.Create("lb", storage: storage, sampler: new RandomSampler(1));
            study.SetUserAttr("owner", "labbook é");
            study.EnqueueTrial(new Dictionary<string, object?> { ["x"] = 1.5, ["n"] = 2, ["act"] = "tanh" });
            study.Optimize(Objective, nTrials: 8);
            var t = study.Ask();
            t.SuggestFloat("x", -5, 5);
            t.Report(double.PositiveInfinity, 0);
            t.Report(double.NaN, 1);
            t.SetUserAttr("note", "pruned ✓ 😀");
            study.Tell(t, TrialState.Pruned);
            study.Tell(study.Ask(), TrialState.Fail);
            study.Optimize(_ => throw new InvalidOperationException("boom"), nTrials: 1);
            study.Optimize(_ => double.NaN, nTrials: 1);
            study.EnqueueTrial(new Dictionary<string, object?> { ["x"] = -1.0 });
            Assert.Equal(AsOptunaDump(study.Trials), PythonJson.Serialize(Optuna("dump", path, "lb")));
        }

        var continued = Optuna("continue", path, "lb", "5", "3");
        // 12 trials, the enqueued one (number 12, which Optuna runs first), then 4 more.
        Assert.Equal(17, continued.Count);
        Assert.Equal(-1.0, (double)continued[12]!["params"]!["x"]!);
        using (var storage = new JournalFileStorage(path))
        {
            var study = Study.Load("lb", storage, sampler: new RandomSampler(2));
            Assert.Equal(PythonJson.Serialize(continued), AsOptunaDump(study.Trials));
            study.Optimize(Objective, nTrials: 4);
            Assert.Equal(21, study.Trials.Count);
            Assert.Equal(AsOptunaDump(study.Trials), PythonJson.Serialize(Optuna("dump", path, "lb")));
        }
    }

    [OptunaFact]
    public void A_journal_written_by_optuna_opens_in_labbook_and_labbook_continues_it()
    {
        var path = Path.Combine(_dir, "optuna.jsonl");
        var written = Optuna("write", path, "op", "0");
        using (var storage = new JournalFileStorage(path))
        {
            var study = Study.Load("op", storage, sampler: new RandomSampler(5));
            Assert.Equal(PythonJson.Serialize(written), AsOptunaDump(study.Trials));
            Assert.Equal("optuna é", (string?)study.UserAttrs["owner"]);
            study.Optimize(Objective, nTrials: 5);
            // The trial Optuna enqueued runs first, with its fixed x.
            Assert.Equal(-1.0, study.Trials[written.Count - 1].Params["x"]);
            Assert.Equal(written.Count + 4, study.Trials.Count);
        }
        var reread = Optuna("dump", path, "op");
        Assert.Equal(written.Count + 4, reread.Count);
        Assert.All(reread.Skip(written.Count - 1), t => Assert.Equal(1, JournalOps.AsInt(t!["state"])));
    }

    [OptunaFact]
    public void A_journal_repaired_after_a_crash_stays_readable_by_optuna()
    {
        var path = Path.Combine(_dir, "torn.jsonl");
        using (var storage = new JournalFileStorage(path))
        {
            Study.Create("t", storage: storage, sampler: new RandomSampler(1)).Optimize(Objective, nTrials: 3);
        }
        File.AppendAllText(path, "{\"op_code\": 4, \"worker_id\": \"x\", \"stu");
        using (var storage = new JournalFileStorage(path))
        {
            Study.Load("t", storage, sampler: new RandomSampler(2)).Optimize(Objective, nTrials: 2);
        }
        Assert.Equal(5, Optuna("continue", path, "t", "1", "0").Count - 1);
    }

    [OptunaFact]
    public void Optuna_grid_workers_skip_the_points_labbook_took()
    {
        var path = Path.Combine(_dir, "grid.jsonl");
        using (var storage = new JournalFileStorage(path))
        {
            var grid = new GridSampler(new Dictionary<string, object?[]> { ["a"] = [1, 2, 3, 4], ["b"] = ["x", "y", "z"] }, seed: 3);
            Study.Create("g", storage: storage, sampler: grid)
                .Optimize(t => t.SuggestInt("a", 1, 4) + t.SuggestCategorical("b", ["x", "y", "z"]).Length, nTrials: 7);
        }
        var trials = Optuna("grid", path, "g");
        Assert.Equal(12, trials.Count);
        Assert.Equal(12, trials.Select(t => PythonJson.Serialize(t!["params"])).Distinct().Count());
    }
}
