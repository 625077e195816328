using System.Globalization;

namespace Labbook.Executors.Slurm;

/// <summary>
/// What Slurm says about one job or one array task, from <c>sacct</c>, <c>scontrol show job</c>
/// or <c>squeue -t all</c>.
/// </summary>
/// <param name="JobId">The job id as users write it: <c>123</c>, or <c>123_4</c> for an array task.</param>
/// <param name="State">The state as printed (<c>CANCELLED by 0</c>, <c>FAILED</c>, <c>PENDING</c>...).</param>
/// <param name="ExitCode">The batch script's exit code, when known.</param>
/// <param name="Signal">The signal that ended it, when known and not 0.</param>
/// <param name="Reason">Slurm's reason (why pending, why failed), when given.</param>
/// <param name="Submitted">The submit time as Slurm prints it (<c>2026-11-28T07:08:44</c>), when given: two records
/// of one job number are the same job only when it is the same (job numbers start again after a reset of the cluster).</param>
public sealed record SlurmJobState(string JobId, string State, int? ExitCode, int? Signal, string? Reason, string? Submitted = null)
{
    /// <summary>The first word of <see cref="State"/>, upper case: the only part that decides (<c>CANCELLED by 0</c> is <c>CANCELLED</c>).</summary>
    public string Word => FirstWord(State);

    /// <summary>The phase <see cref="Word"/> maps to.</summary>
    public SlurmPhase Phase => SlurmStates.PhaseOf(State);

    internal static string FirstWord(string state)
    {
        var text = state.Trim();
        var end = text.IndexOfAny([' ', '+', '\t']);
        return (end < 0 ? text : text[..end]).ToUpperInvariant();
    }

    internal static (int? Exit, int? Signal) ParseExitPair(string text)
    {
        // "3:0" = exit code 3, signal 0; "0:15" = killed by signal 15.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var only) ? only : null, null);
        }
        int? exit = int.TryParse(text.AsSpan(0, colon), NumberStyles.Integer, CultureInfo.InvariantCulture, out var e) ? e : null;
        int? signal = int.TryParse(text.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s != 0 ? s : null;
        return (exit, signal);
    }
}

/// <summary>What a Slurm state means for an attempt.</summary>
public enum SlurmPhase
{
    /// <summary>Not started yet: PENDING, REQUEUED, REQUEUE_HOLD, RESV_DEL_HOLD, SUSPENDED (paused).</summary>
    Waiting,

    /// <summary>Running: RUNNING, CONFIGURING, COMPLETING, RESIZING, SIGNALING, STAGE_OUT.</summary>
    Running,

    /// <summary>COMPLETED: exit code 0.</summary>
    Completed,

    /// <summary>FAILED: a non-zero exit code (or a failure to launch).</summary>
    Failed,

    /// <summary>CANCELLED (by a user or an admin; <c>CANCELLED by UID</c>).</summary>
    Cancelled,

    /// <summary>TIMEOUT: the job hit its time limit.</summary>
    Timeout,

    /// <summary>PREEMPTED: a higher-priority job took its resources.</summary>
    Preempted,

    /// <summary>NODE_FAIL or BOOT_FAIL: the node went away under it.</summary>
    NodeFail,

    /// <summary>OUT_OF_MEMORY: the cgroup's memory limit killed it.</summary>
    OutOfMemory,

    /// <summary>DEADLINE, REVOKED, SPECIAL_EXIT or a state this version does not know: ended, reason unknown.</summary>
    OtherEnd,
}
