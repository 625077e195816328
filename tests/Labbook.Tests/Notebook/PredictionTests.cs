using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Runs;

namespace Labbook.Tests.Notebook;

public class PredictionParserTests
{
    [Theory]
    [InlineData("val_loss < 0.45", PredictionScope.Best, "<", "val_loss")]
    [InlineData("acc >= 0.9", PredictionScope.Best, ">=", "acc")]
    [InlineData("val_loss < baseline - 0.02", PredictionScope.Best, "<", "val_loss")]
    [InlineData("all: acc >= 0.9", PredictionScope.All, ">=", "acc")]
    [InlineData("mean : loss <= 2 * (baseline.loss + 1e-3) / 3", PredictionScope.Mean, "<=", "loss")]
    [InlineData("best: \"val/loss\" < run:base-1 - 0.1", PredictionScope.Best, "<", "val/loss")]
    [InlineData("0.5 > val_loss", PredictionScope.Best, ">", "val_loss")]
    [InlineData("baseline.acc + 0.01 <= acc", PredictionScope.Best, "<=", "acc")]
    [InlineData("all < 3", PredictionScope.Best, "<", "all")]
    public void Parses_valid_predictions(string text, PredictionScope scope, string op, string metric)
    {
        var p = Prediction.Parse(text);
        Assert.Equal(scope, p.Scope);
        Assert.Equal(op, p.Operator);
        Assert.Equal(metric, p.PrimaryMetric);
    }

    [Theory]
    [InlineData("", 1, "empty prediction")]
    [InlineData("val_loss", 9, "expected a comparison")]
    [InlineData("val_loss < ", 12, "expected a value after '<'")]
    [InlineData("val_loss == 0.4", 10, "only <, <=, > and >=")]
    [InlineData("val_loss < 0.4 < 1", 16, "only one comparison")]
    [InlineData("val_loss < (0.4 + 1", 20, "'(' at column 12 is not closed")]
    [InlineData("val_loss < 0.4x", 15, "unexpected 'x' after the number 0.4")]
    [InlineData("val_loss < 1..2", 12, "'1..2' is not a number")]
    [InlineData("0.4 < 0.5", 1, "names no metric")]
    [InlineData("val_loss < run: - 1", 16, "expected a run name")]
    [InlineData("val_loss < baseline.", 21, "expected a metric name after '.'")]
    [InlineData("min(val_loss) < 1", 1, "'min' is not a function")]
    [InlineData("val_loss < $x", 12, "found '$'")]
    [InlineData("\"val/loss < 1", 1, "quoted name is not closed")]
    public void Reports_the_column_of_a_syntax_error(string text, int column, string message)
    {
        var e = Assert.Throws<PredictionSyntaxException>(() => Prediction.Parse(text));
        Assert.Equal(column, e.Column);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"column {column}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Direction_follows_the_comparison()
    {
        Assert.True(Prediction.Parse("loss < 1").LowerIsBetter);
        Assert.False(Prediction.Parse("acc > 1").LowerIsBetter);
        Assert.False(Prediction.Parse("1 < acc").LowerIsBetter);
    }
}

public class PredictionEvaluationTests
{
    internal static RunInfo Run(string id, RunStatus status, Dictionary<string, double>? metrics = null, string? name = null, params string[] tags)
    {
        var summary = new RunSummary();
        foreach (var (k, v) in metrics ?? [])
        {
            var s = new MetricStats();
            s.Add(1, v);
            summary.Metrics[k] = s;
        }
        return new RunInfo
        {
            Directory = "/nonexistent/" + id,
            Record = new RunRecord { Id = id, Name = name, Status = status, Tags = [.. tags] },
            Status = status,
            Summary = summary,
        };
    }

    private static RunInfo? None(string _) => null;

    [Fact]
    public void Best_run_meets_a_threshold()
    {
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["val_loss"] = 0.5 }), Run("b", RunStatus.Completed, new() { ["val_loss"] = 0.41 }) };
        var r = Prediction.Parse("val_loss < 0.45").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Met, r.Outcome);
        Assert.Equal("b", r.RunId);
        Assert.Equal("val_loss 0.41 < 0.45 on b, best of 2 completed", r.Detail);
    }

    [Fact]
    public void Not_met_when_no_run_reaches_it_and_none_is_running()
    {
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["acc"] = 0.8 }), Run("f", RunStatus.Failed, new() { ["acc"] = 0.95 }) };
        var r = Prediction.Parse("acc >= 0.9").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.NotMet, r.Outcome);
        Assert.Equal("acc 0.8 < 0.9 on a (expected >=), best of 1 completed", r.Detail);
    }

    [Fact]
    public void A_verdict_not_met_states_the_relation_that_holds_and_the_expected_one()
    {
        var other = Run("6gbfax7hj", RunStatus.Completed, new() { ["val_loss"] = 0.1017 });
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["val_loss"] = 0.1173 }) };
        var r = Prediction.Parse("val_loss < run:6gbfax7hj").Evaluate(runs, q => q == "6gbfax7hj" ? other : null);
        Assert.Equal(PredictionOutcome.NotMet, r.Outcome);
        Assert.StartsWith("val_loss 0.1173 > run:6gbfax7hj 0.1017 on a (expected <), best of 1 completed", r.Detail, StringComparison.Ordinal);
        var mean = Prediction.Parse("mean: val_loss <= 0.1").Evaluate(runs, None);
        Assert.Equal("mean val_loss 0.1173 > 0.1 over 1 runs (expected <=)", mean.Detail);
        var equal = Prediction.Parse("all: val_loss < 0.1173").Evaluate(runs, None);
        Assert.Equal("1 of 1 fail: val_loss 0.1173 = 0.1173 on a (expected <)", equal.Detail);
    }

    [Fact]
    public void Undecidable_while_a_run_could_still_change_a_negative_verdict()
    {
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["acc"] = 0.8 }), Run("r", RunStatus.Running) };
        var r = Prediction.Parse("acc >= 0.9").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Undecidable, r.Outcome);
        Assert.Equal("acc 0.8 < 0.9 on a (expected >=), best of 1 completed; 1 still running", r.Detail);
    }

    [Fact]
    public void Undecidable_when_nothing_finished()
    {
        var r = Prediction.Parse("acc >= 0.9").Evaluate([Run("r", RunStatus.Running)], None);
        Assert.Equal(PredictionOutcome.Undecidable, r.Outcome);
        Assert.Equal("no run finished yet (1 running)", r.Detail);
    }

    [Fact]
    public void Undecidable_when_the_metric_is_missing_or_nan()
    {
        var missing = Prediction.Parse("acc >= 0.9").Evaluate([Run("a", RunStatus.Completed, new() { ["loss"] = 1 })], None);
        Assert.Equal(PredictionOutcome.Undecidable, missing.Outcome);
        Assert.Equal("no completed run has a value (a: no acc)", missing.Detail);

        var nan = Prediction.Parse("acc >= 0.9").Evaluate([Run("a", RunStatus.Completed, new() { ["acc"] = double.NaN })], None);
        Assert.Equal(PredictionOutcome.Undecidable, nan.Outcome);
        Assert.Equal("no completed run has a value (a: acc is nan)", nan.Detail);

        var allNan = Prediction.Parse("all: acc >= 0.9").Evaluate([Run("a", RunStatus.Completed, new() { ["acc"] = double.NaN })], None);
        Assert.Equal(PredictionOutcome.Undecidable, allNan.Outcome);
        Assert.Equal("a: acc is nan", allNan.Detail);
    }

    [Fact]
    public void Baseline_is_the_tagged_run_and_is_not_judged_itself()
    {
        var runs = new[]
        {
            Run("base", RunStatus.Completed, new() { ["val_loss"] = 0.47 }, tags: "baseline"),
            Run("w1", RunStatus.Completed, new() { ["val_loss"] = 0.46 }),
            Run("w2", RunStatus.Completed, new() { ["val_loss"] = 0.44 }),
        };
        var met = Prediction.Parse("val_loss < baseline - 0.02").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Met, met.Outcome);
        Assert.Equal("val_loss 0.44 < (baseline - 0.02 = 0.45) on w2, best of 2 completed; baseline val_loss = 0.47 (base)", met.Detail);

        var notMet = Prediction.Parse("val_loss < baseline - 0.05").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.NotMet, notMet.Outcome);
    }

    [Fact]
    public void Missing_or_unfinished_baseline_is_undecidable()
    {
        var runs = new[] { Run("w", RunStatus.Completed, new() { ["val_loss"] = 0.4 }) };
        var r = Prediction.Parse("val_loss < baseline").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Undecidable, r.Outcome);
        Assert.Equal("no run tagged baseline in the entry", r.Detail);

        var running = new[] { Run("b", RunStatus.Running, tags: "baseline"), Run("w", RunStatus.Completed, new() { ["val_loss"] = 0.4 }) };
        var r2 = Prediction.Parse("val_loss < baseline").Evaluate(running, None);
        Assert.Equal(PredictionOutcome.Undecidable, r2.Outcome);
        Assert.Equal("baseline (b) is running", r2.Detail);
    }

    [Fact]
    public void Named_runs_are_found_by_the_callback()
    {
        var other = Run("old", RunStatus.Completed, new() { ["acc"] = 0.9 }, name: "v1");
        var runs = new[] { Run("new", RunStatus.Completed, new() { ["acc"] = 0.92 }) };
        var r = Prediction.Parse("acc >= run:v1 + 0.01").Evaluate(runs, q => q == "v1" ? other : null);
        Assert.Equal(PredictionOutcome.Met, r.Outcome);
        Assert.Contains("run:v1 acc = 0.9 (old)", r.Detail, StringComparison.Ordinal);

        var missing = Prediction.Parse("acc >= run:v2").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Undecidable, missing.Outcome);
        Assert.Equal("no run v2", missing.Detail);
    }

    [Fact]
    public void All_and_mean_need_every_run_finished()
    {
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["acc"] = 0.96 }), Run("b", RunStatus.Completed, new() { ["acc"] = 0.86 }) };
        var all = Prediction.Parse("all: acc >= 0.9").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.NotMet, all.Outcome);
        Assert.Equal("1 of 2 fail: acc 0.86 < 0.9 on b (expected >=)", all.Detail);

        var mean = Prediction.Parse("mean: acc >= 0.9").Evaluate(runs, None);
        Assert.Equal(PredictionOutcome.Met, mean.Outcome);
        Assert.Equal("mean acc 0.91 >= 0.9 over 2 runs", mean.Detail);

        var pending = Prediction.Parse("mean: acc >= 0.9").Evaluate([.. runs, Run("c", RunStatus.Running)], None);
        Assert.Equal(PredictionOutcome.Undecidable, pending.Outcome);
        Assert.Equal("1 of 3 runs still running", pending.Detail);
    }

    [Fact]
    public void Arithmetic_follows_precedence()
    {
        var runs = new[] { Run("a", RunStatus.Completed, new() { ["x"] = 7 }) };
        Assert.Equal(PredictionOutcome.Met, Prediction.Parse("x < 1 + 2 * 3 + 0.5").Evaluate(runs, None).Outcome);
        Assert.Equal(PredictionOutcome.NotMet, Prediction.Parse("x < (1 + 2) * 2").Evaluate(runs, None).Outcome);
        Assert.Equal(PredictionOutcome.Met, Prediction.Parse("-x < -6 / 1").Evaluate(runs, None).Outcome);
    }

    [Fact]
    public void Every_name_on_both_sides_of_every_operator_is_found_in_order()
    {
        var p = Prediction.Parse("val_loss + 0.1 * train_loss < (run:base.val_loss - baseline) / 2 + run:ref");
        Assert.Equal(["val_loss", "train_loss"], p.SubjectNames);
        Assert.Equal(["base", "ref"], p.RunReferences);
        Assert.True(p.RefersToBaseline);
        Assert.Equal(["val_loss", "train_loss", "val_loss", "val_loss", "val_loss"], p.Metrics);
        Assert.False(Prediction.Parse("acc > 0.5 * run:base.acc").RefersToBaseline);
        Assert.True(Prediction.Parse("0.5 > 2 * val_loss").LowerIsBetter);
    }
}
