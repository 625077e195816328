using System.Text.Json.Serialization;

namespace Labbook.Queue;

/// <summary>
/// One line of <c>queue.jsonl</c>. Every line has <c>op</c> and <c>t</c> (UTC time); the other
/// fields depend on the op (see docs/queue.md). Unknown fields are ignored so that newer writers
/// stay readable by older readers.
/// </summary>
public sealed class QueueOp
{
    /// <summary>Adds an item (<see cref="Item"/>).</summary>
    public const string Add = "add";

    /// <summary>A runner takes an item: <see cref="Id"/>, <see cref="Lease"/>, <see cref="Runner"/>, <see cref="Attempt"/>, <see cref="Slot"/>, <see cref="Gpus"/>, <see cref="Executor"/>.</summary>
    public const string LeaseOp = "lease";

    /// <summary>The leased item's run started: <see cref="Run"/>, <see cref="ChildPid"/>, <see cref="External"/>.</summary>
    public const string Start = "start";

    /// <summary>An attempt ended: <see cref="State"/> is done, failed or interrupted; <see cref="Reason"/>, <see cref="Exit"/>.</summary>
    public const string End = "end";

    /// <summary>Removes items (<see cref="Ids"/>).</summary>
    public const string Remove = "rm";

    /// <summary>Moves <see cref="Id"/> before <see cref="Before"/> (null: to the end).</summary>
    public const string Move = "move";

    /// <summary>Runners start nothing new until <see cref="Resume"/>.</summary>
    public const string Pause = "pause";

    /// <summary>Ends a pause.</summary>
    public const string Resume = "resume";

    /// <summary>A runner starts: <see cref="Runner"/>, <see cref="Host"/>, <see cref="Pid"/>, <see cref="PidStart"/>, <see cref="Boot"/>, <see cref="Log"/>, <see cref="Slots"/>.</summary>
    public const string RunnerStart = "runner";

    /// <summary>A runner's heartbeat (<see cref="Runner"/>).</summary>
    public const string Beat = "beat";

    /// <summary>A runner ends (<see cref="Runner"/>).</summary>
    public const string RunnerEnd = "runner_end";

    /// <summary>A runner ended without starting pending item <see cref="Id"/>, for <see cref="Reason"/> (a deadline, no fitting slot); it stays queued.</summary>
    public const string Skip = "skip";

    /// <summary>Asks the runners in <see cref="Ids"/> to stop; <see cref="Now"/> also stops their running items.</summary>
    public const string Stop = "stop";

    /// <summary>The op name.</summary>
    [JsonPropertyOrder(-2)]
    public string Op { get; set; } = "";

    /// <summary>When it was written, UTC.</summary>
    [JsonPropertyOrder(-1)]
    public DateTime T { get; set; }

    /// <summary>The item id.</summary>
    public string? Id { get; set; }

    /// <summary>Several item or runner ids.</summary>
    public List<string>? Ids { get; set; }

    /// <summary>The item added.</summary>
    public QueueItem? Item { get; set; }

    /// <summary>The runner id.</summary>
    public string? Runner { get; set; }

    /// <summary>The lease id: one attempt of one item by one runner.</summary>
    public string? Lease { get; set; }

    /// <summary>The attempt number, from 1.</summary>
    public int? Attempt { get; set; }

    /// <summary>The slot name.</summary>
    public string? Slot { get; set; }

    /// <summary>GPU ids given to the attempt.</summary>
    public string? Gpus { get; set; }

    /// <summary>The executor kind (<c>local</c>; <c>slurm</c> later).</summary>
    public string? Executor { get; set; }

    /// <summary>An executor's own id for the attempt (a Slurm job id).</summary>
    public string? External { get; set; }

    /// <summary>The run id.</summary>
    public string? Run { get; set; }

    /// <summary>The child's process id (its process group id too).</summary>
    public int? ChildPid { get; set; }

    /// <summary>The end state: done, failed or interrupted.</summary>
    public string? State { get; set; }

    /// <summary>The exit code.</summary>
    public int? Exit { get; set; }

    /// <summary>Why, in words.</summary>
    public string? Reason { get; set; }

    /// <summary>For move: the item to move before.</summary>
    public string? Before { get; set; }

    /// <summary>For stop: kill running items too.</summary>
    public bool? Now { get; set; }

    /// <summary>A runner's host.</summary>
    public string? Host { get; set; }

    /// <summary>A runner's pid.</summary>
    public int? Pid { get; set; }

    /// <summary>A runner's start time in clock ticks since boot.</summary>
    public long? PidStart { get; set; }

    /// <summary>A runner's kernel boot id.</summary>
    public string? Boot { get; set; }

    /// <summary>A detached runner's log file, relative to the workspace.</summary>
    public string? Log { get; set; }

    /// <summary>A runner's slots.</summary>
    public List<string>? Slots { get; set; }
}
