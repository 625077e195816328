using System.Text.Json.Nodes;
using Labbook.Metrics;
using Labbook.Runs;

namespace Labbook.Tests.Runs;

public class RunQueryTests
{
    private static readonly DateTime T0 = new(2026, 11, 1, 20, 0, 0, DateTimeKind.Utc);

    private static readonly RunListing Listing = new(
    [
        Run("a", 0, RunStatus.Completed, lr: 0.1, loss: 0.5, tags: ["baseline"], entry: "E1"),
        Run("b", 1, RunStatus.Completed, lr: 0.01, loss: 0.2, entry: "E1"),
        Run("c", 2, RunStatus.Failed, lr: 0.001, loss: double.NaN, study: "s"),
        Run("d", 3, RunStatus.Completed, lr: null, loss: 0.3),
        Run("e", 4, RunStatus.Killed, lr: 0.5, loss: null),
    ], []);

    [Theory]
    [InlineData("val_loss < 0.35", "b,d")]
    [InlineData("val_loss * 2 <= 0.4", "b")]
    [InlineData("lr >= 0.01", "a,b,e")]
    [InlineData("val_loss < run:a", "b,d")]
    [InlineData("val_loss < run:a.val_loss - 0.25", "b")]
    [InlineData("best: val_loss > 0", "a,b,d")]
    public void Conditions_filter_each_run_alone_and_nan_or_missing_never_match(string condition, string expected)
    {
        var result = new RunQuery { Conditions = [RunQuery.ParseCondition(condition)] }.Apply(Listing);
        Assert.Equal(expected, Names(result));
    }

    [Theory]
    [InlineData("all: val_loss < 1")]
    [InlineData("mean: val_loss < 1")]
    [InlineData("val_loss < baseline")]
    [InlineData("val_loss")]
    public void Conditions_without_a_meaning_for_one_run_are_refused(string condition) =>
        Assert.Throws<global::Labbook.Notebook.PredictionSyntaxException>(() => RunQuery.ParseCondition(condition));

    [Theory]
    [InlineData("val_loss", false, null, "b,d,a")]
    [InlineData("val_loss", true, 2, "a,d")]
    [InlineData("lr", false, null, "c,b,a,e")]
    [InlineData("name", true, null, "e,d,c,b,a")]
    [InlineData("status", false, null, "a,b,d,c,e")]
    [InlineData(null, false, 2, "d,e")]
    public void Sorting_by_a_metric_a_parameter_or_a_column_with_limits(string? sort, bool descending, int? limit, string expected)
    {
        var result = new RunQuery { SortBy = sort, Descending = descending, Limit = limit }.Apply(Listing);
        Assert.Equal(expected, Names(result));
    }

    [Fact]
    public void Field_filters_combine()
    {
        Assert.Equal("a,b", Names(new RunQuery { Entry = "e1" }.Apply(Listing)));
        Assert.Equal("a", Names(new RunQuery { Tags = ["baseline"] }.Apply(Listing)));
        Assert.Equal("c", Names(new RunQuery { Study = "s" }.Apply(Listing)));
        Assert.Equal("b,d", Names(new RunQuery { Statuses = [RunStatus.Completed], Conditions = [RunQuery.ParseCondition("val_loss < 0.4")] }.Apply(Listing)));
        Assert.Equal("b", Names(new RunQuery { Params = new Dictionary<string, JsonNode?> { ["lr"] = JsonValue.Create(0.01) } }.Apply(Listing)));
        Assert.Equal("d,e", Names(new RunQuery { SinceUtc = T0.AddMinutes(3) }.Apply(Listing)));
        Assert.Equal("a", Names(new RunQuery { NameGlob = "a*" }.Apply(Listing)));
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_closest_and_the_known_ones()
    {
        var e = Assert.Throws<UnknownRunFieldException>(() => new RunQuery { SortBy = "val_los" }.Apply(Listing));
        Assert.Equal("val_loss", e.Closest);
        Assert.Equal("sort", e.Where);
        Assert.Equal(["val_loss"], e.KnownMetrics);
        Assert.Equal(["lr"], e.KnownParams);
        Assert.Contains("did you mean 'val_loss'?", e.Message, StringComparison.Ordinal);
        Assert.Equal("condition", Assert.Throws<UnknownRunFieldException>(() => new RunQuery { Conditions = [RunQuery.ParseCondition("acc > 1")] }.Apply(Listing)).Where);
        Assert.Equal("parameter filter", Assert.Throws<UnknownRunFieldException>(() => new RunQuery { Params = new Dictionary<string, JsonNode?> { ["val_loss"] = null } }.Apply(Listing)).Where);
        // An empty workspace knows no names: nothing to refuse.
        Assert.Empty(new RunQuery { SortBy = "anything" }.Apply(new RunListing([], [])).Runs);
    }

    private static string Names(RunQueryResult result) => string.Join(',', result.Runs.Select(r => r.Record.Name));

    private static RunInfo Run(string name, int minutes, RunStatus status, double? lr, double? loss, string[]? tags = null, string? entry = null, string? study = null)
    {
        var record = new RunRecord
        {
            Id = RunId.New(T0.AddMinutes(minutes)),
            Name = name,
            Status = status,
            Started = T0.AddMinutes(minutes),
            Tags = [.. tags ?? []],
            Entry = entry,
            Study = study,
        };
        if (lr is { } l)
        {
            record.Params["lr"] = JsonValue.Create(l);
        }
        RunSummary? summary = null;
        if (loss is { } v)
        {
            summary = new RunSummary();
            var stats = new MetricStats();
            stats.Add(10, v);
            summary.Metrics["val_loss"] = stats;
        }
        return new RunInfo { Directory = "/nonexistent/" + record.Id, Record = record, Status = status, Summary = summary };
    }
}
