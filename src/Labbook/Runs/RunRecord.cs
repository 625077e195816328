using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Labbook.Runs;

/// <summary>The lifecycle state of a run, as written in <c>run.json</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    /// <summary>Waiting in a queue (a placeholder run).</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    /// <summary>The process is running (or died without saying so: see <see cref="Crashed"/>).</summary>
    [JsonStringEnumMemberName("running")]
    Running,

    /// <summary>Exited with code 0.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Exited with a non-zero code, or could not be started.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>Ended by a signal (Ctrl-C, SIGTERM, kill -9 of the child, a scheduler's cancel).</summary>
    [JsonStringEnumMemberName("killed")]
    Killed,

    /// <summary>The process that owned the run died without finishing it; derived on read, never left as "running".</summary>
    [JsonStringEnumMemberName("crashed")]
    Crashed,

    /// <summary>Stopped early by a hyperparameter-search pruner.</summary>
    [JsonStringEnumMemberName("pruned")]
    Pruned,
}

/// <summary>Helpers over <see cref="RunStatus"/>.</summary>
public static class RunStatusText
{
    /// <summary>The lower-case word used in files and on screen.</summary>
    public static string ToText(this RunStatus status) => status switch
    {
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        RunStatus.Failed => "failed",
        RunStatus.Killed => "killed",
        RunStatus.Crashed => "crashed",
        RunStatus.Pruned => "pruned",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses the lower-case word.</summary>
    public static bool TryParse(string text, out RunStatus status)
    {
        foreach (var s in Enum.GetValues<RunStatus>())
        {
            if (string.Equals(s.ToText(), text, StringComparison.OrdinalIgnoreCase))
            {
                status = s;
                return true;
            }
        }
        status = default;
        return false;
    }

    /// <summary>True once the run has ended, one way or another.</summary>
    public static bool IsFinal(this RunStatus status) => status is not (RunStatus.Queued or RunStatus.Running);
}

/// <summary>The code version a run ran on.</summary>
public sealed class GitState
{
    /// <summary>The commit hash of HEAD.</summary>
    public string? Commit { get; set; }

    /// <summary>The branch, or null on a detached HEAD.</summary>
    public string? Branch { get; set; }

    /// <summary>True when the work tree had uncommitted changes; null when not yet known.</summary>
    public bool? Dirty { get; set; }

    /// <summary>The file in the run folder holding <c>git diff HEAD</c> when dirty.</summary>
    public string? Diff { get; set; }
}

/// <summary>Who owns a running run, so that a reader can tell a live run from a crashed one.</summary>
public sealed class RunOwner
{
    /// <summary>Host name of the owning process.</summary>
    public string Host { get; set; } = "";

    /// <summary>Process id of the owning process (<c>lab</c>, or the program using the library).</summary>
    public int Pid { get; set; }

    /// <summary>The owner's start time in clock ticks since boot (field 22 of /proc/PID/stat): tells a reused pid apart.</summary>
    public long PidStartTicks { get; set; }

    /// <summary>The kernel's boot id: a reboot ends every process of the previous boot.</summary>
    public string? BootId { get; set; }
}

/// <summary>The contents of <c>run.json</c>: what ran, where, on which code, and how it ended.</summary>
public sealed class RunRecord
{
    /// <summary>File format version.</summary>
    public int Format { get; set; } = 1;

    /// <summary>The run id (also the folder name).</summary>
    public string Id { get; set; } = "";

    /// <summary>A human name; several runs may share one.</summary>
    public string? Name { get; set; }

    /// <summary>The recorded status (a reader turns a dead owner's "running" into crashed).</summary>
    public RunStatus Status { get; set; } = RunStatus.Running;

    /// <summary>The command as one display string (shell-quoted; it never went through a shell).</summary>
    public string? Command { get; set; }

    /// <summary>The exact argument vector.</summary>
    public List<string> Argv { get; set; } = [];

    /// <summary>The working directory.</summary>
    public string? Cwd { get; set; }

    /// <summary>Parameters (typed JSON values).</summary>
    public Dictionary<string, JsonNode?> Params { get; set; } = [];

    /// <summary>Tags, such as "baseline".</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Why this run exists: the question it answers.</summary>
    public string? Why { get; set; }

    /// <summary>The notebook entry the run belongs to (e.g. E12).</summary>
    public string? Entry { get; set; }

    /// <summary>The study, when the run is a hyperparameter-search trial.</summary>
    public string? Study { get; set; }

    /// <summary>The trial number within <see cref="Study"/>.</summary>
    public int? Trial { get; set; }

    /// <summary>The queue item that launched the run.</summary>
    public string? QueueItem { get; set; }

    /// <summary>Runs this one repeats (reruns).</summary>
    public List<string>? RerunOf { get; set; }

    /// <summary>The code version.</summary>
    public GitState? Git { get; set; }

    /// <summary>The host the run ran on.</summary>
    public string? Host { get; set; }

    /// <summary>The user who ran it.</summary>
    public string? User { get; set; }

    /// <summary>The owning process, for crash detection.</summary>
    public RunOwner? Owner { get; set; }

    /// <summary>The child's process id (runs launched by <c>lab run</c>).</summary>
    public int? ChildPid { get; set; }

    /// <summary>The slot (local queue) the run used.</summary>
    public string? Slot { get; set; }

    /// <summary>The GPUs given to the run (<c>CUDA_VISIBLE_DEVICES</c>).</summary>
    public string? Gpus { get; set; }

    /// <summary>The Slurm job id, when the run is a Slurm job.</summary>
    public string? SlurmJob { get; set; }

    /// <summary>Start time, UTC.</summary>
    public DateTime? Started { get; set; }

    /// <summary>End time, UTC.</summary>
    public DateTime? Ended { get; set; }

    /// <summary>Wall time in seconds.</summary>
    public double? DurationS { get; set; }

    /// <summary>The child's exit code.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The signal that ended the child, by number.</summary>
    public int? Signal { get; set; }

    /// <summary>Why the run ended as it did, in words (a failure to start, a timeout, a pruner).</summary>
    public string? Reason { get; set; }

    /// <summary>The Labbook version that wrote the record.</summary>
    public string? LabbookVersion { get; set; }
}
