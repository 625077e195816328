using System.Text.Json.Nodes;
using Labbook.Executors;
using Labbook.Executors.Slurm;
using Labbook.Queue;
using Labbook.Workspaces;

namespace Labbook.Tests.Slurm;

/// <summary>A stand-in for the cluster: records every command and answers sbatch with rising job ids.</summary>
internal sealed class FakeSlurm(string config = "MaxArraySize            = 4\nAccountingStorageType   = accounting_storage/slurmdbd\n") : ISlurmCli
{
    private int _next = 100;

    public List<IReadOnlyList<string>> Calls { get; } = [];

    public string Sacct { get; set; } = "";

    /// <summary>What <c>squeue</c> prints; empty means the controller knows none of the jobs (squeue then fails).</summary>
    public string Squeue { get; set; } = "";

    public string ScontrolJob { get; set; } = "";

    public SlurmCommandResult Run(IReadOnlyList<string> argv)
    {
        Calls.Add(argv);
        return argv[0] switch
        {
            "scontrol" when argv[1] == "show" && argv[2] == "config" => new(0, config),
            "scontrol" when argv[1] == "show" && argv[2] == "job" => ScontrolJob.Length > 0 ? new(0, ScontrolJob) : new(1, "slurm_load_jobs error: Invalid job id specified"),
            "sbatch" => new(0, (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"),
            "sacct" => new(0, Sacct),
            "squeue" => Squeue.Length > 0 ? new(0, Squeue) : new(1, "slurm_load_jobs error: Invalid job id specified"),
            _ => new(0, ""),
        };
    }
}

public class SlurmExecutorTests
{
    private static QueueItem Item(string id, string? group = null, int gpus = 0, double? timeout = null) =>
        new() { Id = id, Argv = ["python", "train.py", "--lr", "{lr}"], Params = new Dictionary<string, JsonNode?> { ["lr"] = 0.1 }, Group = group, Gpus = gpus, TimeoutS = timeout };

    private static ExecutionRequest Request(Workspace ws, QueueItem item) => new()
    {
        Workspace = ws,
        Item = item,
        Lease = "L" + item.Id,
        Placement = new Placement("slurm", null),
        Environment = new Dictionary<string, string?>(),
    };

    /// <summary>A queue whose items each run in the given Slurm job, submitted just now.</summary>
    private static QueueState RunningOnSlurm(params (string Id, string Job)[] items)
    {
        var state = new QueueState();
        foreach (var (id, job) in items)
        {
            state.Apply(new QueueOp { Op = QueueOp.Add, Item = Item(id) });
            state.Apply(new QueueOp { Op = QueueOp.LeaseOp, Id = id, Lease = "L" + id, Runner = "r", Executor = "slurm", T = DateTime.UtcNow });
            state.Apply(new QueueOp { Op = QueueOp.Start, Id = id, Lease = "L" + id, External = job, T = DateTime.UtcNow });
        }
        return state;
    }

    [Fact]
    public void Resources_become_separate_sbatch_arguments()
    {
        var s = new SlurmSettings { Partition = "gpu", Account = "proj; rm -rf /", Time = "2:00:00", Cpus = 4, Mem = "16G", Qos = "long", Extra = ["--constraint=a100"] };
        var item = Item("q1", gpus: 2);
        item.Sbatch = ["--mem=32G"];
        Assert.Equal(["--partition=gpu", "--account=proj; rm -rf /", "--qos=long", "--cpus-per-task=4", "--mem=16G", "--time=2:00:00", "--gres=gpu:2", "--constraint=a100", "--mem=32G"], s.OptionsFor(item));
        s.GpuFlag = SlurmGpuSyntax.Gpus;
        Assert.Contains("--gpus=2", s.OptionsFor(item));
        // An item's own timeout gives the time limit, a minute more so that lab's limit ends it first.
        Assert.Contains("--time=3", s.OptionsFor(Item("q2", timeout: 90)));
        Assert.Throws<ArgumentException>(() => new SlurmSettings { Extra = ["--x=a\nb"] }.OptionsFor(Item("q3")));
    }

    [Fact]
    public void A_grid_becomes_arrays_no_larger_than_MaxArraySize_with_a_throttle()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path);
        var fake = new FakeSlurm();
        using var slurm = new SlurmExecutor(new SlurmSettings { Throttle = 2, Lab = "/opt/lab/lab" }, fake) { Workspace = ws };
        var requests = Enumerable.Range(1, 6).Select(i => Request(ws, Item("q" + i, group: "g1"))).Append(Request(ws, Item("q7"))).ToList();
        var started = slurm.StartAll(requests);
        Assert.Equal(["100_0", "100_1", "100_2", "100_3", "101_0", "101_1", "102"], started.Select(s => s.Started!.External));
        var sbatch = fake.Calls.Where(c => c[0] == "sbatch").ToList();
        Assert.Equal(3, sbatch.Count);
        Assert.Contains("--array=0-3%2", sbatch[0]);
        Assert.Contains("--array=0-1%2", sbatch[1]);
        Assert.DoesNotContain(sbatch[2], a => a.StartsWith("--array", StringComparison.Ordinal));
        var script = File.ReadAllText(sbatch[0][^1]);
        Assert.Contains("#SBATCH --array=0-3%2", script, StringComparison.Ordinal);
        Assert.Contains("  3) item=q4 lease=Lq4 ;;", script, StringComparison.Ordinal);
        Assert.Contains("exec /opt/lab/lab queue slurm-task \"$item\" \"$lease\"", script, StringComparison.Ordinal);
        Assert.StartsWith(SlurmExecutor.ScriptDirectory(ws), sbatch[0][^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_settings_can_make_chunks_smaller_than_the_cluster_allows()
    {
        using var slurm = new SlurmExecutor(new SlurmSettings { MaxArraySize = 2 }, new FakeSlurm());
        Assert.Equal(2, slurm.MaxArraySize);
        using var big = new SlurmExecutor(new SlurmSettings(), new FakeSlurm("MaxArraySize = 1001\n"));
        Assert.Equal(1001, big.MaxArraySize);
        Assert.False(big.UsesSacct);
    }

    [Fact]
    public void Reconcile_reads_sacct_once_for_every_running_Slurm_attempt()
    {
        var state = RunningOnSlurm(("q1", "100_0"), ("q2", "100_1"), ("q3", "101"));
        var fake = new FakeSlurm { Sacct = "100_0|COMPLETED|0:0|None\n100_1|TIMEOUT|0:0|None\n101|PREEMPTED|0:0|None\n" };
        using var slurm = new SlurmExecutor(new SlurmSettings(), fake);
        var ends = state.Ordered.Select(v => slurm.Reconcile(v, state, DateTime.UtcNow)).ToList();
        Assert.Equal([AttemptEnd.Done, AttemptEnd.Failed, AttemptEnd.Interrupted], ends.Select(e => e!.End));
        // The controller is asked first (it has forgotten these jobs), then accounting, each once for all.
        Assert.Single(fake.Calls, c => c[0] == "squeue");
        var sacct = fake.Calls.Single(c => c[0] == "sacct");
        Assert.Contains("-j", sacct);
        Assert.Contains("100,101", sacct);
        // Records that ended long before these leases were taken are not asked for.
        Assert.Contains("-S", sacct);
    }

    [Fact]
    public void A_job_the_controller_knows_is_not_taken_for_an_older_job_of_the_same_number_in_accounting()
    {
        // After a reset of the cluster's job ids, sacct names the last job 7 it knows until slurmdbd hears of the new one.
        var state = RunningOnSlurm(("q1", "7"));
        var fake = new FakeSlurm { Squeue = "7|PENDING|0|None|\n", Sacct = "7|COMPLETED|0:0|None|2026-11-27T06:59:22\n" };
        using var slurm = new SlurmExecutor(new SlurmSettings(), fake);
        Assert.Null(slurm.Reconcile(state.Items["q1"], state, DateTime.UtcNow));
        Assert.DoesNotContain(fake.Calls, c => c[0] == "sacct");
        // Once the controller has forgotten it, accounting answers.
        fake.Squeue = "";
        using var later = new SlurmExecutor(new SlurmSettings(), fake);
        Assert.Equal(AttemptEnd.Done, later.Reconcile(state.Items["q1"], state, DateTime.UtcNow)!.End);
    }

    [Fact]
    public void A_job_asks_why_it_ends_and_ignores_an_older_job_of_its_number()
    {
        var fake = new FakeSlurm
        {
            ScontrolJob = "JobId=7 JobName=lab-q1 JobState=COMPLETING Reason=None ExitCode=0:0 SubmitTime=2026-11-28T12:00:01\n",
            Sacct = "7|COMPLETED|0:0|None|2026-11-28T07:08:44\n",
        };
        using var slurm = new SlurmExecutor(new SlurmSettings(), fake);
        // The only record is an older job 7: no cause (COMPLETING says nothing), after three questions.
        Assert.Null(slurm.EndCause("7", TimeSpan.Zero));
        Assert.Equal(3, fake.Calls.Count(c => c[0] == "sacct"));
        fake.Sacct = "7|CANCELLED by 0|0:0|None|2026-11-28T12:00:01\n";
        Assert.Equal(SlurmPhase.Cancelled, slurm.EndCause("7", TimeSpan.Zero)!.Phase);
        // Without accounting: the controller's state when it is not RUNNING (a requeued job waits again).
        fake.ScontrolJob = "JobId=7 JobName=lab-q1 JobState=PENDING Reason=BeginTime ExitCode=0:0 SubmitTime=2026-11-28T12:00:01\n";
        using var plain = new SlurmExecutor(new SlurmSettings { UseSacct = false }, fake);
        Assert.Equal(SlurmPhase.Waiting, plain.EndCause("7")!.Phase);
    }

    [Fact]
    public void Without_accounting_states_come_from_squeue()
    {
        var state = RunningOnSlurm(("q1", "7"));
        var fake = new FakeSlurm();
        using var slurm = new SlurmExecutor(new SlurmSettings { UseSacct = false }, fake);
        Assert.Null(slurm.Reconcile(state.Items["q1"], state, DateTime.UtcNow));
        Assert.Contains(fake.Calls, c => c[0] == "squeue" && c.Contains("all"));
        Assert.DoesNotContain(fake.Calls, c => c[0] == "sacct");
    }

    [Fact]
    public void The_runner_submits_everything_pending_and_walks_away()
    {
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path);
        using (var journal = ws.OpenQueue())
        {
            journal.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q1") }, new QueueOp { Op = QueueOp.Add, Item = Item("q2", group: "g") }, new QueueOp { Op = QueueOp.Add, Item = Item("q3", group: "g") });
        }
        var fake = new FakeSlurm();
        using var slurm = new SlurmExecutor(new SlurmSettings { Lab = "lab" }, fake) { Workspace = ws };
        var summary = new QueueRunner(ws, new RunnerOptions { Executor = slurm, PollInterval = TimeSpan.Zero }).Run();
        Assert.Equal("submitted", summary.Ending);
        using var after = ws.OpenQueue();
        Assert.All(after.State.Ordered, v => Assert.Equal(ItemState.Running, v.State));
        Assert.Equal(["100", "101_0", "101_1"], after.State.Ordered.Select(v => v.Lease!.External));
        Assert.All(after.State.Ordered, v => Assert.Equal("slurm", v.Lease!.Executor));
    }

    [Fact]
    public void A_slow_slurm_controller_never_holds_the_queue_lock()
    {
        // Issue 12: squeue and sacct ran inside the queue's write lock (60 s timeout each), so a slow controller held
        // up every queue writer. Here squeue blocks until released: another writer must get through meanwhile.
        using var dir = new TempDir();
        var ws = Workspace.FindOrCreate(dir.Path);
        using (var journal = ws.OpenQueue())
        {
            journal.Append(
                new QueueOp { Op = QueueOp.Add, Item = Item("q1") },
                new QueueOp { Op = QueueOp.LeaseOp, Id = "q1", Lease = "Lq1", Runner = "r-elsewhere", Executor = "slurm" },
                new QueueOp { Op = QueueOp.Start, Id = "q1", Lease = "Lq1", External = "100" });
        }
        using var cli = new BlockingSlurm(new FakeSlurm { Sacct = "100|COMPLETED|0:0|None\n" });
        using var slurm = new SlurmExecutor(new SlurmSettings { Lab = "lab" }, cli) { Workspace = ws };
        RunnerSummary? summary = null;
        var runner = new Thread(() => summary = new QueueRunner(ws, new RunnerOptions { Executor = slurm, PollInterval = TimeSpan.Zero }).Run());
        runner.Start();
        try
        {
            Assert.True(cli.Entered.Wait(TimeSpan.FromSeconds(60)), "the runner never asked Slurm");
            var other = new Thread(() =>
            {
                using var journal = ws.OpenQueue();
                journal.Append(new QueueOp { Op = QueueOp.Add, Item = Item("q2") });
            });
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(30)), "a queue writer waited for squeue");
            Assert.True(runner.IsAlive, "the runner is still waiting for squeue");
        }
        finally
        {
            cli.Release.Set();
        }
        Assert.True(runner.Join(TimeSpan.FromSeconds(60)));
        Assert.NotNull(summary);
        using var after = ws.OpenQueue();
        Assert.Equal(ItemState.Done, after.State.Items["q1"].State);
    }

    /// <summary>A cluster whose first squeue or sacct hangs until <see cref="Release"/> is set.</summary>
    private sealed class BlockingSlurm(FakeSlurm inner) : ISlurmCli, IDisposable
    {
        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        public SlurmCommandResult Run(IReadOnlyList<string> argv)
        {
            if (argv[0] is "squeue" or "sacct")
            {
                Entered.Set();
                Release.Wait();
            }
            lock (inner)
            {
                return inner.Run(argv);
            }
        }

        public void Dispose()
        {
            Entered.Dispose();
            Release.Dispose();
        }
    }
}
