using CsCheck;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Tests.Runs;

public class RunBasicsTests
{
    [Fact]
    public void Run_ids_are_short_well_formed_and_sort_by_time()
    {
        Gen.Int[0, 25 * 365 * 86400].Sample(seconds =>
        {
            var t1 = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seconds);
            var t2 = t1.AddSeconds(1);
            var a = RunId.New(t1);
            var b = RunId.New(t2);
            Assert.True(RunId.IsWellFormed(a));
            Assert.Equal(9, a.Length);
            Assert.True(string.CompareOrdinal(a, b) < 0);
            Assert.Equal(t1, RunId.TimeOf(a));
        });
    }

    [Theory]
    [InlineData("@lab loss=0.31 acc=0.92 step=100", "loss:0.31@100 acc:0.92@100")]
    [InlineData("@lab loss=nan x=-inf", "loss:nan@0 x:-inf@0")]
    [InlineData("@lab  loss=1e-3\tstep=7", "loss:0.001@7")]
    public void Protocol_lines_parse(string line, string expected)
    {
        var parser = new ProtocolParser();
        var points = new List<(string, double, long)>();
        Assert.Null(parser.TryParse(line, points));
        Assert.Equal(expected, string.Join(' ', points.Select(p => $"{p.Item1}:{Json.MetricText.FormatValue(p.Item2)}@{p.Item3}")));
    }

    [Theory]
    [InlineData("@lab loss", "not key=value")]
    [InlineData("@lab loss=abc", "not a number")]
    [InlineData("@lab step=-1 loss=1", "non-negative integer")]
    [InlineData("@lab step=3", "no metric")]
    public void Malformed_protocol_lines_say_why(string line, string expected)
    {
        var error = new ProtocolParser().TryParse(line, []);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Steps_count_up_per_metric_and_continue_after_explicit_ones()
    {
        var parser = new ProtocolParser();
        var points = new List<(string Name, double Value, long Step)>();
        var steps = new List<string>();
        foreach (var line in new[] { "@lab a=1", "@lab a=2 b=1", "@lab a=3 step=10", "@lab a=4 b=2" })
        {
            Assert.Null(parser.TryParse(line, points));
            steps.AddRange(points.Select(p => $"{p.Name}{p.Step}"));
        }
        Assert.Equal(["a0", "a1", "b0", "a10", "a11", "b1"], steps);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("2h", 7200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("1.5h", 5400)]
    public void Durations_parse(string text, double seconds)
    {
        Assert.True(Durations.TryParse(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("h")]
    [InlineData("-5")]
    [InlineData("2 hours")]
    public void Bad_durations_are_refused(string text) => Assert.False(Durations.TryParse(text, out _));

    [Fact]
    public void Clock_times_in_the_past_are_the_most_recent_one()
    {
        var now = new DateTime(2026, 11, 28, 8, 0, 0, DateTimeKind.Local);
        Assert.True(TimeSpec.TryParsePast("19:00", now, out var utc));
        Assert.Equal(new DateTime(2026, 11, 27, 19, 0, 0, DateTimeKind.Local), utc.ToLocalTime());
        Assert.True(TimeSpec.TryParsePast("2h", now, out utc));
        Assert.Equal(now.AddHours(-2), utc.ToLocalTime());
        Assert.True(TimeSpec.TryParseNext("07:30", now, out utc));
        Assert.Equal(new DateTime(2026, 11, 29, 7, 30, 0, DateTimeKind.Local), utc.ToLocalTime());
    }

    [Theory]
    [InlineData("../../etc/passwd", true)]
    [InlineData("a/b; rm -rf ~", true)]
    [InlineData("bad\nname", false)]
    [InlineData("esc\u001b[2J", false)]
    [InlineData("", false)]
    public void Names_are_text_and_control_characters_are_refused(string name, bool ok)
    {
        Assert.Equal(ok, Names.Validate(name, "name") is null);
        Assert.DoesNotContain('\u001b', Names.Printable(name));
    }

    [Fact]
    public void Quoting_for_display_round_trips_through_a_shell_reading()
    {
        Assert.Equal("python train.py --act 'a; rm -rf ~' 'it'\\''s'", ShellQuote.Join(["python", "train.py", "--act", "a; rm -rf ~", "it's"]));
        // What a user pastes into a shell must give the program these very arguments: a real shell reads it back.
        string[] argv =
        [
            "python", "train.py", "--act", "a; rm -rf ~", "it's", "", " ", "$HOME", "${PATH}", "`id`", "$(id)", "*", "?",
            "[a]", "~", "~/x", "a\\b", "\"q\"", "tab\there", "line\nbreak", "-n", "--", "#not a comment", "a&b", "a|b", "a>b",
            "{x}", "{a,b}", "!", "é ünï", "='", "''",
        ];
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("printf '%s\\0' " + ShellQuote.Join(argv));
        using var shell = System.Diagnostics.Process.Start(start)!;
        var output = shell.StandardOutput.ReadToEnd();
        Assert.True(shell.WaitForExit(30_000));
        Assert.Equal(0, shell.ExitCode);
        Assert.Equal(argv, output.Split('\0')[..^1]);
    }

    [Fact]
    public void A_running_record_whose_owner_is_gone_reads_as_crashed()
    {
        using var dir = new TempDir();
        var record = new RunRecord
        {
            Status = RunStatus.Running,
            Started = DateTime.UtcNow,
            Owner = new RunOwner { Host = Processes.ProcessIdentity.HostName, Pid = int.MaxValue - 1, PidStartTicks = 1, BootId = Processes.ProcessIdentity.BootId },
        };
        Assert.Equal(RunStatus.Crashed, RunStore.EffectiveStatus(dir.Path, record, DateTime.UtcNow));
        var self = Environment.ProcessId;
        record.Owner = new RunOwner { Host = Processes.ProcessIdentity.HostName, Pid = self, PidStartTicks = Processes.ProcessIdentity.StartTicks(self)!.Value, BootId = Processes.ProcessIdentity.BootId };
        Assert.Equal(RunStatus.Running, RunStore.EffectiveStatus(dir.Path, record, DateTime.UtcNow));
        record.Owner = new RunOwner { Host = "another-host", Pid = self, PidStartTicks = 1 };
        Assert.Equal(RunStatus.Running, RunStore.EffectiveStatus(dir.Path, record, DateTime.UtcNow));
        Assert.Equal(RunStatus.Crashed, RunStore.EffectiveStatus(dir.Path, record, DateTime.UtcNow.AddMinutes(5)));
    }

    [Fact]
    public void Resolve_takes_ids_unique_prefixes_and_names()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        var store = new RunStore(ws);
        var t = DateTime.UtcNow;
        var a = store.Create(new RunRecord { Name = "baseline", Status = RunStatus.Completed }, t);
        var b = store.Create(new RunRecord { Name = "other", Status = RunStatus.Completed }, t);
        var idA = Path.GetFileName(a);
        var idB = Path.GetFileName(b);
        Assert.Equal(idA, store.Resolve(idA));
        Assert.Equal(idB, store.Resolve("other"));
        Assert.Equal(idA, store.Resolve("baseline"));
        var common = new string(idA.TakeWhile((c, i) => idB[i] == c).ToArray());
        var e = Assert.Throws<RunNotFoundException>(() => store.Resolve(common));
        Assert.Contains("ambiguous", e.Message, StringComparison.Ordinal);
        Assert.Contains(idA, e.Message, StringComparison.Ordinal);
        Assert.Throws<RunNotFoundException>(() => store.Resolve("nope"));
    }

    [Fact]
    public void Workspace_is_found_from_a_subfolder_and_created_at_the_git_top()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, ".git"));
        var sub = Path.Combine(dir.Path, "src", "deep");
        Directory.CreateDirectory(sub);
        Assert.Null(Workspace.Find(sub));
        var ws = Workspace.FindOrCreate(sub);
        Assert.Equal(dir.Path, ws.Root);
        Assert.Equal(dir.Path, Workspace.Find(sub)!.Root);
        Assert.Equal("/elsewhere", Workspace.Find(sub, "/elsewhere")!.Root);
    }
}
