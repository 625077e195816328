using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Tests.Sweeps;

public class StudyPlotsTests
{
    private static Study Conditional()
    {
        var study = Study.Create(direction: StudyDirection.Maximize, sampler: new RandomSampler(2));
        study.Optimize(t =>
        {
            var lr = t.SuggestFloat("lr", 1e-5, 1e-1, log: true);
            var optimizer = t.SuggestCategorical("optimizer", new[] { "adam", "sgd" });
            var momentum = optimizer == "sgd" ? t.SuggestFloat("momentum", 0, 0.9) : 0;
            for (var step = 0; step < 3; step++)
            {
                t.Report(step * lr, step);
            }
            return -Math.Abs(Math.Log10(lr) + 3) + momentum;
        }, nTrials: 30);
        return study;
    }

    [Fact]
    public void Parallel_coordinates_put_log_params_on_a_log_axis_categoricals_by_choice_and_absent_params_below_the_axis()
    {
        var study = Conditional();
        var plots = StudyPlots.From("s", "acc", StudyDirection.Maximize, study.Trials);
        Assert.Equal(["acc", "lr", "momentum", "optimizer"], plots.ParallelAxes.Select(a => a.Name));
        var lr = plots.ParallelAxes[1];
        Assert.Equal(PlotScale.Log, lr.Scale);
        Assert.Equal(0.5, lr.Normalize(1e-3)!.Value, 9);
        Assert.Equal(0.25, lr.Normalize(1e-4)!.Value, 9);
        Assert.Contains(lr.Ticks(), t => t.Label == "0.001" && Math.Abs(t.Position - 0.5) < 1e-9);
        var optimizer = plots.ParallelAxes[3];
        Assert.Equal(PlotScale.Categorical, optimizer.Scale);
        Assert.Equal(0, optimizer.Normalize("adam"));
        Assert.Equal(1, optimizer.Normalize("sgd"));
        var momentum = plots.ParallelAxes[2];
        Assert.True(momentum.HasMissing);
        Assert.Contains(momentum.Ticks(), t => t.Label == "(absent)" && t.Position == PlotAxis.MissingPosition);
        foreach (var line in plots.ParallelLines)
        {
            var trial = study.Trials.Single(t => t.Number == line.Number);
            Assert.Equal(trial.Params["optimizer"] is "sgd", line.Positions[2] >= 0);
            Assert.Equal(lr.Normalize(trial.Params["lr"]), line.Positions[1]);
        }
        // The best line is drawn last (on top).
        Assert.Equal(study.BestTrial.Number, plots.ParallelLines[^1].Number);
    }

    [Fact]
    public void History_keeps_the_best_so_far_in_the_study_direction_and_intermediate_values_keep_each_trials_state()
    {
        var study = Conditional();
        var plots = StudyPlots.From("s", "acc", StudyDirection.Maximize, study.Trials);
        Assert.Equal(30, plots.History.Count);
        for (var i = 0; i < plots.History.Count; i++)
        {
            Assert.Equal(plots.History.Take(i + 1).Max(p => p.Value), plots.History[i].BestSoFar);
        }
        Assert.Equal(30, plots.Intermediate.Count);
        Assert.All(plots.Intermediate, c => Assert.Equal([0, 1, 2], c.Points.Select(p => p.Step)));
        Assert.Equal(3, plots.Slices.Count);
        Assert.Equal(["adam", "sgd"], plots.Slices.Single(s => s.Axis.Name == "optimizer").Axis.Categories);
        Assert.Equal(plots.History.Count(h => study.Trials[h.Number].Params.ContainsKey("momentum")), plots.Slices.Single(s => s.Axis.Name == "momentum").Points.Count);

        var pruned = Study.Create(sampler: new RandomSampler(1), pruner: new ThresholdPruner(upper: 0.5));
        pruned.Optimize(t =>
        {
            var x = t.SuggestFloat("x", 0, 1);
            t.Report(x, 0);
            if (t.ShouldPrune())
            {
                throw new TrialPrunedException();
            }
            return x;
        }, nTrials: 20);
        var curves = StudyPlots.From("p", "x", StudyDirection.Minimize, pruned.Trials).Intermediate;
        Assert.Equal(20, curves.Count);
        Assert.Contains(curves, c => c.State == TrialState.Pruned);
        Assert.All(curves.Where(c => c.State == TrialState.Pruned), c => Assert.True(c.Points[0].Value > 0.5));
    }

    [Fact]
    public void Integer_axes_tick_on_integers_and_a_study_without_trials_has_empty_plots()
    {
        var axis = new PlotAxis("layers", PlotScale.Linear, 1, 8, [], false) { IsInteger = true };
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7", "8"], axis.Ticks().Select(t => t.Label));
        Assert.Equal("1e-05", PlotAxis.Label(1e-5));
        var units = new PlotAxis("units", PlotScale.Linear, 32, 256, [], false) { IsInteger = true, Step = 32 };
        Assert.Equal(["32", "64", "96", "128", "160", "192", "224", "256"], units.Ticks().Select(t => t.Label));
        var choices = new PlotAxis("opt", PlotScale.Categorical, 0, 2, ["adam", "sgd", "null"], false);
        Assert.Equal(1.0, choices.Normalize(null));
        Assert.Equal(["adam", "sgd", "null"], choices.Ticks().Select(t => t.Label));
        var empty = StudyPlots.From("e", "loss", StudyDirection.Minimize, []);
        Assert.Empty(empty.History);
        Assert.Empty(empty.ParallelAxes);
        Assert.Empty(empty.Intermediate);
    }
}
