using Labbook.Queue;

namespace Labbook.EndToEnd.Tests;

/// <summary>The queue on a real Slurm: lab submits and exits, the jobs write the runs, later commands read the states back.</summary>
public sealed class SlurmQueueTests : IDisposable
{
    private static readonly TimeSpan JobWait = TimeSpan.FromSeconds(60);
    private readonly LabHarness _lab = new();

    public void Dispose()
    {
        SlurmSupport.CancelAll(_lab);
        _lab.Dispose();
    }

    [SlurmFact]
    public void One_item_runs_in_a_job_that_writes_its_run_folder()
    {
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "-n", "single", "--", "sh", "-c", "echo \"@lab loss=0.25\"; echo \"job $SLURM_JOB_ID\"");
        var submit = _lab.Run("queue", "start", "--executor", "slurm");
        Assert.True(submit.Exit == 0, submit.Err);
        Assert.Contains("1 item(s) submitted to Slurm", submit.Out, StringComparison.Ordinal);
        var item = SlurmSupport.WaitEnded(_lab, JobWait).Single()!;
        Assert.Equal("done", (string?)item["state"]);
        // Done with no run would be another job's state (an older job of the same number in accounting).
        var runId = (string?)item["run"];
        Assert.True(runId is not null, "done without a run: " + item.ToJsonString());
        var run = SlurmSupport.Run(_lab, runId);
        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal("q1", (string?)run["queue_item"]);
        var job = (string)run["slurm_job"]!;
        Assert.Contains("job " + job, File.ReadAllText(Path.Combine(_lab.Root, "runs", runId, "output.log")), StringComparison.Ordinal);
        Assert.Contains("loss", File.ReadAllText(Path.Combine(_lab.Root, "runs", runId, "metrics.csv")), StringComparison.Ordinal);
        // The batch script stays beside the queue, readable.
        var script = Directory.GetFiles(Path.Combine(_lab.Root, ".labbook", "queue", "slurm"), "*.sbatch").Single();
        Assert.Contains("queue slurm-task", File.ReadAllText(script), StringComparison.Ordinal);
        var show = _lab.MustRun("show", runId);
        Assert.Contains(job, show.Out, StringComparison.Ordinal);
        Assert.Single(_lab.Queue().Items["q1"].Runs);
    }

    [SlurmFact]
    public void A_failing_item_ends_failed_with_its_exit_code()
    {
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--", "sh", "-c", "echo failing; exit 3");
        _lab.MustRun("queue", "start", "--executor", "slurm");
        var item = SlurmSupport.WaitEnded(_lab, JobWait).Single()!;
        Assert.Equal("failed", (string?)item["state"]);
        var view = _lab.Queue().Items["q1"];
        Assert.Equal(3, view.LastExit);
        var run = SlurmSupport.Run(_lab, view.Runs.Single());
        Assert.Equal(3, (int?)run["exit_code"]);
        var (_, sacct) = SlurmSupport.Tool("scontrol", "show", "job", "-o", (string)run["slurm_job"]!);
        Assert.Contains("ExitCode=3:0", sacct, StringComparison.Ordinal);
    }

    [SlurmFact]
    public void A_grid_is_one_array_job_and_the_throttle_holds()
    {
        _lab.MustRun(["queue", "add", "--why", "slurm e2e", "--grid", "x=1,2,3", "--", .. _lab.LedgerChild(1.0)]);
        _lab.MustRun("queue", "start", "--executor", "slurm", "--throttle", "1");
        var items = SlurmSupport.WaitEnded(_lab, JobWait);
        Assert.All(items, i => Assert.Equal("done", (string?)i!["state"]));
        var script = Directory.GetFiles(Path.Combine(_lab.Root, ".labbook", "queue", "slurm"), "*.sbatch").Single();
        Assert.Contains("#SBATCH --array=0-2%1", File.ReadAllText(script), StringComparison.Ordinal);
        var jobs = _lab.Queue().Ordered.Select(v => SlurmSupport.Run(_lab, v.Runs.Single())["slurm_job"]!.GetValue<string>()).ToList();
        Assert.Single(jobs.Select(j => j.Split('_')[0]).Distinct());
        var ledger = _lab.Ledger();
        Assert.Equal(6, ledger.Count);
        // At most one task at a time: every start comes after the previous end.
        var ordered = ledger.OrderBy(e => e.Time).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? "start" : "end", ordered[i].Kind);
        }
    }

    [SlurmFact]
    public void An_array_larger_than_MaxArraySize_is_cut_into_chunks()
    {
        var clusterMax = SlurmSupport.MaxArraySize();
        // CI's cluster has MaxArraySize=4; on a cluster with a large one, --max-array-size makes the chunks.
        var chunk = clusterMax <= 8 ? clusterMax : 2;
        var count = chunk + 1;
        var values = string.Join(',', Enumerable.Range(1, count));
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--grid", "x=" + values, "--", "sh", "-c", "echo x={x}");
        string[] start = clusterMax <= 8 ? ["queue", "start", "--executor", "slurm"] : ["queue", "start", "--executor", "slurm", "--max-array-size", "2"];
        _lab.MustRun(start);
        var items = SlurmSupport.WaitEnded(_lab, JobWait);
        Assert.Equal(count, items.Count);
        Assert.All(items, i => Assert.Equal("done", (string?)i!["state"]));
        var scripts = Directory.GetFiles(Path.Combine(_lab.Root, ".labbook", "queue", "slurm"), "*.sbatch");
        Assert.Equal(2, scripts.Length);
        var jobs = _lab.Queue().Ordered.Select(v => SlurmSupport.Run(_lab, v.Runs.Single())["slurm_job"]!.GetValue<string>()).ToList();
        Assert.Equal(2, jobs.Select(j => j.Split('_')[0]).Distinct().Count());
        Assert.Equal(chunk, jobs.Count(j => j.Contains('_', StringComparison.Ordinal)));
    }

    [SlurmFact]
    public void Lab_queue_stop_cancels_the_jobs_and_the_runs_say_so()
    {
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--", "sleep", "300");
        _lab.MustRun("queue", "start", "--executor", "slurm");
        SlurmSupport.WaitFor(() => SlurmSupport.Items(_lab).Single()!["slurm_state"]?.GetValue<string>() == "RUNNING" && _lab.Queue().Items["q1"].Lease?.Run is not null, JobWait, () => SlurmSupport.Items(_lab).ToJsonString());
        var runId = _lab.Queue().Items["q1"].Lease!.Run!;
        var stop = _lab.MustRun("queue", "stop", "--now");
        Assert.Contains("cancelled 1 Slurm job(s)", stop.Out, StringComparison.Ordinal);
        var view = _lab.Queue().Items["q1"];
        Assert.Equal(ItemState.Pending, view.State);
        Assert.Contains("scancel", view.LastReason, StringComparison.Ordinal);
        // The job's lab records Slurm's cause once its child has ended.
        SlurmSupport.WaitFor(() => ((string?)SlurmSupport.Run(_lab, runId)["reason"])?.Contains("CANCELLED", StringComparison.Ordinal) == true, JobWait, () => SlurmSupport.Run(_lab, runId).ToJsonString());
        Assert.Equal("killed", (string?)SlurmSupport.Run(_lab, runId)["status"]);
    }

    [SlurmTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_job_cancelled_outside_lab_is_read_back_with_and_without_sacct(bool sacct)
    {
        _lab.Environment["LAB_SLURM_SACCT"] = sacct ? "1" : "0";
        if (sacct && !SlurmSupport.Tool("scontrol", "show", "config").Output.Contains("accounting_storage/slurmdbd", StringComparison.Ordinal))
        {
            Assert.Fail("the cluster has no accounting (start it with LOCAL_SLURM_ACCOUNTING=slurmdbd)");
        }
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--", "sleep", "300");
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--", "sh", "-c", "exit 4");
        _lab.MustRun("queue", "start", "--executor", "slurm");
        SlurmSupport.WaitFor(() => _lab.Queue().Items["q1"].Lease?.Run is not null, JobWait, () => SlurmSupport.Items(_lab).ToJsonString());
        var job = _lab.Queue().Items["q1"].Lease!.External!;
        var runId = _lab.Queue().Items["q1"].Lease!.Run!;
        SlurmSupport.Tool("scancel", job);
        var items = SlurmSupport.WaitEnded(_lab, JobWait);
        Assert.Equal("failed", (string?)items[0]!["state"]);
        Assert.Equal("failed", (string?)items[1]!["state"]);
        // Without sacct the job cannot learn the cause in time (the controller says COMPLETING): the
        // next writer (here lab queue add) reads Slurm's final state and records it, in the queue and in run.json.
        _lab.MustRun("queue", "add", "--why", "writer", "--", "true");
        var view = _lab.Queue().Items["q1"];
        Assert.Equal(ItemState.Failed, view.State);
        Assert.Contains("CANCELLED", view.LastReason, StringComparison.Ordinal);
        Assert.Equal(4, _lab.Queue().Items["q2"].LastExit);
        var run = SlurmSupport.Run(_lab, runId);
        Assert.Equal("killed", (string?)run["status"]);
        Assert.Contains("CANCELLED", (string?)run["reason"], StringComparison.Ordinal);
    }
}

/// <summary>Slurm's time limit (whole minutes, checked every ~30 s: about 60-90 s), apart so it runs beside the others.</summary>
public sealed class SlurmTimeLimitTests : IDisposable
{
    private readonly LabHarness _lab = new();

    public void Dispose()
    {
        SlurmSupport.CancelAll(_lab);
        _lab.Dispose();
    }

    [SlurmFact]
    public void A_job_past_its_time_limit_ends_as_a_timeout()
    {
        _lab.MustRun("note", "does a job past its limit read as a timeout?");
        _lab.MustRun("queue", "add", "--why", "slurm e2e", "--entry", "E1", "--sbatch", "time=1", "--", "sleep", "600");
        _lab.MustRun("queue", "start", "--executor", "slurm");
        var item = SlurmSupport.WaitEnded(_lab, TimeSpan.FromSeconds(180)).Single()!;
        Assert.Equal("failed", (string?)item["state"]);
        // When the job could not learn the cause before it ended, the next writer records Slurm's final state.
        _lab.MustRun("queue", "add", "--why", "writer", "--", "true");
        var view = _lab.Queue().Items["q1"];
        Assert.Contains("TIMEOUT", view.LastReason, StringComparison.Ordinal);
        var run = SlurmSupport.Run(_lab, view.Runs.Single());
        Assert.Equal("killed", (string?)run["status"]);
        Assert.Contains("TIMEOUT", (string?)run["reason"], StringComparison.Ordinal);
        var morning = _lab.MustRun("morning");
        Assert.Contains("TIMEOUT", morning.Out, StringComparison.Ordinal);
    }
}

/// <summary>A sweep on Slurm: array tasks are sweep workers on one study journal with the total budget.</summary>
public sealed class SlurmSweepTests : IDisposable
{
    private readonly LabHarness _lab = new();

    public void Dispose()
    {
        foreach (var job in Directory.Exists(Path.Combine(_lab.Root, ".labbook", "queue", "slurm"))
            ? Directory.GetFiles(Path.Combine(_lab.Root, ".labbook", "queue", "slurm"), "*.out").Select(f => Path.GetFileNameWithoutExtension(f).Split('-')[^1].Split('_')[0]).Distinct().ToArray()
            : [])
        {
            SlurmSupport.Tool("scancel", job);
        }
        _lab.Dispose();
    }

    [SlurmFact]
    public void Two_array_tasks_share_one_journal_and_stop_at_the_total()
    {
        var submit = _lab.Run("sweep", "--executor", "slurm", "--study", "s1", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize",
            "--trials", "6", "-j", "2", "--sampler", "random", "--seed", "3", "--", "sh", "-c", "echo \"@lab loss={x}\"; sleep 0.7");
        Assert.True(submit.Exit == 0, submit.Err);
        Assert.Contains("2 worker(s) submitted to Slurm", submit.Out, StringComparison.Ordinal);
        var job = submit.Out.Split("array job(s) ")[1].Split(',')[0].Trim();
        SlurmSupport.WaitFor(
            () => SlurmSupport.Tool("squeue", "-h", "-j", job).Output.Trim().Length == 0,
            TimeSpan.FromSeconds(90),
            () => SlurmSupport.Tool("squeue", "-t", "all", "-h", "-j", job).Output);
        var runs = Directory.GetDirectories(Path.Combine(_lab.Root, "runs")).Select(d => SlurmSupport.Run(_lab, Path.GetFileName(d))).ToList();
        Assert.Equal(6, runs.Count);
        Assert.All(runs, r => Assert.Equal("s1", (string?)r["study"]));
        Assert.All(runs, r => Assert.StartsWith(job + "_", (string?)r["slurm_job"], StringComparison.Ordinal));
        var show = _lab.MustRun("study", "show", "s1");
        Assert.Contains("6 trials: 6 complete", show.Out, StringComparison.Ordinal);
        // Running a worker again (a requeued task) adds nothing: the total is reached.
        var again = _lab.Run("sweep", "--study", "s1", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "6", "--sampler", "random", "--", "sh", "-c", "echo \"@lab loss={x}\"");
        Assert.Equal(0, again.Exit);
        Assert.Equal(6, Directory.GetDirectories(Path.Combine(_lab.Root, "runs")).Length);
    }
}
