using System.Text.Json.Nodes;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Ui;

namespace Labbook.Tests.Ui;

public class UiRulesTests
{
    private static RunInfo Run(string name, double valLoss, string lr, RunStatus status = RunStatus.Completed, params string[] tags)
    {
        var summary = new RunSummary();
        summary.Metrics["val_loss"] = new MetricStats();
        summary.Metrics["val_loss"].Add(1, valLoss);
        return new RunInfo
        {
            Directory = "/nowhere",
            Record = new RunRecord { Id = "6dn80084g", Name = name, Params = new() { ["lr"] = JsonValue.Create(double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture)), ["opt"] = JsonValue.Create("adam") }, Tags = [.. tags] },
            Status = status,
            Summary = summary,
        };
    }

    [Theory]
    [InlineData("val_loss < 0.2", true)]
    [InlineData("val_loss<0.2", true)]
    [InlineData("val_loss >= 0.2", false)]
    [InlineData("metric.val_loss <= 0.15", true)]
    [InlineData("lr = 0.001", true)]
    [InlineData("param.lr > 0.01", false)]
    [InlineData("opt = ADAM", true)]
    [InlineData("opt != adam", false)]
    [InlineData("status = completed and tag = baseline", true)]
    [InlineData("status = failed, val_loss < 1", false)]
    [InlineData("val_loss < 0.2 && lr == 0.001", true)]
    [InlineData("base", true)]
    [InlineData("nope", false)]
    [InlineData("acc > 0.1", false)]
    [InlineData("", true)]
    public void Conditions_match_metrics_params_and_fields(string filter, bool matches) =>
        Assert.Equal(matches, RunFilter.Parse(filter).Matches(Run("baseline-1", 0.15, "0.001", tags: "baseline")));

    [Theory]
    [InlineData("val_loss <", "needs a value after '<'")]
    [InlineData("< 0.2", "needs a field before '<'")]
    public void Malformed_conditions_say_what_is_missing(string filter, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => RunFilter.Parse(filter)).Message, StringComparison.Ordinal);

    [Fact]
    public void Files_resolve_only_inside_the_run_folder_and_never_through_a_link()
    {
        using var temp = new TempDir();
        var run = Path.Combine(temp.Path, "runs", "6dn80084g");
        Directory.CreateDirectory(Path.Combine(run, "artifacts", "img"));
        File.WriteAllText(Path.Combine(run, "artifacts", "img", "1.png"), "png");
        File.WriteAllText(Path.Combine(temp.Path, "secret"), "secret");
        File.CreateSymbolicLink(Path.Combine(run, "artifacts", "link"), Path.Combine(temp.Path, "secret"));
        Directory.CreateSymbolicLink(Path.Combine(run, "artifacts", "up"), temp.Path);

        Assert.Equal(Path.Combine(run, "artifacts", "img", "1.png"), SafeFiles.Resolve(run, "artifacts/img/1.png"));
        foreach (var bad in (string[])["", "../secret", "artifacts/../../secret", "/etc/passwd", "artifacts/link", "artifacts/up/secret", "artifacts//img/1.png",
            "./artifacts/img/1.png", "artifacts\\img\\1.png", "artifacts/img", "artifacts/img/1.png\0", "artifacts/missing"])
        {
            Assert.Null(SafeFiles.Resolve(run, bad));
        }
    }
}
