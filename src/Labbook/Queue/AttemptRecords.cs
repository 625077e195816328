using Labbook.Executors;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Queue;

/// <summary>
/// How an attempt really ended, from its own run record, when the process that ran it died before writing its
/// end to the queue. An executor's reconciliation only knows that the runner is gone (interrupted); but the run
/// may have finished first (killed between the child's exit and the journal's end op), and then running the item
/// again would do finished work twice.
/// </summary>
public static class AttemptRecords
{
    /// <summary>
    /// <paramref name="reconciled"/> as the attempt's run record tells it: an interruption whose run completed is
    /// done (with its exit code), one whose run failed is failed; anything else (no run, an unreadable record, a run
    /// still marked running, killed or crashed) stays as it was.
    /// </summary>
    /// <param name="workspace">The workspace holding the attempt's run; null when unknown (nothing changes).</param>
    /// <param name="reconciled">The end an executor's reconciliation gave the attempt.</param>
    public static ExecutionResult Settle(Workspace? workspace, ExecutionResult reconciled)
    {
        ArgumentNullException.ThrowIfNull(reconciled);
        if (workspace is null || reconciled.End != AttemptEnd.Interrupted || reconciled.Run is not { } run || !RunId.IsWellFormed(run))
        {
            return reconciled;
        }
        RunRecord? record;
        try
        {
            record = new RunStore(workspace).Load(run, withSummary: false)?.Record;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return reconciled;
        }
        return record?.Status switch
        {
            RunStatus.Completed => reconciled with { End = AttemptEnd.Done, ExitCode = record.ExitCode ?? 0, Reason = "its run completed before the runner could record it" },
            RunStatus.Failed => reconciled with { End = AttemptEnd.Failed, ExitCode = record.ExitCode, Reason = record.Reason ?? "its run failed before the runner could record it" },
            _ => reconciled,
        };
    }

    /// <summary>The queue's word for an attempt's end (<c>done</c>, <c>failed</c>, <c>interrupted</c>).</summary>
    public static string StateWord(AttemptEnd end) => end switch
    {
        AttemptEnd.Done => "done",
        AttemptEnd.Interrupted => "interrupted",
        _ => "failed",
    };
}
