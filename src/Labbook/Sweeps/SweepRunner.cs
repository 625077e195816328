using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Metrics;
using Labbook.Processes;
using Labbook.Runs;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;
using Labbook.Workspaces;

namespace Labbook.Sweeps;

/// <summary>Everything a sweep needs: the study, the space, the command, the objective and the budget.</summary>
public sealed class SweepOptions
{
    /// <summary>The workspace holding runs and studies.</summary>
    public required Workspace Workspace { get; init; }

    /// <summary>The study name (file-safe: it names <c>studies/NAME.jsonl</c>).</summary>
    public required string StudyName { get; init; }

    /// <summary>The search space.</summary>
    public required SearchSpace Space { get; init; }

    /// <summary>The command, with <c>{name}</c> placeholders.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The metric whose reduced value is the objective.</summary>
    public required string Objective { get; init; }

    /// <summary>How the metric's series becomes one value.</summary>
    public MetricReduction Reduce { get; init; } = MetricReduction.Last;

    /// <summary>Minimize or maximize.</summary>
    public StudyDirection Direction { get; init; } = StudyDirection.Minimize;

    /// <summary>The study's total number of trials (finished ones count; null: no limit).</summary>
    public int? TotalTrials { get; init; }

    /// <summary>Slots: how many trials run at once. Each entry is the GPU list of a slot, or null for a plain local slot.</summary>
    public IReadOnlyList<string?> Slots { get; init; } = [null];

    /// <summary>The sampler name: tpe, random, grid, qmc, cmaes or auto.</summary>
    public string Sampler { get; init; } = "tpe";

    /// <summary>The pruner name: median, sha, hyperband or none.</summary>
    public string Pruner { get; init; } = "none";

    /// <summary>Sampler seed.</summary>
    public int? Seed { get; init; }

    /// <summary>Starts no trial after this long.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Trials to run first with fixed parameters (skipped when already in the study).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object?>> Enqueue { get; init; } = [];

    /// <summary>How many times a trial failed because its sweep died is re-run with the same parameters.</summary>
    public int RetryFailed { get; init; }

    /// <summary>The question the sweep answers, kept as the study's <c>why</c> user attribute.</summary>
    public string? Why { get; init; }

    /// <summary>The notebook entry the trials' runs belong to (their run.json names it), or null.</summary>
    public string? Entry { get; init; }

    /// <summary>The children's working directory (default: the current one).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when a trial is pruned or stopped.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a running trial's metrics are read for the pruner.</summary>
    public TimeSpan TailInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>One-line warnings.</summary>
    public Action<string>? Warn { get; init; }
}

/// <summary>A trial that started: its number, parameters and run.</summary>
/// <param name="Number">The trial number.</param>
/// <param name="Params">The parameter values.</param>
/// <param name="RunId">The run id.</param>
/// <param name="Slot">The slot index.</param>
public sealed record SweepTrialStarted(int Number, IReadOnlyDictionary<string, object?> Params, string RunId, int Slot);

/// <summary>A trial that finished.</summary>
/// <param name="Trial">The stored trial.</param>
/// <param name="RunId">Its run, when one was started.</param>
/// <param name="Reason">Why it failed or was pruned, or null.</param>
public sealed record SweepTrialFinished(FrozenTrial Trial, string? RunId, string? Reason);

/// <summary>
/// Runs a sweep: each trial of a journal study becomes one recorded run of the command, with the
/// trial's parameters substituted; the objective is a metric of the run. Crash-safe through the
/// study journal: running the same sweep again continues the study up to its total, and a trial
/// whose sweep process died is failed at once (and retried when asked).
/// </summary>
public sealed class SweepRunner
{
    /// <summary>Trial system attribute naming the process that runs the trial (host, pid, start ticks, boot id) and its run (<c>run</c>).</summary>
    public const string WorkerAttr = "labbook:worker";

    /// <summary>
    /// The environment variable that marks a trial's child and its descendants (the queue's
    /// <c>LAB_QUEUE_LEASE</c> mechanism, <see cref="Orphans"/>): after a <c>kill -9</c> of the sweep,
    /// the next sweep of the study finds them by it and stops them before failing the trial.
    /// </summary>
    public const string TrialMarkVariable = "LAB_SWEEP_TRIAL";

    /// <summary>The value of <see cref="TrialMarkVariable"/> for a trial: the journal's full path and the trial id, unique on a host.</summary>
    public static string TrialMark(string journalPath, int trialId) =>
        Path.GetFullPath(journalPath) + "#" + trialId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The run id of a trial made by a sweep, or null.</summary>
    public static string? RunIdOf(FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return trial.SystemAttrs.TryGetValue(WorkerAttr, out var w) && w is JsonObject o && o["run"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;
    }

    /// <summary>The study's heartbeat grace period (the engine's default): a trial not beating for this long is stale.</summary>
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(60);

    private readonly SweepOptions _options;
    private readonly CommandTemplate _template;
    private readonly ConcurrentDictionary<int, RunHandle> _running = new();
    private readonly ConcurrentDictionary<int, string> _failReasons = new();
    private readonly ConcurrentDictionary<int, string> _runIds = new();
    private readonly ConcurrentQueue<int> _freeSlots = new();
    private readonly ConcurrentDictionary<int, IReadOnlyCollection<string>> _loggedInstead = new();
    private readonly Lock _outcomeGate = new();
    private readonly List<(string Reason, IReadOnlyCollection<string>? Logged, string? RunId)> _earlyFailures = [];
    private bool _earlyVerdictGiven;
    private int _finishedHere;
    private int _succeededHere;
    private volatile bool _interrupted;
    private string? _storageFailure;
    private CancellationTokenSource? _stop;

    /// <summary>Why the sweep stopped early because a trial's files could not be written (a full disk), or null.</summary>
    public string? StorageFailure => Volatile.Read(ref _storageFailure);
    private string _journal = "";

    /// <summary>Checks the options (name, placeholders, sampler, pruner) without touching any file.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message says which.</exception>
    public SweepRunner(SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        if (Names.ValidateFileSafe(options.StudyName, "study name") is { } bad)
        {
            throw new ArgumentException(bad);
        }
        _template = new CommandTemplate(options.Command, options.Space);
        if (options.Slots.Count == 0)
        {
            throw new ArgumentException("a sweep needs at least one slot");
        }
        _ = CreatePruner(options.Pruner);
        _ = CreateSampler();
        foreach (var fixedParams in options.Enqueue)
        {
            foreach (var (key, value) in fixedParams)
            {
                if (options.Space.CheckValue(key, value) is { } problem)
                {
                    throw new ArgumentException($"--enqueue: {problem}");
                }
            }
        }
    }

    /// <summary>Called when a trial's run has started (from a worker thread).</summary>
    public event Action<SweepTrialStarted>? TrialStarted;

    /// <summary>Called when a trial has finished (from a worker thread).</summary>
    public event Action<SweepTrialFinished>? TrialFinished;

    /// <summary>
    /// Why the sweep gave up before its budget, or null: its first <see cref="EarlyTrials"/> trials
    /// all failed, for one same reason or without ever logging the objective. A sweep that only
    /// fails would otherwise run its whole budget (or forever) and fill the disk with failed runs.
    /// </summary>
    public string? StoppedEarly { get; private set; }

    /// <summary>Trials this process finished (any state).</summary>
    public int FinishedHere => Volatile.Read(ref _finishedHere);

    /// <summary>Trials this process finished complete or pruned: the ones that ran as meant.</summary>
    public int SucceededHere => Volatile.Read(ref _succeededHere);

    /// <summary>How many first trials of a session must all fail before the sweep gives up: max(3, 2 × slots).</summary>
    public int EarlyTrials => Math.Max(3, 2 * _options.Slots.Count);

    /// <summary>The study, once <see cref="Run"/> has opened it.</summary>
    public Study? Study { get; private set; }

    /// <summary>
    /// Checks the objective of a study that already has trials against the metrics their runs logged:
    /// null when it is one of them (or nothing is known yet), else a message that lists them and the
    /// closest. Before a study's first trial nothing is known: then the early stop catches a typo.
    /// </summary>
    public static string? CheckObjective(Workspace workspace, string studyName, string objective)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(studyName);
        ArgumentNullException.ThrowIfNull(objective);
        if (!File.Exists(JournalPath(workspace, studyName)))
        {
            return null;
        }
        var known = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var run in new RunStore(workspace).LoadAll(issues: null, withSummary: true))
        {
            if (run.Record.Study == studyName && run.Summary is { } summary)
            {
                known.UnionWith(summary.Metrics.Keys);
                known.UnionWith(summary.Values.Keys);
            }
        }
        if (known.Count == 0 || known.Contains(objective))
        {
            return null;
        }
        return $"--objective: no trial of study '{studyName}' logged '{objective}'{Text.NameSuggestions.DidYouMean(objective, known)}; its trials logged {string.Join(", ", known)}";
    }

    /// <summary>The journal file of a study in a workspace.</summary>
    public static string JournalPath(Workspace workspace, string studyName)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        return Path.Combine(workspace.StudiesDirectory, studyName + ".jsonl");
    }

    /// <summary>Opens (or creates) the study and runs trials until the budget, the timeout or cancellation.</summary>
    public Study Run(CancellationToken cancellationToken = default)
    {
        var o = _options;
        o.Workspace.EnsureCreated();
        Directory.CreateDirectory(o.Workspace.StudiesDirectory);
        _journal = Path.GetFullPath(JournalPath(o.Workspace, o.StudyName));
        var storage = new JournalStorage(new JournalFileBackend(_journal));
        // Before the study is opened (opening fails stale trials): stop what the dead sweeps' trials left running.
        StopOrphans(storage);
        var study = Study.Create(o.StudyName, o.Direction, CreateSampler(), storage, loadIfExists: true, CreatePruner(o.Pruner), retryFailed: o.RetryFailed);
        Study = study;
        ReclaimDeadWorkers(study);
        KeepAttr(study, "why", o.Why);
        KeepAttr(study, "objective", o.Objective);
        KeepAttr(study, "reduce", o.Reduce.ToString().ToLowerInvariant());
        KeepAttr(study, "command", ShellQuote.Join(o.Command));
        foreach (var fixedParams in o.Enqueue)
        {
            study.EnqueueTrial(fixedParams.ToDictionary(p => p.Key, p => p.Value), skipIfExists: true);
        }
        for (var i = 0; i < o.Slots.Count; i++)
        {
            _freeSlots.Enqueue(i);
        }
        using var registration = cancellationToken.Register(Interrupt);
        // A full disk stops the sweep as an interruption does: no new trial, the running ones stopped.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stop = stop;
        study.Optimize(Objective, timeout: o.Timeout, nJobs: o.Slots.Count, totalTrials: o.TotalTrials, callbacks: [OnFinished], cancellationToken: stop.Token);
        return study;
    }

    /// <summary>Stops the running trials' children (they fail as interrupted) and starts no new trial.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        foreach (var handle in _running.Values)
        {
            handle.Stop(RunStatus.Killed, "the sweep was interrupted");
        }
    }

    private double Objective(Trial trial)
    {
        var o = _options;
        if (!_freeSlots.TryDequeue(out var slot))
        {
            slot = 0;
        }
        try
        {
            var values = o.Space.Sample(trial);
            var argv = _template.Render(values);
            var parameters = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            var env = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (k, v) in values)
            {
                parameters[k] = ToNode(v);
                env[CommandTemplate.VariableName(k)] = CommandTemplate.Text(v);
            }
            // Marks the child and its descendants, so that a later sweep can find them if this one dies.
            env[TrialMarkVariable] = TrialMark(_journal, trial.TrialId);
            RunHandle? handle = null;
            var pruneAt = -1L;
            var gate = new Lock();
            var journalFull = false;
            void OnMetric(MetricPoint p)
            {
                // Values after the pruning decision (read in the same batch, or logged before the child stopped) are not reported.
                if (p.Name != o.Objective || !double.IsFinite(p.Value) || p.Step < 0 || p.Step > int.MaxValue || Volatile.Read(ref pruneAt) >= 0 || journalFull)
                {
                    return;
                }
                try
                {
                    trial.Report(p.Value, (int)p.Step);
                    if (trial.Study.Pruner is not null && trial.ShouldPrune())
                    {
                        lock (gate)
                        {
                            pruneAt = p.Step;
                            handle?.Stop(RunStatus.Pruned, $"pruned at step {p.Step}");
                        }
                    }
                }
                catch (IOException e) when (StorageGuard.IsNoSpace(e))
                {
                    // One line, not one per step: the run itself reports the full disk and fails.
                    journalFull = true;
                    o.Warn?.Invoke($"trial {trial.Number}: step {p.Step}: disk full: its intermediate values are no longer recorded");
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
                {
                    o.Warn?.Invoke($"trial {trial.Number}: step {p.Step}: {Text.ErrorText.Of(e)}");
                }
            }
            // The journal names this process as the trial's worker before its child exists: a sweep killed between
            // starting the child and this write left a running child that the next sweep could not tell was orphaned.
            trial.Study.Storage.SetTrialSystemAttr(trial.TrialId, WorkerAttr, WorkerIdentity(null));
            var started = RunLauncher.Start(new RunRequest
            {
                Workspace = o.Workspace,
                Argv = argv,
                Name = $"{o.StudyName}-{trial.Number}",
                Why = o.Why,
                Entry = o.Entry,
                Params = parameters,
                Study = o.StudyName,
                Trial = trial.Number,
                // Named as the queue names its slots (1, 2, ... or gpuN), so one idle-compute line reads the same for both.
                Slot = o.Slots.Count > 1 ? (o.Slots[slot] is { } gpus ? "gpu" + gpus : (slot + 1).ToString(CultureInfo.InvariantCulture)) : null,
                Gpus = o.Slots[slot],
                Environment = env,
                WorkingDirectory = o.WorkingDirectory,
                KillGrace = o.KillGrace,
                // An unattended trial must not leave processes holding its slot's GPU for the next one.
                KillLeftovers = true,
                TailInterval = o.TailInterval,
                Warn = o.Warn,
                OnMetric = OnMetric,
            });
            lock (gate)
            {
                handle = started;
                if (pruneAt >= 0)
                {
                    handle.Stop(RunStatus.Pruned, $"pruned at step {pruneAt}");
                }
            }
            _running[trial.Number] = started;
            _runIds[trial.TrialId] = started.Id;
            // One journal write names both the process running the trial (for crash reclaim) and its run.
            trial.Study.Storage.SetTrialSystemAttr(trial.TrialId, WorkerAttr, WorkerIdentity(started.Id));
            if (_interrupted)
            {
                started.Stop(RunStatus.Killed, "the sweep was interrupted");
            }
            TrialStarted?.Invoke(new SweepTrialStarted(trial.Number, values, started.Id, slot));
            var outcome = started.Completion.GetAwaiter().GetResult();
            _running.TryRemove(trial.Number, out _);
            return Evaluate(trial, outcome);
        }
        catch (SweepTrialException e)
        {
            _failReasons[trial.TrialId] = e.Message;
            throw;
        }
        catch (Exception e) when (e is not TrialPrunedException)
        {
            _failReasons[trial.TrialId] = Text.ErrorText.Of(e);
            throw;
        }
        finally
        {
            _freeSlots.Enqueue(slot);
        }
    }

    private double Evaluate(Trial trial, RunOutcome outcome)
    {
        var o = _options;
        if (outcome.Status == RunStatus.Pruned)
        {
            _failReasons[trial.TrialId] = outcome.Reason ?? "pruned";
            throw new TrialPrunedException(outcome.Reason ?? "pruned");
        }
        if (outcome.StorageFailed && Interlocked.CompareExchange(ref _storageFailure, outcome.Reason ?? "disk full", null) is null)
        {
            Interrupt();
            _stop?.Cancel();
        }
        if (outcome.Status != RunStatus.Completed)
        {
            var how = outcome.Reason ?? (outcome.ExitCode is { } code ? $"exit code {code}" : outcome.Signal is { } s ? $"signal {s}" : "");
            throw new SweepTrialException($"run {outcome.Id} {outcome.Status.ToText()}{(how.Length > 0 ? ": " + how : "")}");
        }
        if (!outcome.Summary.Metrics.TryGetValue(o.Objective, out var stats) && !outcome.Summary.Values.ContainsKey(o.Objective))
        {
            _loggedInstead[trial.TrialId] = [.. outcome.Summary.Metrics.Keys.Union(outcome.Summary.Values.Keys, StringComparer.Ordinal)];
            throw new SweepTrialException($"run {outcome.Id} never logged '{o.Objective}'");
        }
        var value = o.Reduce == MetricReduction.Last ? outcome.Summary.Final(o.Objective) ?? double.NaN : stats!.Reduce(o.Reduce);
        if (double.IsNaN(value))
        {
            throw new SweepTrialException($"run {outcome.Id}: '{o.Objective}' is nan");
        }
        return value;
    }

    private void OnFinished(Study study, FrozenTrial trial)
    {
        // The journal keeps the reason, in the sweep's own words, as the fail_reason system attribute.
        _failReasons.TryRemove(trial.TrialId, out var reason);
        _runIds.TryRemove(trial.TrialId, out var runId);
        _loggedInstead.TryRemove(trial.TrialId, out var logged);
        TrialFinished?.Invoke(new SweepTrialFinished(trial, runId, reason));
        Interlocked.Increment(ref _finishedHere);
        if (trial.State is TrialState.Complete or TrialState.Pruned)
        {
            Interlocked.Increment(ref _succeededHere);
        }
        if (!_interrupted && EarlyStopReason(trial, reason, logged, runId) is { } why)
        {
            StoppedEarly = why;
            study.Stop();
        }
    }

    /// <summary>
    /// Decides, once, after the session's first <see cref="EarlyTrials"/> trials: give up when all
    /// failed and their reasons agree (the run ids aside), or none of them logged the objective.
    /// </summary>
    private string? EarlyStopReason(FrozenTrial trial, string? reason, IReadOnlyCollection<string>? logged, string? runId)
    {
        lock (_outcomeGate)
        {
            if (_earlyVerdictGiven)
            {
                return null;
            }
            if (trial.State != TrialState.Fail)
            {
                _earlyVerdictGiven = true;
                return null;
            }
            _earlyFailures.Add((WithoutRunId(reason ?? "failed"), logged, runId));
            if (_earlyFailures.Count < EarlyTrials)
            {
                return null;
            }
            _earlyVerdictGiven = true;
            var first = $"the first {_earlyFailures.Count} trials all failed";
            var lastRun = _earlyFailures.Select(f => f.RunId).LastOrDefault(r => r is not null);
            var look = lastRun is null ? "" : $"; see lab show {lastRun}";
            if (_earlyFailures.All(f => f.Logged is not null))
            {
                var names = _earlyFailures.SelectMany(f => f.Logged!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                var seen = names.Count == 0
                    ? "they logged no metric at all"
                    : $"they logged {string.Join(", ", names)}{Text.NameSuggestions.DidYouMean(_options.Objective, names)}";
                return $"sweep stopped: {first} without logging the objective '{_options.Objective}': {seen}";
            }
            if (_earlyFailures.Select(f => f.Reason).Distinct(StringComparer.Ordinal).Count() == 1)
            {
                return $"sweep stopped: {first} alike ({_earlyFailures[0].Reason}){look}";
            }
            return null;
        }
    }

    /// <summary>A failure reason without the run id it names, so that the reasons of several trials compare.</summary>
    private static string WithoutRunId(string reason) =>
        reason.StartsWith("run ", StringComparison.Ordinal) && reason.IndexOfAny([' ', ':'], 4) is var end and > 4
            ? reason[end..].TrimStart(':', ' ')
            : reason;

    /// <summary>
    /// Stops (SIGTERM, then SIGKILL after the kill grace) the processes of running trials whose sweep
    /// died: its process is gone on this host, or (no worker recorded: it died in the instant between
    /// starting the child and recording it) its heartbeat is past the grace period. They are found
    /// by <see cref="TrialMarkVariable"/> in their environment, so grandchildren are found too.
    /// </summary>
    private void StopOrphans(JournalStorage storage)
    {
        if (storage.FindStudy(_options.StudyName) is not { } studyId)
        {
            return;
        }
        foreach (var t in storage.GetAllTrials(studyId))
        {
            if (t.State != TrialState.Running || IsWorkerAlive(t) != false)
            {
                continue;
            }
            var stopped = Orphans.Stop(TrialMarkVariable, TrialMark(_journal, t.TrialId), _options.KillGrace, TimeSpan.FromSeconds(5));
            if (stopped > 0)
            {
                _options.Warn?.Invoke($"trial {t.Number}: its sweep died; stopped {stopped} process(es) it left running");
            }
        }
    }

    /// <summary>Whether the process running a trial is alive: null when not known from here (another host).</summary>
    private static bool? IsWorkerAlive(FrozenTrial t)
    {
        if (t.SystemAttrs.TryGetValue(WorkerAttr, out var w) && w is JsonObject worker
            && (string?)worker["host"] is { } host && worker["pid"] is { } pidNode && worker["start"] is { } startNode)
        {
            var pid = (int)pidNode.AsValue().GetValue<long>();
            return ProcessIdentity.IsAlive(host, pid, startNode.AsValue().GetValue<long>(), (string?)worker["boot"]);
        }
        // No worker recorded: the sweep died between creating the trial and recording its run (its child may be
        // running), or the trial is not a sweep's. The owner written with the trial's creation says whether it is dead.
        if (Study.OwnerIsDead(t))
        {
            return false;
        }
        return t.SystemAttrs.TryGetValue(Study.HeartbeatAttr, out var hb) && hb is JsonValue v && v.TryGetValue<string>(out var s)
            && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var beat)
            && DateTime.UtcNow - beat > StaleAfter
            ? false
            : null;
    }

    /// <summary>
    /// Fails at once the running trials whose sweep process is known to be dead (same host, process
    /// gone), instead of waiting out the heartbeat grace period; the study re-enqueues them per --retry-failed.
    /// </summary>
    private static void ReclaimDeadWorkers(Study study)
    {
        var dead = 0;
        foreach (var t in study.GetTrials(TrialState.Running))
        {
            if (t.SystemAttrs.ContainsKey(WorkerAttr) && IsWorkerAlive(t) == false)
            {
                // An ancient heartbeat makes the study's own reclaim fail it (and retry it) now.
                dead++;
                study.Storage.SetTrialSystemAttr(t.TrialId, Study.HeartbeatAttr, JsonValue.Create("1970-01-01T00:00:00.000000Z"));
            }
        }
        if (dead == 0)
        {
            return;
        }
        study.ReclaimStaleTrials();
    }

    private static JsonObject WorkerIdentity(string? runId)
    {
        var pid = Environment.ProcessId;
        var identity = new JsonObject
        {
            ["host"] = ProcessIdentity.HostName,
            ["pid"] = pid,
            ["start"] = ProcessIdentity.StartTicks(pid) ?? 0,
            ["boot"] = ProcessIdentity.BootId,
        };
        if (runId is not null)
        {
            identity["run"] = runId;
        }
        return identity;
    }

    private static void KeepAttr(Study study, string key, string? value)
    {
        if (value is null)
        {
            return;
        }
        if (study.UserAttrs.TryGetValue(key, out var existing) && existing is JsonValue v && v.TryGetValue<string>(out var s) && s == value)
        {
            return;
        }
        study.SetUserAttr(key, value);
    }

    private ISampler CreateSampler()
    {
        var o = _options;
        var parallel = o.Slots.Count > 1;
        return o.Sampler switch
        {
            "tpe" => new TpeSampler(o.Seed, constantLiar: parallel),
            "random" => new RandomSampler(o.Seed),
            "grid" => new GridSampler(o.Space.Grid(), o.Seed),
            "qmc" => new QmcSampler(o.Seed),
            "cmaes" => new CmaEsSampler(o.Seed),
            "auto" => DefaultSampler.Create(o.Seed),
            _ => throw new ArgumentException($"--sampler: unknown sampler '{o.Sampler}' (tpe, random, grid, qmc, cmaes, auto)"),
        };
    }

    /// <summary>The pruner for a name: median, sha (asynchronous successive halving), hyperband, or none.</summary>
    public static IPruner? CreatePruner(string name) => name switch
    {
        "none" => null,
        "median" => new MedianPruner(),
        "sha" => new SuccessiveHalvingPruner(),
        "hyperband" => new HyperbandPruner(),
        _ => throw new ArgumentException($"--pruner: unknown pruner '{name}' (median, sha, hyperband, none)"),
    };

    private static JsonValue? ToNode(object? value) => value switch
    {
        null => null,
        bool b => JsonValue.Create(b),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        double d => Json.LabJson.Number(d),
        string s => JsonValue.Create(s),
        _ => JsonValue.Create(CommandTemplate.Text(value)),
    };
}

/// <summary>A trial that failed for a reason shown to the user (the run failed, or never logged the objective).</summary>
public sealed class SweepTrialException : Labbook.Tuning.TrialFailedException
{
    /// <summary>Makes the exception.</summary>
    public SweepTrialException(string message)
        : base(message)
    {
    }
}
