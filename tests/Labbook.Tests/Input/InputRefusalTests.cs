using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Executors;
using Labbook.Json;
using Labbook.Queue;
using Labbook.Sweeps;

namespace Labbook.Tests.Input;

/// <summary>Inputs that used to be accepted silently (and ran something else than meant) are refused with a message that says why.</summary>
public class InputRefusalTests
{
    [Theory]
    [InlineData("lr=", "no value after 'lr='")]
    [InlineData("lr=Log:1e-5..1e-1", "unknown kind 'Log' (did you mean 'log'?)")]
    [InlineData("lr=lgo:1e-5..1e-1", "unknown kind 'lgo'")]
    [InlineData("lr=log:1e-5...1e-1", "exactly two dots")]
    [InlineData("lr=0..1..2", "exactly two dots")]
    [InlineData("act=relu,,tanh", "an empty choice")]
    [InlineData("act=relu,tanh,", "an empty choice")]
    public void Inline_specs_that_would_mean_something_else_are_refused(string spec, string message)
    {
        var e = Assert.Throws<SearchSpaceException>(() => InlineSpace.ParseOne(spec));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_text_value_with_a_colon_is_still_a_fixed_value()
    {
        Assert.Equal("http://x", InlineSpace.ParseOne("url=http://x").Value);
        Assert.Equal(0.1, InlineSpace.ParseOne("lr=log:1e-5..1e-1").High);
    }

    [Theory]
    [InlineData("99999999999h", "too long")]
    [InlineData("1e300", "too long")]
    [InlineData("36526d", "too long")]
    [InlineData("0", "is zero")]
    [InlineData("0s", "is zero")]
    [InlineData("3x", "is not a duration")]
    public void Durations_an_option_cannot_use_are_refused_with_the_option_named(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => Durations.Parse(text, "--timeout"));
        Assert.StartsWith("--timeout: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_is_accepted_where_it_means_at_once_and_a_century_is_the_longest()
    {
        Assert.Equal(TimeSpan.Zero, Durations.Parse("0", "--kill-grace", allowZero: true));
        Assert.Equal(Durations.Longest, Durations.Parse("36525d", "--timeout"));
        Assert.False(Durations.TryParse("99999999d", out _));
    }

    [Fact]
    public void An_age_beyond_the_calendar_means_since_the_beginning()
    {
        Assert.True(TimeSpec.TryParsePast("99999999d", DateTime.Now, out var utc));
        Assert.Equal(DateTime.MinValue, utc);
        Assert.True(TimeSpec.TryParsePast("36000d", new DateTime(2026, 12, 3, 12, 0, 0, DateTimeKind.Local), out var century));
        Assert.True(century.Year < 1930);
    }

    [Theory]
    [InlineData("a,b", "'a' is not a GPU id")]
    [InlineData("0,0", "GPU 0 is listed twice")]
    [InlineData("0,-1", "'-1' is not a GPU id")]
    [InlineData("0,,1", "an empty GPU id")]
    [InlineData("", "no GPU given")]
    public void Gpu_lists_the_driver_could_not_use_are_refused(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => GpuIds.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gpu_indices_and_uuids_are_accepted()
    {
        Assert.Equal(["0", "1", "GPU-8f2a-11c"], GpuIds.Parse("0, 1,GPU-8f2a-11c"));
    }

    [Theory]
    [InlineData("x", 5L, "outside the space's range 0..1")]
    [InlineData("x", "a", "is not a number")]
    [InlineData("n", 2.5, "is not an integer")]
    [InlineData("act", "elu", "is not one of the choices")]
    [InlineData("xx", 0.5, "(did you mean 'x'?)")]
    [InlineData("epochs", 3L, "is fixed to 20")]
    [InlineData("units", 48L, "is not on the space's grid 32..256 in steps of 32")]
    [InlineData("wd", 0.015, "is not on the space's grid 0..0.1 in steps of 0.01")]
    public void An_enqueued_value_the_space_could_never_produce_is_named(string name, object value, string message)
    {
        var space = InlineSpace.Parse(["x=0..1", "n=int:1..8", "act=relu,tanh", "epochs=20", "units=int:32..256:32", "wd=float:0..0.1:0.01"]);
        Assert.Contains(message, space.CheckValue(name, value), StringComparison.Ordinal);
    }

    [Fact]
    public void Values_inside_the_space_pass()
    {
        var space = InlineSpace.Parse(["x=0..1", "n=int:1..8", "act=relu,tanh", "epochs=20", "units=int:32..256:32", "wd=float:0..0.1:0.01"]);
        Assert.Null(space.CheckValue("units", 96L));
        Assert.Null(space.CheckValue("wd", 0.07));
        Assert.Null(space.CheckValue("x", 1L));
        Assert.Null(space.CheckValue("n", 8.0));
        Assert.Null(space.CheckValue("act", "tanh"));
        Assert.Null(space.CheckValue("epochs", 20L));
    }

    [Fact]
    public void Sweep_options_refuse_an_enqueued_trial_outside_the_range_before_any_file_is_written()
    {
        using var dir = new TempDir();
        var workspace = Workspaces.Workspace.FindOrCreate(dir.Path);
        var e = Assert.Throws<ArgumentException>(() => new SweepRunner(new SweepOptions
        {
            Workspace = workspace,
            StudyName = "s",
            Space = InlineSpace.Parse(["x=0..1"]),
            Command = ["echo", "{x}"],
            Objective = "loss",
            Enqueue = [new Dictionary<string, object?> { ["x"] = 5L }],
        }));
        Assert.Contains("--enqueue: x=5 is outside", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(workspace.StudiesDirectory));
    }

    [Fact]
    public void A_grid_with_an_empty_value_is_refused()
    {
        var request = new AddRequest
        {
            Argv = ["train", "{lr}"],
            Grid = [KeyValuePair.Create("lr", new List<JsonNode?> { JsonValue.Create(1L), JsonValue.Create(""), JsonValue.Create(2L) })],
            Template = new QueueItem(),
        };
        var e = Assert.Throws<ArgumentException>(() => ItemFactory.Expand(request, "g"));
        Assert.Contains("--grid lr has an empty value", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grid_value_holding_a_likely_separator_is_warned_about_but_kept()
    {
        var request = new AddRequest
        {
            Argv = ["train", "{lr}", "{opt}"],
            Grid =
            [
                KeyValuePair.Create("lr", new List<JsonNode?> { JsonValue.Create("0.1;0.3") }),
                KeyValuePair.Create("opt", new List<JsonNode?> { JsonValue.Create("adam sgd"), JsonValue.Create("rmsprop") }),
            ],
            Template = new QueueItem(),
        };
        var warnings = ItemFactory.SeparatorWarnings(request);
        Assert.Equal(2, warnings.Count);
        Assert.Contains("'0.1;0.3' is one value", warnings[0], StringComparison.Ordinal);
        Assert.Contains("'adam sgd' is one value", warnings[1], StringComparison.Ordinal);
        Assert.Equal(2, ItemFactory.Expand(request, "g").Count);
    }

    [Fact]
    public void A_json_error_is_described_in_our_words_with_line_and_column()
    {
        var e = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse("{\n  \"a\": tru }"));
        var text = LabJson.Describe(e);
        Assert.StartsWith("line 2, column ", text, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Expected", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prediction_names_the_metrics_it_reads_and_warns_about_unknown_ones()
    {
        var p = global::Labbook.Notebook.Prediction.Parse("val_los < run:base.val_loss - 0.01");
        Assert.Equal(["val_los", "val_loss"], p.Metrics);
        var warning = Assert.Single(p.UnknownMetricWarnings(["val_loss", "acc"]));
        Assert.Contains("no run of this workspace has logged 'val_los' (did you mean 'val_loss'?)", warning, StringComparison.Ordinal);
        Assert.Equal(["acc"], global::Labbook.Notebook.Prediction.Parse("all: acc >= baseline").Metrics.Distinct());
        Assert.Empty(global::Labbook.Notebook.Prediction.Parse("acc >= baseline + 0.01").UnknownMetricWarnings(["acc"]));
    }
}
