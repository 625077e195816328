using System.Text.Json.Nodes;

namespace Labbook.Queue;

/// <summary>
/// One queued piece of work as added: an argv template whose elements may hold <c>{param}</c>
/// placeholders, its params, and how to run it. Stored inside the journal's <c>add</c> line.
/// </summary>
public sealed class QueueItem
{
    /// <summary>The item id (<c>q1</c>, <c>q2</c>, ...), given at add time under the journal lock.</summary>
    public string Id { get; set; } = "";

    /// <summary>A human name.</summary>
    public string? Name { get; set; }

    /// <summary>The question the item answers.</summary>
    public string? Why { get; set; }

    /// <summary>The notebook entry it belongs to.</summary>
    public string? Entry { get; set; }

    /// <summary>The argv template; <c>{name}</c> is replaced by a param's text inside each element, <c>{{</c> and <c>}}</c> are literal braces.</summary>
    public List<string> Argv { get; set; } = [];

    /// <summary>Parameters (typed JSON values).</summary>
    public Dictionary<string, JsonNode?> Params { get; set; } = [];

    /// <summary>The working directory the command runs in (where it was queued).</summary>
    public string? Cwd { get; set; }

    /// <summary>The user's estimate of the duration, in seconds.</summary>
    public double? EstS { get; set; }

    /// <summary>Per-attempt time limit, in seconds.</summary>
    public double? TimeoutS { get; set; }

    /// <summary>How many times a failed (or timed-out) attempt is tried again.</summary>
    public int Retries { get; set; }

    /// <summary>GPUs the item needs (0: none, uses one slot).</summary>
    public int Gpus { get; set; }

    /// <summary>Higher runs first; ties keep queue order.</summary>
    public int Priority { get; set; }

    /// <summary>Tags: <c>baseline</c>, <c>ablation</c>, <c>grid</c>...</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>The group an item was added with (grid or ablation), so reports can show items side by side.</summary>
    public string? Group { get; set; }

    /// <summary>For an ablation variant: the params switched from the baseline.</summary>
    public Dictionary<string, JsonNode?>? Ablate { get; set; }

    /// <summary>Raw <c>sbatch</c> options for this item alone (<c>--partition=gpu</c>), used by the Slurm executor.</summary>
    public List<string>? Sbatch { get; set; }

    /// <summary>Runs this item repeats (<c>lab rerun</c>).</summary>
    public List<string>? RerunOf { get; set; }

    /// <summary>The argv with every placeholder replaced.</summary>
    public IReadOnlyList<string> ResolvedArgv() => Placeholders.Resolve(Argv, Params);

    /// <summary>
    /// What every executor records the same way for an attempt of this item; the executor adds where and how it
    /// runs (slot, GPUs, environment, working directory) with <c>with</c>.
    /// </summary>
    internal Runs.RunRequest ToRunRequest(Workspaces.Workspace workspace, IReadOnlyList<string> argv) => new()
    {
        Workspace = workspace,
        Argv = argv,
        Name = Name,
        Why = Why,
        Params = Params.ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal),
        Tags = Tags,
        Entry = Entry,
        QueueItem = Id,
        RerunOf = RerunOf,
        Timeout = TimeoutS is { } t ? TimeSpan.FromSeconds(t) : null,
    };
}

/// <summary>The state of a queue item.</summary>
public enum ItemState
{
    /// <summary>Waiting to run (also after a retried failure or interruption).</summary>
    Pending,

    /// <summary>Leased by a runner and (being) started.</summary>
    Running,

    /// <summary>Completed with exit code 0.</summary>
    Done,

    /// <summary>Failed (or timed out) on its last allowed attempt.</summary>
    Failed,

    /// <summary>Its runner died under it too often; not retried any more.</summary>
    Interrupted,

    /// <summary>Removed from the queue with <c>lab queue rm</c> or <c>clear</c>.</summary>
    Removed,
}

/// <summary>Words for <see cref="ItemState"/>.</summary>
public static class ItemStateText
{
    /// <summary>The lower-case word used in the journal and on screen.</summary>
    public static string ToText(this ItemState state) => state switch
    {
        ItemState.Pending => "pending",
        ItemState.Running => "running",
        ItemState.Done => "done",
        ItemState.Failed => "failed",
        ItemState.Interrupted => "interrupted",
        ItemState.Removed => "removed",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>True for states that never change again.</summary>
    public static bool IsFinal(this ItemState state) => state is ItemState.Done or ItemState.Failed or ItemState.Interrupted or ItemState.Removed;
}
