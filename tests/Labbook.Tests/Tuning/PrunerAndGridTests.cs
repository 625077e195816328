using Labbook.Tuning;
using Labbook.Tuning.Pruners;
using Labbook.Tuning.Samplers;

namespace Labbook.Tests.Tuning;

public sealed class PrunerAndGridTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-prune-" + Guid.NewGuid().ToString("N"));

    public PrunerAndGridTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Trial k reports k + step/10 at steps 0..9: later trials are worse, so a pruner should stop them.</summary>
    private static Study RunCurves(IPruner pruner, int trials, StudyDirection direction = StudyDirection.Minimize)
    {
        var study = Study.Create(direction: direction, sampler: new RandomSampler(0), pruner: pruner);
        study.Optimize(t =>
        {
            var sign = direction == StudyDirection.Minimize ? 1 : -1;
            double value = 0;
            for (var step = 0; step < 10; step++)
            {
                value = sign * (t.Number + (step / 10.0));
                t.Report(value, step);
                if (t.ShouldPrune())
                {
                    throw new TrialPrunedException();
                }
            }
            return value;
        }, nTrials: trials);
        return study;
    }

    [Theory]
    [InlineData(StudyDirection.Minimize)]
    [InlineData(StudyDirection.Maximize)]
    public void Median_pruner_waits_for_startup_trials_then_prunes_worse_curves(StudyDirection direction)
    {
        var study = RunCurves(new MedianPruner(), 8, direction);
        var states = study.Trials.Select(t => t.State).ToArray();
        Assert.All(states[..5], s => Assert.Equal(TrialState.Complete, s));
        Assert.All(states[5..], s => Assert.Equal(TrialState.Pruned, s));
        Assert.Equal(0, study.Trials[5].IntermediateValues.Keys.Max());
    }

    [Fact]
    public void Percentile_interpolates_like_numpy()
    {
        Assert.Equal(2.5, PrunerMath.NanPercentile([1, 2, 3, 4], 50));
        Assert.Equal(1.75, PrunerMath.NanPercentile([1, 2, 3, 4, double.NaN], 25));
        Assert.True(double.IsNaN(PrunerMath.NanPercentile([double.NaN], 50)));
    }

    [Fact]
    public void Successive_halving_keeps_the_top_fraction_at_each_rung()
    {
        var study = RunCurves(new SuccessiveHalvingPruner(minResource: 1, reductionFactor: 2), 6);
        var trials = study.Trials;
        Assert.Equal(TrialState.Complete, trials[0].State);
        Assert.Contains(trials, t => t.State == TrialState.Pruned);
        Assert.True(trials[0].SystemAttrs.ContainsKey("completed_rung_0"));
    }

    [Fact]
    public void Hyperband_assigns_brackets_and_prunes()
    {
        var study = RunCurves(new HyperbandPruner(minResource: 1, maxResource: 9), 12);
        Assert.Contains(study.Trials, t => t.State == TrialState.Pruned);
        Assert.Equal(0u, PrunerMath.Crc32([]));
        Assert.Equal(0xCBF43926u, PrunerMath.Crc32("123456789"u8));
    }

    [Fact]
    public void Threshold_pruner_prunes_outside_bounds_and_on_nan()
    {
        var p = new ThresholdPruner(lower: 0, upper: 1);
        var history = Study.Create();
        static FrozenTrial With(params double[] values) => new()
        {
            Number = 0,
            TrialId = 0,
            State = TrialState.Running,
            IntermediateValues = values.Select((v, i) => (v, i)).ToDictionary(x => x.i, x => x.v),
        };
        Assert.False(p.Prune(history, With(0.5)));
        Assert.True(p.Prune(history, With(0.5, 2)));
        Assert.True(p.Prune(history, With(-1)));
        Assert.True(p.Prune(history, With(double.NaN)));
        Assert.False(p.Prune(history, With()));
    }

    [Fact]
    public void Patient_pruner_waits_for_patience_steps_without_improvement()
    {
        var history = Study.Create();
        static FrozenTrial With(params double[] values) => new()
        {
            Number = 0,
            TrialId = 0,
            State = TrialState.Running,
            IntermediateValues = values.Select((v, i) => (v, i)).ToDictionary(x => x.i, x => x.v),
        };
        var p = new PatientPruner(null, patience: 2);
        Assert.False(p.Prune(history, With(1, 2, 3)));
        Assert.True(p.Prune(history, With(1, 2, 3, 4)));
        Assert.False(p.Prune(history, With(1, 2, 3, 0.5)));
        Assert.False(new PatientPruner(new ThresholdPruner(upper: 10), patience: 2).Prune(history, With(1, 2, 3, 4)));
    }

    [Fact]
    public void Grid_sampler_runs_every_combination_once_then_stops()
    {
        var grid = new GridSampler(new Dictionary<string, object?[]> { ["x"] = [0.0, 0.5, 1.0], ["act"] = ["relu", "tanh"] }, seed: 1);
        var study = Study.Create(sampler: grid);
        study.Optimize(t => t.SuggestFloat("x", 0, 1) + (t.SuggestCategorical("act", ["relu", "tanh"]) == "relu" ? 0 : 1));
        var seen = study.Trials.Select(t => $"{t.Params["x"]}/{t.Params["act"]}").ToArray();
        Assert.Equal(6, seen.Length);
        Assert.Equal(6, seen.Distinct().Count());
    }

    [Fact]
    public void Grid_sampler_is_safe_with_several_workers_on_one_journal()
    {
        var path = Path.Combine(_dir, "grid.jsonl");
        var space = new Dictionary<string, object?[]> { ["a"] = [1, 2, 3, 4], ["b"] = [10, 20, 30] };
        using (var setup = new JournalFileStorage(path))
        {
            Study.Create("g", storage: setup);
        }
        var threads = Enumerable.Range(0, 3).Select(w => new Thread(() =>
        {
            using var storage = new JournalFileStorage(path);
            var study = Study.Load("g", storage, sampler: new GridSampler(space, seed: w));
            study.Optimize(t => t.SuggestInt("a", 1, 4) * t.SuggestInt("b", 10, 30, step: 10), nJobs: 2);
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        using var check = new JournalFileStorage(path);
        var trials = check.GetAllTrials(0);
        Assert.Equal(12, trials.Count);
        Assert.Equal(12, trials.Select(t => $"{t.Params["a"]}/{t.Params["b"]}").Distinct().Count());
    }
}
