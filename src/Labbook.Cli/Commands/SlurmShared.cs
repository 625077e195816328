using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Labbook.Executors;
using Labbook.Executors.Slurm;
using Labbook.Queue;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary>The Slurm side of the queue commands: settings, the job's own command, reconciling.</summary>
internal static class SlurmShared
{
    /// <summary>Set to 0 to read states without sacct (squeue -t all / scontrol), 1 to force sacct.</summary>
    public const string SacctVariable = "LAB_SLURM_SACCT";

    /// <summary>The workspace's settings.json, or null.</summary>
    public static JsonObject? Settings(Workspace workspace)
    {
        var path = Path.Combine(workspace.StateDirectory, "settings.json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"{path}: {e.Message}");
        }
    }

    /// <summary>The executor named by <c>"executor"</c> in settings.json (local when absent).</summary>
    public static string DefaultExecutor(Workspace workspace)
    {
        try
        {
            return Settings(workspace)?["executor"]?.GetValue<string>() ?? "local";
        }
        catch (InvalidOperationException)
        {
            throw new FormatException(".labbook/settings.json: \"executor\" must be a string (local or slurm)");
        }
    }

    /// <summary>The <c>"slurm"</c> settings, with the sacct override from the environment.</summary>
    public static SlurmSettings ReadSettings(Workspace workspace)
    {
        SlurmSettings s;
        try
        {
            s = SlurmSettings.FromJson(Settings(workspace)?["slurm"] as JsonObject);
        }
        catch (FormatException e)
        {
            throw new FormatException(".labbook/settings.json: " + e.Message);
        }
        switch (Environment.GetEnvironmentVariable(SacctVariable))
        {
            case "0":
                s.UseSacct = false;
                break;
            case "1":
                s.UseSacct = true;
                break;
        }
        return s;
    }

    /// <summary>An sbatch option as the user wrote it: <c>partition=gpu</c> or <c>--partition=gpu</c>.</summary>
    public static string SbatchOption(string text)
    {
        var option = text.StartsWith('-') ? text : "--" + text;
        if (option.Length < 3 || option.Any(char.IsControl))
        {
            throw new UsageException($"--sbatch: '{Names.Printable(text)}' is not an sbatch option (e.g. partition=gpu)");
        }
        return option;
    }

    /// <summary>True when the journal holds attempts on Slurm that have not ended.</summary>
    public static bool HasSlurmWork(QueueState state) => SlurmExecutor.RunningHere(state).Any();

    /// <summary>A writer's duty: Slurm attempts that ended without saying so get their end (and their run its cause).</summary>
    public static void Reclaim(QueueWriter w, SlurmExecutor slurm, Workspace workspace)
    {
        foreach (var view in SlurmExecutor.RunningHere(w.State).ToList())
        {
            if (slurm.Reconcile(view, w.State, w.UtcNow) is { } reconciled)
            {
                var ended = AttemptRecords.Settle(workspace, reconciled);
                w.Append(new QueueOp { Op = QueueOp.End, Id = ended.ItemId, Lease = ended.Lease, State = AttemptRecords.StateWord(ended.End), Run = ended.Run, Exit = ended.ExitCode, Reason = ended.Reason });
            }
        }
    }

    /// <summary>For readers: what Slurm says now about every running Slurm attempt (item id → state). Writes nothing.</summary>
    public static Dictionary<string, SlurmJobState> Live(Workspace workspace, QueueState state)
    {
        var result = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        var running = SlurmExecutor.RunningHere(state).Where(v => v.Lease!.External is not null).ToList();
        if (running.Count == 0)
        {
            return result;
        }
        using var slurm = new SlurmExecutor(ReadSettings(workspace));
        var states = slurm.Query([.. running.Select(v => v.Lease!)]);
        foreach (var v in running)
        {
            if (states.TryGetValue(v.Lease!.External!, out var s))
            {
                result[v.Id] = s;
            }
        }
        return result;
    }

    /// <summary>What Slurm says of a job now, for <c>lab show</c>: <c> (RUNNING)</c>, or empty when it cannot tell.</summary>
    public static string StateOf(string job)
    {
        using var slurm = new SlurmExecutor(ReadSettings(Workspace.FromEnvironment(create: false)));
        return slurm.Query([job]).TryGetValue(job, out var s) ? $" ({s.State}{(s.Reason is { } r ? ", " + r : "")})" : "";
    }

    /// <summary>The state word a reader shows for a Slurm attempt: the queue's word once Slurm has ended it.</summary>
    public static string? StateText(Dictionary<string, SlurmJobState> live, ItemView view) =>
        live.TryGetValue(view.Id, out var s) && SlurmStates.Outcome(s) is { } o
            ? o.End switch { AttemptEnd.Done => "done", AttemptEnd.Interrupted => "interrupted", _ => "failed" }
            : null;

    /// <summary>The slot column for a Slurm attempt: <c>slurm 123_4 RUNNING</c>.</summary>
    public static string? Slot(Dictionary<string, SlurmJobState> live, ItemView view) =>
        view.Lease is { Executor: SlurmExecutor.KindName } lease
            ? "slurm " + (lease.External ?? "(submitting)") + (live.TryGetValue(view.Id, out var s) ? " " + s.Word : "")
            : null;

    /// <summary>Cancels Slurm jobs of running items (all, or only those still pending in Slurm) and ends their leases as interrupted.</summary>
    public static (int Cancelled, string? Error) Stop(Workspace workspace, bool runningToo)
    {
        using var journal = QueueShared.Open(workspace);
        using var slurm = new SlurmExecutor(ReadSettings(workspace)) { Workspace = workspace };
        var running = SlurmExecutor.RunningHere(journal.State).Where(v => v.Lease!.External is not null).ToList();
        if (running.Count == 0)
        {
            return (0, null);
        }
        var states = slurm.Query([.. running.Select(v => v.Lease!)]);
        var chosen = running.Where(v => runningToo || (states.TryGetValue(v.Lease!.External!, out var s) && s.Phase == SlurmPhase.Waiting)).ToList();
        if (chosen.Count == 0)
        {
            return (0, null);
        }
        var leases = chosen.ToDictionary(v => v.Id, v => v.Lease!.Id, StringComparer.Ordinal);
        var jobs = chosen.Select(v => v.Lease!.External!).ToList();
        // Journal first: a job that starts between the two steps finds its lease gone and does nothing.
        journal.Write(w =>
        {
            foreach (var (id, lease) in leases)
            {
                if (w.State.Items.TryGetValue(id, out var v) && v.Lease?.Id == lease)
                {
                    w.Append(new QueueOp { Op = QueueOp.End, Id = id, Lease = lease, State = "interrupted", Run = v.Lease.Run, Reason = "lab queue stop (scancel)" });
                }
            }
            return 0;
        });
        var error = slurm.CancelJobs(jobs);
        return (chosen.Count, error);
    }

    /// <summary>
    /// <c>lab tonight</c> on Slurm: the jobs submitted (their Slurm state and why they wait) and
    /// each item's expected duration. Null when the queue has no Slurm work and Slurm is not the default.
    /// </summary>
    public static (List<string> Lines, JsonArray Json)? Tonight(Workspace workspace, QueueState state, Estimator estimator)
    {
        var running = SlurmExecutor.RunningHere(state).ToList();
        var slurmDefault = DefaultExecutor(workspace) == "slurm";
        if (running.Count == 0 && !slurmDefault)
        {
            return null;
        }
        var live = Live(workspace, state);
        var lines = new List<string> { "", $"Slurm: {running.Count} item(s) submitted; Slurm decides when they run (the timeline above assumes local slots)" };
        var json = new JsonArray();
        foreach (var v in running)
        {
            var est = estimator.For(v.Item);
            live.TryGetValue(v.Id, out var s);
            var word = s?.Word ?? "(unknown to Slurm yet)";
            var why = s?.Reason is { } r && s.Phase == SlurmPhase.Waiting ? $" ({r})" : "";
            lines.Add($"  {v.Id,-6} job {v.Lease!.External,-10} {word + why,-28} est {(est.Duration is { } d ? Durations.Format(d) : "?"),7}  {est.Basis,-26} {Names.Escape(v.Item.Name ?? QueueShared.Command(v.Item))}");
            json.Add((JsonNode)new JsonObject { ["id"] = v.Id, ["job"] = v.Lease.External, ["state"] = s?.State, ["reason"] = s?.Reason, ["estimate_s"] = est.Duration?.TotalSeconds, ["basis"] = est.Basis });
        }
        var pending = state.PendingInRunOrder().Count;
        if (pending > 0)
        {
            lines.Add($"  {pending} pending item(s) not submitted yet: lab queue start --executor slurm");
        }
        return (lines, json);
    }

    /// <summary><c>lab sweep --executor slurm</c>: N array tasks, each a sweep worker with the study's total budget.</summary>
    public static int SubmitSweep(ParseResult parse, SlurmStartOptions slurm, string study, int? trials, int tasks, string? entry)
    {
        if (trials is null)
        {
            throw new UsageException("--executor slurm needs --trials N: the study's total, which every worker stops at (so a requeued worker never overshoots)");
        }
        var workspace = Workspace.FromEnvironment(create: true);
        var settings = slurm.Settings(parse, workspace);
        var args = slurm.WorkerArgs("sweep", entry is null ? ["--no-entry"] : ["--entry", entry]);
        using var executor = new SlurmExecutor(settings) { Progress = Terminal.Note };
        List<string> jobs;
        try
        {
            jobs = executor.SubmitWorkers(workspace, "lab-sweep-" + study, args, tasks, Directory.GetCurrentDirectory(), $"{tasks} worker(s) of sweep {study}, {trials} trials in all");
        }
        catch (IOException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        Console.Out.WriteLine($"sweep {study}: {tasks} worker(s) submitted to Slurm as array job(s) {string.Join(", ", jobs)}, {trials} trials in all on studies/{study}.jsonl");
        Console.Out.WriteLine($"  lab study show {study} | squeue -j {string.Join(',', jobs)}");
        return 0;
    }

    /// <summary><c>lab queue slurm-task ITEM LEASE</c>: what a batch script runs on the node (hidden).</summary>
    public static Command BuildTask()
    {
        var item = new Argument<string>("item") { Description = "The queue item." };
        var lease = new Argument<string>("lease") { Description = "The lease the job was submitted under." };
        var cmd = new Command("slurm-task", "Run one queue item inside a Slurm job (written into the batch scripts; not for people).") { item, lease };
        cmd.Hidden = true;
        cmd.SetAction(parse =>
        {
            var env = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value, StringComparer.Ordinal);
            var job = SlurmTask.JobIdFromEnvironment(env) ?? throw new UsageException("slurm-task runs inside a Slurm job (no SLURM_JOB_ID)");
            var workspace = Workspace.FromEnvironment(create: false);
            using var task = new SlurmTask(workspace, parse.GetValue(item)!, parse.GetValue(lease)!, job, ReadSettings(workspace));
            using var stdout = Console.OpenStandardOutput();
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
            {
                c.Cancel = true;
                task.Terminate();
            });
            var handle = task.Start(stdout, Terminal.Warn, out var message);
            if (handle is null)
            {
                Terminal.Note($"Slurm job {job}: {message}");
                return 0;
            }
            var outcome = handle.Completion.GetAwaiter().GetResult();
            return task.Finish(outcome);
        });
        return cmd;
    }
}

/// <summary>The Slurm options of <c>lab queue start</c> and <c>lab sweep</c>.</summary>
internal sealed class SlurmStartOptions
{
    private readonly Option<string?> _executor = new("--executor") { Description = "local (default) or slurm: submit the pending items to Slurm and exit (default from \"executor\" in .labbook/settings.json)." };
    private readonly Option<string?> _partition = new("--partition") { Description = "Slurm: --partition for every job." };
    private readonly Option<string?> _account = new("--account") { Description = "Slurm: --account for every job." };
    private readonly Option<string?> _time = new("--time") { Description = "Slurm: --time for every job (e.g. 2:00:00); an item's --timeout wins." };
    private readonly Option<int?> _cpus = new("--cpus") { Description = "Slurm: --cpus-per-task for every job." };
    private readonly Option<string?> _mem = new("--mem") { Description = "Slurm: --mem for every job (e.g. 16G)." };
    private readonly Option<int?> _jobGpus = new("--job-gpus") { Description = "Slurm: GPUs for jobs whose item asks for none (an item's --gpus wins)." };
    private readonly Option<string?> _gpuFlag = new("--gpu-flag") { Description = "Slurm: ask for GPUs as gres (--gres=gpu:N, default) or gpus (--gpus=N)." };
    private readonly Option<string?> _qos = new("--qos") { Description = "Slurm: --qos for every job." };
    private readonly Option<string[]> _sbatch = new("--sbatch") { Description = "Slurm: a raw sbatch option, as one argument (repeatable), e.g. --sbatch constraint=a100." };
    private readonly Option<int?> _throttle = new("--throttle") { Description = "Slurm: at most N tasks of one job array at once (--array=...%N)." };
    private readonly Option<int?> _maxArray = new("--max-array-size") { Description = "Slurm: cut arrays into chunks of at most N tasks (default: the cluster's MaxArraySize)." };
    private readonly Option<bool> _noSacct = new("--no-sacct") { Description = "Slurm: read states with squeue/scontrol even when the cluster has accounting." };

    /// <summary>
    /// The command line of one worker: this command's own arguments without the Slurm options and
    /// without <c>-j</c> (a worker runs one trial at a time; Slurm runs the workers side by side), with
    /// the notebook entry resolved at submission in <paramref name="entryArgs"/>.
    /// </summary>
    public List<string> WorkerArgs(string command, IReadOnlyList<string> entryArgs)
    {
        var all = Environment.GetCommandLineArgs().Skip(1).ToList();
        var start = all.IndexOf(command);
        var args = new List<string> { command };
        var values = new HashSet<string>(StringComparer.Ordinal) { "-j", "--jobs", "--entry" };
        foreach (var o in new Option[] { _executor, _partition, _account, _time, _cpus, _mem, _jobGpus, _gpuFlag, _qos, _sbatch, _throttle, _maxArray })
        {
            values.Add(o.Name);
        }
        for (var i = start + 1; i < all.Count; i++)
        {
            var a = all[i];
            if (a == "--")
            {
                args.AddRange(["-j", "1", "--executor", "local", .. entryArgs]);
                args.AddRange(all.Skip(i));
                return args;
            }
            var name = a.Split('=', 2)[0];
            if (a == _noSacct.Name || a == "--no-entry")
            {
                continue;
            }
            if (values.Contains(name))
            {
                i += a.Contains('=', StringComparison.Ordinal) ? 0 : 1;
                continue;
            }
            args.Add(a);
        }
        args.AddRange(["-j", "1", "--executor", "local", .. entryArgs]);
        return args;
    }

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { _executor, _partition, _account, _time, _cpus, _mem, _jobGpus, _gpuFlag, _qos, _sbatch, _throttle, _maxArray, _noSacct })
        {
            cmd.Options.Add(o);
        }
    }

    /// <summary>True when Slurm is asked for, on the command line or in settings.json.</summary>
    public bool Chosen(ParseResult parse)
    {
        var name = parse.GetValue(_executor) ?? SlurmShared.DefaultExecutor(Workspace.FromEnvironment(create: true));
        return name switch
        {
            "slurm" => true,
            "local" => false,
            _ => throw new UsageException($"--executor: '{Names.Printable(name)}' is not local or slurm"),
        };
    }

    /// <summary>The settings: settings.json, then the command line.</summary>
    public SlurmSettings Settings(ParseResult parse, Workspace workspace)
    {
        var s = SlurmShared.ReadSettings(workspace);
        s.Partition = parse.GetValue(_partition) ?? s.Partition;
        s.Account = parse.GetValue(_account) ?? s.Account;
        s.Time = parse.GetValue(_time) ?? s.Time;
        s.Cpus = parse.GetValue(_cpus) ?? s.Cpus;
        s.Mem = parse.GetValue(_mem) ?? s.Mem;
        s.Gpus = parse.GetValue(_jobGpus) ?? s.Gpus;
        s.Qos = parse.GetValue(_qos) ?? s.Qos;
        if (parse.GetValue(_gpuFlag) is { } flag)
        {
            try
            {
                s.GpuFlag = SlurmSettings.ParseGpuFlag(flag);
            }
            catch (FormatException e)
            {
                throw new UsageException("--gpu-flag: " + e.Message);
            }
        }
        s.Extra.AddRange((parse.GetValue(_sbatch) ?? []).Select(SlurmShared.SbatchOption));
        s.Throttle = parse.GetValue(_throttle) ?? s.Throttle;
        s.MaxArraySize = parse.GetValue(_maxArray) ?? s.MaxArraySize;
        if (parse.GetValue(_noSacct))
        {
            s.UseSacct = false;
        }
        if (s.Throttle is < 1 || s.MaxArraySize is < 1 || s.Cpus is < 1 || s.Gpus is < 0)
        {
            throw new UsageException("--throttle, --max-array-size and --cpus must be 1 or more");
        }
        return s;
    }
}
