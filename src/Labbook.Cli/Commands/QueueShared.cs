using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Executors;
using Labbook.Executors.Slurm;
using Labbook.Json;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary>Helpers shared by the queue commands.</summary>
internal static class QueueShared
{
    public static QueueJournal Open(Workspace workspace, bool warn = true)
    {
        var journal = workspace.OpenQueue();
        if (warn)
        {
            foreach (var issue in journal.Issues.Take(3))
            {
                Terminal.Warn(issue + " (line skipped)");
            }
        }
        return journal;
    }

    /// <summary>
    /// Before <see cref="Reclaim"/>'s write: asks Slurm, outside the queue lock, about the attempts it may reclaim
    /// (null when the queue has none on Slurm). Dispose the answer after the write.
    /// </summary>
    public static SlurmExecutor? PrepareReclaim(QueueJournal journal, Workspace workspace)
    {
        journal.Refresh();
        if (!SlurmShared.HasSlurmWork(journal.State))
        {
            return null;
        }
        var slurm = new SlurmExecutor(SlurmShared.ReadSettings(workspace)) { Workspace = workspace };
        slurm.PrepareReconcile(journal.State);
        return slurm;
    }

    /// <summary>
    /// A writer's duty: items whose local runner died are marked interrupted (and requeued per policy), or, when their
    /// run ended first, as it ended; Slurm attempts that ended get their end from <paramref name="slurm"/>'s answers.
    /// </summary>
    public static void Reclaim(QueueWriter w, SlurmExecutor? slurm)
    {
        using var local = LocalSlotsExecutor.WithSlots(1);
        var workspace = Workspace.FromEnvironment(create: false);
        foreach (var view in w.State.Items.Values.Where(v => w.State.IsOrphaned(v, w.UtcNow)).ToList())
        {
            if (local.Reconcile(view, w.State, w.UtcNow) is { } reconciled)
            {
                var ended = AttemptRecords.Settle(workspace, reconciled);
                w.Append(new QueueOp { Op = QueueOp.End, Id = ended.ItemId, Lease = ended.Lease, State = AttemptRecords.StateWord(ended.End), Run = ended.Run, Exit = ended.ExitCode, Reason = ended.Reason });
            }
        }
        if (slurm is not null)
        {
            SlurmShared.Reclaim(w, slurm, workspace);
        }
    }

    public static ItemView Find(QueueState state, string reference) =>
        state.Find(reference) is { State: not ItemState.Removed } v ? v : throw new UsageException($"no queue item {Names.Printable(reference)} (see lab queue)");

    /// <summary>The state word a reader shows: a running item whose runner is gone reads as interrupted.</summary>
    public static string StateText(QueueState state, ItemView view, DateTime utcNow, Dictionary<string, SlurmJobState>? slurm = null) =>
        slurm is not null && SlurmShared.StateText(slurm, view) is { } ended ? ended
        : state.IsOrphaned(view, utcNow) ? "interrupted" : view.State == ItemState.Pending && view.Skipped is not null ? "skipped" : view.State.ToText();

    public static string Command(QueueItem item)
    {
        try
        {
            return ShellQuote.Join(item.ResolvedArgv());
        }
        catch (FormatException)
        {
            return ShellQuote.Join(item.Argv);
        }
    }

    public static TimeSpan ParseDuration(string? text, string option) =>
        Durations.TryParse(text, out var d) ? d : throw new UsageException($"{option}: '{text}' is not a duration (e.g. 90s, 15m, 2h)");

    public static DateTime ParseClock(string text, string option) =>
        TimeSpec.TryParseNext(text, DateTime.Now, out var utc) ? utc : throw new UsageException($"{option}: '{text}' is not a clock time (e.g. 07:30)");

    public static string Local(DateTime utc) => utc.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture);

    public static JsonObject ItemJson(QueueState state, ItemView v, DateTime utcNow, Dictionary<string, SlurmJobState>? slurm = null)
    {
        var item = v.Item;
        var o = new JsonObject
        {
            ["id"] = v.Id,
            ["position"] = state.PositionOf(v.Id),
            ["state"] = StateText(state, v, utcNow, slurm),
            ["name"] = item.Name,
            ["why"] = item.Why,
            ["entry"] = item.Entry,
            ["command"] = Command(item),
            ["argv"] = new JsonArray([.. item.Argv.Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["params"] = new JsonObject(item.Params.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))),
            ["priority"] = item.Priority,
            ["gpus"] = item.Gpus,
            ["retries"] = item.Retries,
            ["est_s"] = item.EstS,
            ["timeout_s"] = item.TimeoutS,
            ["tags"] = new JsonArray([.. item.Tags.Select(t => (JsonNode?)JsonValue.Create(t))]),
            ["group"] = item.Group,
            ["attempts"] = v.Attempts,
            ["runs"] = new JsonArray([.. v.Runs.Select(r => (JsonNode?)JsonValue.Create(r))]),
            ["run"] = v.Lease?.Run ?? v.Runs.LastOrDefault(),
            ["slot"] = v.Lease?.Slot,
            ["gpu_ids"] = v.Lease?.Gpus,
            ["reason"] = v.Skipped ?? v.LastReason,
            ["added"] = v.Added.ToString("O", CultureInfo.InvariantCulture),
        };
        if (v.Lease is { Executor: SlurmExecutor.KindName } lease)
        {
            o["slurm_job"] = lease.External;
            o["slurm_state"] = slurm is not null && slurm.TryGetValue(v.Id, out var js) ? js.State : null;
        }
        return o;
    }

    public static string Json(JsonNode node) => node.ToJsonString(LabJson.CompactNodeOptions);
}
