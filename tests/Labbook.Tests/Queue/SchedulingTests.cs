using Labbook.Executors;
using Labbook.Queue;
using Labbook.Workspaces;

namespace Labbook.Tests.Queue;

public class SchedulingTests
{
    private static readonly DateTime Evening = new(2026, 11, 27, 22, 0, 0, DateTimeKind.Utc);

    private static void Add(Workspace ws, string id, double? estHours, int priority = 0, int retries = 0)
    {
        using var j = ws.OpenQueue();
        j.Append(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = id, Argv = ["train", id], EstS = estHours * 3600, Priority = priority, Retries = retries } });
    }

    private static RunnerSummary Run(Workspace ws, IExecutor executor, ManualClock clock, DateTime? until = null, DateTime? at = null, Estimator? estimator = null) =>
        new QueueRunner(ws, new RunnerOptions
        {
            Executor = executor,
            Clock = clock,
            Until = until,
            At = at,
            Estimate = (estimator ?? new Estimator([])).For,
            PollInterval = TimeSpan.FromMilliseconds(1),
        }).Run();

    [Fact]
    public void Until_starts_nothing_whose_estimate_would_overrun()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        Add(ws, "q1", 1);
        Add(ws, "q2", 1);
        Add(ws, "q3", 1);
        Add(ws, "q4", 20.0 / 60);
        var clock = new ManualClock(Evening);
        using var ex = new InstantExecutor(clock, 1);
        var summary = Run(ws, ex, clock, until: Evening.AddHours(2.5));
        Assert.Equal(["q1", "q2", "q4"], ex.Started.Select(s => s.Item));
        Assert.Equal([Evening, Evening.AddHours(1), Evening.AddHours(2)], ex.Started.Select(s => s.Start));
        Assert.Contains("would overrun", summary.LeftPending["q3"], StringComparison.Ordinal);
        Assert.Equal(3, summary.ExitCode);
        using var j = ws.OpenQueue();
        Assert.Equal(ItemState.Pending, j.State.Items["q3"].State);
    }

    [Fact]
    public void Past_the_deadline_nothing_starts_and_the_runner_ends()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        Add(ws, "q1", null);
        var clock = new ManualClock(Evening);
        using var ex = new InstantExecutor(clock, 1);
        var summary = Run(ws, ex, clock, until: Evening.AddMinutes(-1));
        Assert.Empty(ex.Started);
        Assert.True(summary.DeadlinePassed);
        Assert.Equal("the --until deadline passed", summary.LeftPending["q1"]);
    }

    [Fact]
    public void At_waits_before_starting()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        Add(ws, "q1", null);
        var clock = new ManualClock(Evening) { Step = TimeSpan.FromMinutes(1) };
        using var ex = new InstantExecutor(clock, 1);
        Run(ws, ex, clock, at: Evening.AddMinutes(30));
        var (item, start) = Assert.Single(ex.Started);
        Assert.True(start >= Evening.AddMinutes(30));
    }

    [Fact]
    public void Priority_first_and_retries_per_item()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        Add(ws, "q1", null, retries: 2);
        Add(ws, "q2", null, priority: 1);
        var clock = new ManualClock(Evening);
        using var ex = new InstantExecutor(clock, 1, item => item.Id == "q1" ? AttemptEnd.Failed : AttemptEnd.Done);
        var summary = Run(ws, ex, clock);
        Assert.Equal(["q2", "q1", "q1", "q1"], ex.Started.Select(s => s.Item));
        Assert.Equal(ItemState.Failed, summary.Finished["q1"]);
        Assert.Equal(1, summary.ExitCode);
    }

    [Fact]
    public void Two_slots_run_two_at_once()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path, dir.Path);
        for (var i = 1; i <= 5; i++)
        {
            Add(ws, "q" + i, null);
        }
        var clock = new ManualClock(Evening);
        using var ex = new InstantExecutor(clock, 2);
        var summary = Run(ws, ex, clock);
        Assert.Equal(5, summary.Done);
        Assert.Equal(0, summary.ExitCode);
    }

    [Fact]
    public void Estimates_use_est_then_the_median_of_similar_runs()
    {
        var past = new[]
        {
            new PastRun(["python", "train.py", "--lr", "0.1"], "resnet-1", TimeSpan.FromMinutes(10)),
            new PastRun(["python", "train.py", "--lr", "0.01"], "resnet-2", TimeSpan.FromMinutes(30)),
            new PastRun(["python", "train.py", "--lr", "0.3"], "resnet-13", TimeSpan.FromMinutes(20)),
            new PastRun(["python", "eval.py"], "resnet-1", TimeSpan.FromMinutes(99)),
        };
        var est = new Estimator(past);
        var e = est.For(new QueueItem { Argv = ["python", "train.py", "--lr", "{lr}"], Name = "resnet-7" });
        Assert.Equal(TimeSpan.FromMinutes(20), e.Duration);
        Assert.Equal("median of 3 similar runs", e.Basis);
        Assert.Equal("--est", est.For(new QueueItem { Argv = ["x"], EstS = 60 }).Basis);
        Assert.Null(est.For(new QueueItem { Argv = ["python", "other.py"], Name = "resnet-7" }).Duration);
        Assert.Equal("python\u001ftrain.py", Estimator.CommandKey(["python", "train.py", "0.1", "--x"]));
    }

    [Fact]
    public void An_unnamed_item_is_estimated_from_runs_of_the_same_script_and_says_so()
    {
        var past = new[]
        {
            new PastRun(["python3", "train.py", "--lr", "0.1"], "baseline", TimeSpan.FromMinutes(10)) { Params = new Dictionary<string, string> { ["lr"] = "0.1" } },
            new PastRun(["python3", "train.py", "--lr", "0.3"], "high", TimeSpan.FromMinutes(14)) { Params = new Dictionary<string, string> { ["lr"] = "0.3" } },
        };
        var est = new Estimator(past);
        var same = est.For(new QueueItem { Argv = ["python3", "train.py", "--lr", "{lr}"], Params = new() { ["lr"] = System.Text.Json.Nodes.JsonValue.Create(0.3) } });
        Assert.Equal(TimeSpan.FromMinutes(14), same.Duration);
        Assert.Equal("1 run of python3 train.py with these params", same.Basis);
        var other = est.For(new QueueItem { Argv = ["python3", "train.py", "--lr", "{lr}"], Params = new() { ["lr"] = System.Text.Json.Nodes.JsonValue.Create(0.5) } });
        Assert.Equal(TimeSpan.FromMinutes(12), other.Duration);
        Assert.Equal("median of 2 runs of python3 train.py (other names or params)", other.Basis);
    }

    [Fact]
    public void Tonight_projects_slots_idle_time_and_warnings()
    {
        var s = new QueueState();
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q1", Argv = ["a"], EstS = 3 * 3600, Why = "w", Entry = "E1", Tags = ["baseline"] } });
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q2", Argv = ["b"], EstS = 3600, Entry = "E2" } });
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q3", Argv = ["c"], EstS = 3600, Why = "w" } });
        s.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = "q4", Argv = ["d"], Why = "w" } });
        var morning = Evening.AddHours(10);
        var plan = TonightPlan.Build(s, ["gpu0", "gpu1"], new Estimator([]), null, null, new HashSet<string>(), Evening, morning, t => t.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["gpu0", "gpu1", "gpu1", "gpu1"], plan.Items.Select(i => i.Slot));
        Assert.Equal(Evening.AddHours(3), plan.Finish);
        Assert.Equal(Evening.AddHours(2), plan.IdleFrom["gpu1"]);
        // q4 has no estimate: gpu1 is not known to be idle after it.
        Assert.DoesNotContain(plan.Warnings, w => w.StartsWith("slot gpu1 idle", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("1 item with no why: q2", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("1 item with no estimate (?): q4", StringComparison.Ordinal));
        Assert.Contains(plan.Warnings, w => w.StartsWith("entry E2 has queued work but no baseline", StringComparison.Ordinal));
        Assert.DoesNotContain(plan.Warnings, w => w.StartsWith("entry E1", StringComparison.Ordinal));
        var unknown = new QueueState();
        foreach (var id in new[] { "u1", "u2", "u3", "u4" })
        {
            unknown.Apply(new QueueOp { Op = QueueOp.Add, Item = new QueueItem { Id = id, Argv = ["python3", "train.py"], Why = "w" } });
        }
        var spread = TonightPlan.Build(unknown, ["1", "2"], new Estimator([]), null, null, new HashSet<string>(), Evening, morning, t => t.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["1", "2", "1", "2"], spread.Items.Select(i => i.Slot));
        Assert.DoesNotContain(spread.Warnings, w => w.Contains("idle", StringComparison.Ordinal));
        var late = TonightPlan.Build(s, ["gpu0"], new Estimator([]), null, null, new HashSet<string>(), Evening, Evening.AddHours(4), t => t.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("projected finish 03:00 is after the morning (02:00)", late.Warnings);
    }
}
