using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Queue;

namespace Labbook.EndToEnd.Tests;

public class QueueRunnerEndToEndTests
{
    private static void AssertNoSelfOverlap(LabHarness lab)
    {
        Assert.False(File.Exists(lab.PathOf("overlaps")), "an item ran twice at once: " + (File.Exists(lab.PathOf("overlaps")) ? File.ReadAllText(lab.PathOf("overlaps")) : ""));
    }

    private static int MaxConcurrency(List<(string Kind, string Item, double Time)> ledger)
    {
        var max = 0;
        var now = 0;
        foreach (var e in ledger.OrderBy(e => e.Time).ThenBy(e => e.Kind == "end" ? 0 : 1))
        {
            now += e.Kind == "start" ? 1 : -1;
            max = Math.Max(max, now);
        }
        return max;
    }

    [Fact]
    public void Two_slots_run_two_items_at_once_and_record_queue_item()
    {
        using var lab = new LabHarness();
        for (var i = 0; i < 4; i++)
        {
            lab.MustRun(["queue", "add", "--why", "e2e", "-p", "i=" + i, "--", .. lab.LedgerChild(0.6)]);
        }
        var r = lab.Run(["queue", "start", "-j", "2"]);
        Assert.Equal(0, r.Exit);
        Assert.Contains("4 done, 0 failed", r.Out, StringComparison.Ordinal);
        var ledger = lab.Ledger();
        Assert.Equal(8, ledger.Count);
        Assert.Equal(2, MaxConcurrency(ledger));
        var state = lab.Queue();
        foreach (var v in state.Ordered)
        {
            Assert.Equal(ItemState.Done, v.State);
            var run = JsonNode.Parse(File.ReadAllText(Path.Combine(lab.Root, "runs", v.Runs.Single(), "run.json")))!;
            Assert.Equal(v.Id, (string?)run["queue_item"]);
            Assert.Equal("completed", (string?)run["status"]);
        }
    }

    [Fact]
    public void Gpu_slots_set_cuda_visible_devices_and_wide_items_take_two()
    {
        using var lab = new LabHarness();
        var record = $"echo \"$LAB_QUEUE_ITEM $CUDA_VISIBLE_DEVICES\" >> '{lab.PathOf("gpus")}'; sleep 0.3";
        lab.MustRun("queue", "add", "--why", "wide", "--gpus", "2", "--", "sh", "-c", record);
        lab.MustRun("queue", "add", "--why", "one", "--", "sh", "-c", record);
        lab.MustRun("queue", "add", "--why", "one", "--", "sh", "-c", record);
        var r = lab.Run("queue", "start", "--gpus", "7,9");
        Assert.Equal(0, r.Exit);
        var seen = File.ReadAllLines(lab.PathOf("gpus")).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal("7,9", seen["q1"]);
        Assert.Contains(seen["q2"], new[] { "7", "9" });
        Assert.Contains(seen["q3"], new[] { "7", "9" });
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(lab.Root, "runs", lab.Queue().Items["q1"].Runs.Single(), "run.json")))!;
        Assert.Equal("gpu7+gpu9", (string?)run["slot"]);
        Assert.Equal("7,9", (string?)run["gpus"]);
    }

    [Fact]
    public void Retries_and_timeouts_end_as_failed_with_reasons()
    {
        using var lab = new LabHarness();
        lab.MustRun("queue", "add", "--why", "f", "--retries", "2", "--", "sh", "-c", "exit 3");
        lab.MustRun("queue", "add", "--why", "t", "--timeout", "1s", "--", "sleep", "20");
        lab.MustRun("queue", "add", "--why", "ok", "--", "true");
        var sw = Stopwatch.StartNew();
        var r = lab.Run("queue", "start", "--kill-grace", "1s");
        Assert.NotEqual(0, r.Exit);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10));
        var state = lab.Queue();
        Assert.Equal(ItemState.Failed, state.Items["q1"].State);
        Assert.Equal(3, state.Items["q1"].Attempts);
        Assert.Equal(3, state.Items["q1"].Runs.Count);
        Assert.Equal(ItemState.Failed, state.Items["q2"].State);
        Assert.Contains("timed out", state.Items["q2"].LastReason, StringComparison.Ordinal);
        Assert.Equal(ItemState.Done, state.Items["q3"].State);
        Assert.Contains("1 done, 2 failed", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Until_leaves_items_that_would_overrun_pending()
    {
        using var lab = new LabHarness();
        lab.MustRun("queue", "add", "--why", "long", "--est", "5h", "--", "true");
        lab.MustRun("queue", "add", "--why", "short", "--est", "1s", "--", "true");
        var until = DateTime.Now.AddHours(2).ToString("HH:mm", CultureInfo.InvariantCulture);
        var r = lab.Run("queue", "start", "--until", until);
        Assert.Equal(3, r.Exit);
        Assert.Contains("would overrun", r.Out, StringComparison.Ordinal);
        var state = lab.Queue();
        Assert.Equal(ItemState.Pending, state.Items["q1"].State);
        Assert.Equal(ItemState.Done, state.Items["q2"].State);
    }

    [Fact]
    public void Detached_runner_follows_new_items_and_stops_on_request()
    {
        using var lab = new LabHarness();
        var r = lab.Run("queue", "start", "--detach", "-j", "2", "--kill-grace", "1s");
        Assert.True(r.Exit == 0, r.Err + r.Out);
        Assert.Contains("started in the background", r.Out, StringComparison.Ordinal);
        lab.MustRun(["queue", "add", "--why", "quick", "--", .. lab.LedgerChild(0.2)]);
        lab.MustRun(["queue", "add", "--why", "long", "--", "sleep", "60"]);
        WaitFor(() => lab.Queue().Items["q1"].State == ItemState.Done && lab.Queue().Items["q2"].State == ItemState.Running, TimeSpan.FromSeconds(15));
        var status = lab.MustRun("queue", "status");
        Assert.Contains("runner pid", status.Out, StringComparison.Ordinal);
        Assert.Contains("q2 on slot", status.Out, StringComparison.Ordinal);
        lab.MustRun("queue", "stop", "--now");
        WaitFor(() => lab.Queue().LiveRunners(DateTime.UtcNow).Count == 0, TimeSpan.FromSeconds(15));
        var state = lab.Queue();
        Assert.Equal(ItemState.Pending, state.Items["q2"].State);
        Assert.Equal(1, state.Items["q2"].Interruptions);
        var log = Directory.GetFiles(Path.Combine(lab.Root, ".labbook", "queue"), "runner-*.log").Single();
        Assert.Contains("q1 started", File.ReadAllText(log), StringComparison.Ordinal);
    }

    [Fact]
    public void Kill_minus_nine_of_the_runner_at_random_moments_loses_nothing_and_never_doubles_an_item()
    {
        using var lab = new LabHarness();
        const int Items = 8;
        for (var i = 0; i < Items; i++)
        {
            lab.MustRun(["queue", "add", "--why", "crash", "-p", "i=" + i, "--", .. lab.LedgerChild(0.4)]);
        }
        var random = new Random(12345);
        var sw = Stopwatch.StartNew();
        var kills = 0;
        while (sw.Elapsed < TimeSpan.FromSeconds(40))
        {
            var state = lab.Queue();
            if (state.Ordered.All(v => v.State.IsFinal()))
            {
                break;
            }
            using var runner = lab.Start("queue", "start", "-j", "2", "--kill-grace", "1s");
            var alive = TimeSpan.FromMilliseconds(random.Next(100, 1200));
            if (kills < 10 && !runner.WaitForExit(alive))
            {
                runner.Kill(entireProcessTree: false);
                runner.WaitForExit();
                kills++;
            }
            else
            {
                Assert.True(runner.WaitForExit(TimeSpan.FromSeconds(30)));
            }
            AssertNoSelfOverlap(lab);
            var after = lab.Queue();
            Assert.Equal(Items, after.Ordered.Count());
        }
        Assert.True(kills >= 3, $"only {kills} kills");
        var final = lab.Queue();
        Assert.All(final.Ordered, v => Assert.True(v.State.IsFinal(), $"{v.Id} is {v.State}"));
        // Exactly one successful end per done item, none for the others.
        var journal = File.ReadAllLines(lab.PathOf("queue.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        foreach (var v in final.Ordered)
        {
            var doneEnds = journal.Count(op => (string?)op["op"] == "end" && (string?)op["id"] == v.Id && (string?)op["state"] == "done");
            Assert.Equal(v.State == ItemState.Done ? 1 : 0, doneEnds);
        }
        // An item whose runner died under it 3 times ends interrupted by policy; the others are done.
        Assert.All(final.Ordered, v => Assert.True(v.State == ItemState.Done || (v.State == ItemState.Interrupted && v.Interruptions == QueueState.MaxInterruptions), $"{v.Id}: {v.State} after {v.Interruptions} interruptions"));
        Assert.True(final.Ordered.Count(v => v.State == ItemState.Done) >= Items / 2);
        AssertNoSelfOverlap(lab);
        // Nothing of any attempt is still running: every orphan of a killed runner was killed.
        var leases = journal.Where(op => (string?)op["op"] == "lease").Select(op => (string)op["lease"]!).ToList();
        Assert.All(leases, lease => Assert.Empty(Labbook.Processes.Orphans.Find(lease)));
        var ledger = lab.Ledger();
        foreach (var group in ledger.GroupBy(e => e.Item))
        {
            var spans = new List<(double Start, double End)>();
            double? open = null;
            foreach (var e in group.OrderBy(e => e.Time))
            {
                if (e.Kind == "start")
                {
                    open = e.Time;
                }
                else if (open is { } s)
                {
                    spans.Add((s, e.Time));
                    open = null;
                }
            }
            for (var i = 1; i < spans.Count; i++)
            {
                Assert.True(spans[i].Start >= spans[i - 1].End, $"{group.Key} overlapped itself");
            }
        }
    }

    [Fact]
    public void Two_runners_at_once_never_take_the_same_item()
    {
        using var lab = new LabHarness();
        const int Items = 8;
        for (var i = 0; i < Items; i++)
        {
            lab.MustRun(["queue", "add", "--why", "two", "-p", "i=" + i, "--", .. lab.LedgerChild(0.3)]);
        }
        using var a = lab.Start("queue", "start", "-j", "2");
        using var b = lab.Start("queue", "start", "-j", "2");
        Assert.True(a.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.True(b.WaitForExit(TimeSpan.FromSeconds(30)));
        var state = lab.Queue();
        Assert.All(state.Ordered, v =>
        {
            Assert.Equal(ItemState.Done, v.State);
            Assert.Equal(1, v.Attempts);
        });
        var ledger = lab.Ledger();
        Assert.Equal(Items, ledger.Count(e => e.Kind == "start"));
        Assert.Equal(Items, ledger.Select(e => e.Item).Distinct().Count());
        AssertNoSelfOverlap(lab);
        Assert.Equal(2, state.Runners.Count);
    }

    /// <summary>
    /// Runs one item to its end, then cuts the journal's <c>end</c> and <c>runner_end</c> lines: the state a kill -9 of
    /// the runner leaves between the child's exit (its run.json says so) and the end op's commit.
    /// </summary>
    private static void FinishedButUnrecorded(LabHarness lab, int exitCode)
    {
        lab.MustRun("queue", "add", "--why", "twice?", "--", "sh", "-c", $"echo ran >> '{lab.PathOf("ran")}'; exit {exitCode}");
        lab.Run("queue", "start");
        Assert.Single(File.ReadAllLines(lab.PathOf("ran")));
        var journal = lab.PathOf("queue.jsonl");
        var lines = File.ReadAllLines(journal).ToList();
        var cut = lines.RemoveAll(l => (string?)JsonNode.Parse(l)!["op"] is "end" or "runner_end");
        Assert.True(cut >= 2, "the first runner wrote an end and a runner_end");
        File.WriteAllLines(journal, lines);
        Assert.Equal(ItemState.Running, lab.Queue().Items["q1"].State);
    }

    [Theory]
    [InlineData(0, ItemState.Done, "done")]
    [InlineData(3, ItemState.Failed, "failed")]
    public void A_finished_item_whose_end_was_lost_ends_as_its_run_did_and_never_runs_again(int exitCode, ItemState expected, string word)
    {
        // Issue 12, severe 6: the next runner took the dead runner's item for interrupted and ran it again.
        using var lab = new LabHarness();
        FinishedButUnrecorded(lab, exitCode);
        var r = lab.Run("queue", "start");
        Assert.Single(File.ReadAllLines(lab.PathOf("ran")));
        var item = lab.Queue().Items["q1"];
        Assert.Equal(expected, item.State);
        Assert.Single(item.Runs);
        Assert.Contains("q1 " + word, r.Out + r.Err, StringComparison.Ordinal);
        var end = File.ReadAllLines(lab.PathOf("queue.jsonl")).Select(l => JsonNode.Parse(l)!).Last(op => (string?)op["op"] == "end");
        Assert.Equal(word, (string?)end["state"]);
        Assert.Equal(exitCode, (int?)end["exit"]);
        Assert.Equal(item.Runs.Single(), (string?)end["run"]);
    }

    [Fact]
    public void Queue_add_reclaims_a_finished_item_whose_end_was_lost_as_done()
    {
        using var lab = new LabHarness();
        FinishedButUnrecorded(lab, 0);
        lab.MustRun("queue", "add", "--why", "next", "--", "true");
        Assert.Equal(ItemState.Done, lab.Queue().Items["q1"].State);
        lab.Run("queue", "start");
        Assert.Single(File.ReadAllLines(lab.PathOf("ran")));
        Assert.Equal(ItemState.Done, lab.Queue().Items["q2"].State);
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException("condition not met in " + timeout);
            }
            Thread.Sleep(100);
        }
    }
}
