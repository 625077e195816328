using System.Text.Json.Nodes;

namespace Labbook.Tuning;

/// <summary>An immutable snapshot of one trial, as samplers, pruners and users see it.</summary>
public sealed class FrozenTrial
{
    /// <summary>The trial's number within its study, dense from 0.</summary>
    public required int Number { get; init; }

    /// <summary>The storage-wide trial id (in a journal: the order of creation over all studies).</summary>
    public required int TrialId { get; init; }

    /// <summary>The state.</summary>
    public required TrialState State { get; init; }

    /// <summary>The objective value (single objective), or null.</summary>
    public double? Value { get; init; }

    /// <summary>
    /// All objective values as stored (one per objective), or null. Labbook studies have one objective;
    /// multi-objective trials from foreign journals keep their values here with <see cref="Value"/> null.
    /// </summary>
    public IReadOnlyList<double>? Values { get; init; }

    /// <summary>Parameter values in internal representation (see <see cref="Distribution"/>).</summary>
    public IReadOnlyDictionary<string, double> InternalParams { get; init; } = new Dictionary<string, double>();

    /// <summary>The distribution each parameter was drawn from.</summary>
    public IReadOnlyDictionary<string, Distribution> Distributions { get; init; } = new Dictionary<string, Distribution>();

    /// <summary>Intermediate values reported by step.</summary>
    public IReadOnlyDictionary<int, double> IntermediateValues { get; init; } = new Dictionary<int, double>();

    /// <summary>User attributes.</summary>
    public IReadOnlyDictionary<string, JsonNode?> UserAttrs { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>System attributes (Labbook keeps heartbeats and failure reasons here).</summary>
    public IReadOnlyDictionary<string, JsonNode?> SystemAttrs { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>When the trial started running (local time as in Optuna's journal), or null while waiting.</summary>
    public DateTime? DatetimeStart { get; init; }

    /// <summary>When the trial finished, or null.</summary>
    public DateTime? DatetimeComplete { get; init; }

    /// <summary>Parameter values as the objective saw them (double, long, or the categorical choice).</summary>
    public IReadOnlyDictionary<string, object?> Params =>
        _params ??= InternalParams.ToDictionary(p => p.Key, p => Distributions[p.Key].ToExternal(p.Value));

    private IReadOnlyDictionary<string, object?>? _params;
}
