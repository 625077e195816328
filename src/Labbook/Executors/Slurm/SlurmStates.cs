using Labbook.Queue;

namespace Labbook.Executors.Slurm;

/// <summary>
/// The mapping from Slurm's job states to queue outcomes (docs/slurm.md has the table). Only the
/// first word of a state decides: sacct prints <c>CANCELLED by 1000</c>, scontrol prints
/// <c>CANCELLED</c>, both mean the same.
/// </summary>
public static class SlurmStates
{
    /// <summary>The phase of a state as printed by sacct, scontrol or squeue.</summary>
    public static SlurmPhase PhaseOf(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return SlurmJobState.FirstWord(state) switch
        {
            "PENDING" or "PD" or "REQUEUED" or "RQ" or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESV_DEL_HOLD" or "SUSPENDED" or "S" or "STOPPED" or "ST" => SlurmPhase.Waiting,
            "RUNNING" or "R" or "CONFIGURING" or "CF" or "COMPLETING" or "CG" or "RESIZING" or "RS" or "SIGNALING" or "SI" or "STAGE_OUT" or "SO" => SlurmPhase.Running,
            "COMPLETED" or "CD" => SlurmPhase.Completed,
            "FAILED" or "F" => SlurmPhase.Failed,
            "CANCELLED" or "CA" => SlurmPhase.Cancelled,
            "TIMEOUT" or "TO" => SlurmPhase.Timeout,
            "PREEMPTED" or "PR" => SlurmPhase.Preempted,
            "NODE_FAIL" or "NF" or "BOOT_FAIL" or "BF" => SlurmPhase.NodeFail,
            "OUT_OF_MEMORY" or "OOM" => SlurmPhase.OutOfMemory,
            _ => SlurmPhase.OtherEnd,
        };
    }

    /// <summary>True while Slurm may still run the job (waiting or running).</summary>
    public static bool IsLive(this SlurmPhase phase) => phase is SlurmPhase.Waiting or SlurmPhase.Running;

    /// <summary>
    /// How an attempt that Slurm ended counts for the queue: COMPLETED is done; FAILED, TIMEOUT,
    /// CANCELLED, OUT_OF_MEMORY and unknown ends are failures (retried per the item's
    /// <c>--retries</c>); PREEMPTED and NODE_FAIL are interruptions from outside (queued again, up
    /// to <see cref="QueueState.MaxInterruptions"/> times). Null while the job lives.
    /// </summary>
    public static (AttemptEnd End, string Reason)? Outcome(SlurmJobState job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var id = "Slurm job " + job.JobId;
        return job.Phase switch
        {
            SlurmPhase.Waiting or SlurmPhase.Running => null,
            SlurmPhase.Completed => (AttemptEnd.Done, id + " COMPLETED"),
            SlurmPhase.Failed => (AttemptEnd.Failed, job.Signal is { } s && (job.ExitCode ?? 0) == 0
                ? $"{id} FAILED (signal {s})"
                : $"{id} FAILED (exit code {job.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"})"),
            SlurmPhase.Cancelled => (AttemptEnd.Failed, id + " CANCELLED in Slurm (scancel)"),
            SlurmPhase.Timeout => (AttemptEnd.Failed, id + " TIMEOUT (Slurm time limit)"),
            SlurmPhase.OutOfMemory => (AttemptEnd.Failed, id + " OUT_OF_MEMORY (Slurm memory limit)"),
            SlurmPhase.Preempted => (AttemptEnd.Interrupted, id + " PREEMPTED"),
            SlurmPhase.NodeFail => (AttemptEnd.Interrupted, $"{id} {job.Word} (node failure)"),
            _ => (AttemptEnd.Failed, $"{id} {job.Word}"),
        };
    }

    /// <summary>Words for the cause of a kill, for run.json's reason (<c>killed by Slurm: TIMEOUT (time limit)</c>).</summary>
    public static string KillCause(SlurmJobState? job) => job?.Phase switch
    {
        SlurmPhase.Timeout => "killed by Slurm: TIMEOUT (time limit)",
        SlurmPhase.Cancelled => "killed by Slurm: CANCELLED (scancel)",
        SlurmPhase.Preempted => "killed by Slurm: PREEMPTED",
        SlurmPhase.NodeFail => "killed by Slurm: " + job.Word,
        SlurmPhase.OutOfMemory => "killed by Slurm: OUT_OF_MEMORY",
        SlurmPhase.Waiting => $"killed by Slurm: requeued ({job.Word}; the job runs again)",
        null => "killed by Slurm (SIGTERM; cause unknown)",
        _ => "killed by Slurm: " + job.Word,
    };
}
