using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Runs;
using Labbook.Testing;

namespace Labbook.EndToEnd.Tests;

/// <summary><c>lab ls</c> as a reader sees it: a table that fits the terminal, unknown names refused, broken runs shown.</summary>
public sealed class ListTableTests : IDisposable
{
    private static readonly Dictionary<string, string?> Env = new() { ["TZ"] = "UTC", ["NO_COLOR"] = "1" };
    private readonly TempWorkspace _ws = new();

    public ListTableTests()
    {
        // Runs written as lab writes them, with fixed times and ids, so the table is the same on every machine.
        Directory.CreateDirectory(Path.Combine(_ws.Root, ".labbook"));
        Write(0, "baseline", RunStatus.Completed, 1.1973371626323652E-06, 0.40907757919919197, "adam", 0.52345678, 0.61234, 0.81, 0.79876);
        Write(1, "wide-sweep-trial-with-a-rather-long-name", RunStatus.Completed, 0.00031622776601683794, 0.1, "sgd", 0.4123456, 0.45999, 0.85, 0.8312);
        Write(2, "lr-high", RunStatus.Failed, 0.012345678901234567, 0.25, "adam", 2.5, double.NaN, 0.1, 0.1);
        Write(3, "", RunStatus.Killed, 3.0e-5, 0.3333333333333333, "sgd", 0.3999, 0.4001, 0.9, 0.8765);
    }

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void At_80_columns_the_table_fits_drops_the_least_useful_columns_and_says_which()
    {
        var r = _ws.Lab(["ls"], new Dictionary<string, string?>(Env) { ["COLUMNS"] = "80" });
        Assert.Equal(0, r.ExitCode);
        Assert.All(r.Stdout.TrimEnd('\n').Split('\n'), line => Assert.True(line.Length <= 80, $"{line.Length} > 80: {line}"));
        Snapshot.Match(r.Stdout + "--- stderr\n" + r.Stderr, "ls-80-columns");
    }

    [Fact]
    public void At_120_columns_numbers_have_4_significant_digits_and_full_precision_is_an_option()
    {
        var r = _ws.Lab(["ls"], new Dictionary<string, string?>(Env) { ["COLUMNS"] = "120" });
        Assert.Equal(0, r.ExitCode);
        Assert.All(r.Stdout.TrimEnd('\n').Split('\n'), line => Assert.True(line.Length <= 120, $"{line.Length} > 120: {line}"));
        Snapshot.Match(r.Stdout + "--- stderr\n" + r.Stderr, "ls-120-columns");
        var full = _ws.Lab(["ls", "--full-precision"], new Dictionary<string, string?>(Env) { ["COLUMNS"] = "200" });
        Assert.Contains("1.1973371626323652E-06", full.Stdout, StringComparison.Ordinal);
        Assert.Contains("0.52345678", full.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_and_csv_keep_full_precision()
    {
        var json = JsonDocument.Parse(_ws.Lab(["ls", "--json"], Env).Stdout).RootElement;
        Assert.Equal(1.1973371626323652E-06, json[0].GetProperty("params").GetProperty("lr").GetDouble());
        var csv = _ws.Lab(["ls", "--csv", "--sort", "lr"], Env);
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal("id,name,status,start,end,duration_s,exit_code,entry,study,trial,tags,lr,momentum,optimizer,acc,loss,val_acc,val_loss", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Contains(",1.1973371626323652E-06,0.40907757919919197,adam,0.81,0.52345678,0.79876,0.61234", lines[1], StringComparison.Ordinal);
        Assert.Contains(",lr-high,failed,", lines[4], StringComparison.Ordinal);
        Assert.Contains(",nan", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public void Where_filters_by_metric_conditions_in_the_predictions_syntax()
    {
        string Names(params string[] args) =>
            string.Join(',', JsonDocument.Parse(_ws.Lab(["ls", "--json", .. args], Env).Stdout).RootElement.EnumerateArray().Select(r => r.TryGetProperty("name", out var n) ? n.GetString() : ""));
        Assert.Equal("wide-sweep-trial-with-a-rather-long-name,", Names("--where", "val_loss < 0.5"));
        Assert.Equal("wide-sweep-trial-with-a-rather-long-name", Names("--where", "val_loss < 0.5", "--where", "acc > 0.84", "--where", "acc < 0.9"));
        // NaN never satisfies a condition; a parameter is a name too.
        Assert.Equal("lr-high", Names("--where", "lr > 0.01"));
        Assert.Equal("baseline,lr-high", Names("--where", "loss > run:lr-high.loss - 2"));
        var bad = _ws.Lab(["ls", "--where", "val_loss <"], Env);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--where", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("column", bad.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--sort", "val_los", "--sort: no run has a metric or parameter named 'val_los' (did you mean 'val_loss'?)")]
    [InlineData("--where", "val_los < 0.2", "--where: no run has a metric or parameter named 'val_los' (did you mean 'val_loss'?)")]
    [InlineData("-p", "lrr=1", "-p: no run has a parameter named 'lrr' (did you mean 'lr'?)")]
    public void An_unknown_name_is_an_error_naming_the_closest_and_the_known_ones(string option, string value, string expected)
    {
        var r = _ws.Lab(["ls", option, value], Env);
        Assert.Equal(2, r.ExitCode);
        Assert.Empty(r.Stdout);
        var line = Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("lab: " + expected, line, StringComparison.Ordinal);
        Assert.Contains("parameters: lr, momentum, optimizer", line, StringComparison.Ordinal);
        if (option != "-p")
        {
            Assert.Contains("metrics: acc, loss, val_acc, val_loss", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_truncated_run_json_is_listed_as_unreadable_with_the_reason()
    {
        // Listed once first, so the run index holds the good version of the run.
        Assert.Equal(0, _ws.Lab(["ls"], Env).ExitCode);
        var id = Id(2);
        var path = Path.Combine(_ws.RunsDirectory, id, "run.json");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..60]);
        var r = _ws.Lab(["ls"], new Dictionary<string, string?>(Env) { ["COLUMNS"] = "120" });
        Assert.Equal(0, r.ExitCode);
        Assert.Matches($@"(?m)^{id}\s+unreadable$", r.Stdout);
        Assert.Contains($"run {id} is unreadable: ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("run.json: line ", r.Stderr, StringComparison.Ordinal);
        // The other runs are all there.
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Count(r.Stdout, "(?m)^[0-9a-z]{6}abc "));
    }

    private static string Id(int i) => RunId.New(new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc).AddMinutes(i * 7))[..6] + "abc";

    private void Write(int i, string name, RunStatus status, double lr, double momentum, string optimizer, double loss, double valLoss, double acc, double valAcc)
    {
        var started = new DateTime(2026, 1, 5, 10, 0, 0, DateTimeKind.Utc).AddMinutes(i * 7);
        var dir = Path.Combine(_ws.RunsDirectory, Id(i));
        Directory.CreateDirectory(dir);
        var record = new JsonObject
        {
            ["format"] = 1,
            ["id"] = Id(i),
            ["name"] = name.Length == 0 ? null : name,
            ["status"] = status.ToText(),
            ["command"] = "python3 train.py",
            ["argv"] = new JsonArray("python3", "train.py"),
            ["params"] = new JsonObject { ["lr"] = lr, ["momentum"] = momentum, ["optimizer"] = optimizer },
            ["tags"] = new JsonArray(),
            ["started"] = started.ToString("O"),
            ["ended"] = started.AddSeconds(95 + (i * 600)).ToString("O"),
            ["duration_s"] = 95 + (i * 600),
            ["exit_code"] = status == RunStatus.Completed ? 0 : 1,
        };
        File.WriteAllText(Path.Combine(dir, "run.json"), record.ToJsonString());
        static JsonObject Stat(double v) => new() { ["last"] = Num(v), ["last_step"] = 99, ["min"] = Num(v), ["min_step"] = 99, ["max"] = Num(v), ["max_step"] = 99, ["count"] = 100, ["nan_count"] = 0 };
        static JsonNode Num(double v) => double.IsNaN(v) ? JsonValue.Create("nan") : JsonValue.Create(v);
        var summary = new JsonObject
        {
            ["metrics"] = new JsonObject { ["loss"] = Stat(loss), ["val_loss"] = Stat(valLoss), ["acc"] = Stat(acc), ["val_acc"] = Stat(valAcc) },
            ["values"] = new JsonObject(),
            ["metrics_bytes"] = 100,
        };
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString());
        File.WriteAllText(Path.Combine(dir, "metrics.csv"), "step,name,value,time\n");
    }
}
