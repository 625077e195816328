using System.Text.Json.Nodes;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tuning;

/// <summary>
/// Tries every combination of the given values once, in random order (Optuna's <c>GridSampler</c>; also the
/// ablation tool). Safe with several workers: a trial takes a grid point not used by any trial, running or
/// finished, while the study holds the storage's writer lock; once every point is taken no new trial starts.
/// The grid point is stored in the trial's <c>grid_id</c> and <c>search_space</c> system attributes, as Optuna does.
/// </summary>
public sealed class GridSampler : IExhaustibleSampler
{
    private const string GridIdAttr = "grid_id";
    private const string SearchSpaceAttr = "search_space";
    private readonly string[] _names;
    private readonly object?[][] _values;
    private readonly string _spaceJson;
    private readonly Random _random;
    private readonly int? _seed;
    private readonly Lock _gate = new();

    /// <summary>Creates a grid over <paramref name="searchSpace"/>: parameter name to the values to try.</summary>
    public GridSampler(IReadOnlyDictionary<string, object?[]> searchSpace, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        if (searchSpace.Count == 0 || searchSpace.Values.Any(v => v is null || v.Length == 0))
        {
            throw new ArgumentException("a grid needs at least one parameter, each with at least one value", nameof(searchSpace));
        }
        _names = searchSpace.Keys.Order(StringComparer.Ordinal).ToArray();
        _values = _names.Select(n => searchSpace[n]).ToArray();
        var space = new JsonObject();
        for (var i = 0; i < _names.Length; i++)
        {
            space[_names[i]] = new JsonArray(_values[i].Select(DistributionJson.ChoiceToNode).ToArray());
        }
        _spaceJson = PythonJson.Serialize(space);
        Count = _values.Aggregate(1L, (n, v) => checked(n * v.Length)) is var c && c <= int.MaxValue
            ? (int)c
            : throw new ArgumentException("the grid has more than 2^31 points", nameof(searchSpace));
        _seed = seed;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    /// <summary>The number of grid points.</summary>
    public int Count { get; }

    /// <summary>The parameter values of grid point <paramref name="gridId"/>.</summary>
    public IReadOnlyDictionary<string, object?> this[int gridId]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(gridId);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(gridId, Count);
            var result = new Dictionary<string, object?>();
            for (var i = _names.Length - 1; i >= 0; i--)
            {
                result[_names[i]] = _values[i][gridId % _values[i].Length];
                gridId /= _values[i].Length;
            }
            return result;
        }
    }

    /// <inheritdoc/>
    public bool IsExhausted(ITrialHistory study) => Unvisited(study).Count == 0;

    /// <inheritdoc/>
    public void BeforeTrial(ITrialHistory study, FrozenTrial trial)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentNullException.ThrowIfNull(trial);
        if (trial.SystemAttrs.ContainsKey(GridIdAttr))
        {
            return;
        }
        var unvisited = Unvisited(study);
        int gridId;
        lock (_gate)
        {
            // Every point is taken (only when trials were started around this sampler): repeat one, as Optuna does.
            // Seeded: the trial's own draw, so a study continued elsewhere picks as it would have in one process.
            var random = _seed is { } seed ? TrialRandom.For(seed, trial.Number, "", TrialRandom.Purpose.Grid) : _random;
            gridId = unvisited.Count > 0 ? unvisited[random.Next(unvisited.Count)] : random.Next(Count);
        }
        study.SetTrialSystemAttr(trial, SearchSpaceAttr, PythonJson.Parse(_spaceJson));
        study.SetTrialSystemAttr(trial, GridIdAttr, JsonValue.Create((long)gridId));
    }

    /// <inheritdoc/>
    public void AfterTrial(ITrialHistory study, FrozenTrial trial, TrialState state, double? value)
    {
        if (study is Study s && IsExhausted(study))
        {
            s.Stop();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, Distribution> InferRelativeSearchSpace(ITrialHistory study, FrozenTrial trial) =>
        new Dictionary<string, Distribution>();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> SampleRelative(ITrialHistory study, FrozenTrial trial, IReadOnlyDictionary<string, Distribution> searchSpace) =>
        new Dictionary<string, double>();

    /// <inheritdoc/>
    public double SampleIndependent(ITrialHistory study, FrozenTrial trial, string paramName, Distribution distribution)
    {
        ArgumentNullException.ThrowIfNull(trial);
        ArgumentNullException.ThrowIfNull(distribution);
        if (Array.IndexOf(_names, paramName) < 0)
        {
            throw new ArgumentException($"parameter '{paramName}' is not in the grid ({string.Join(", ", _names)})", nameof(paramName));
        }
        if (!trial.SystemAttrs.TryGetValue(GridIdAttr, out var id) || id is null)
        {
            throw new InvalidOperationException($"trial {trial.Number} has no grid point (was it started by this study?)");
        }
        var value = this[JournalOps.AsInt(id)][paramName];
        var internalValue = distribution.ToInternal(value);
        if (!distribution.Contains(internalValue))
        {
            throw new ArgumentException($"grid value {value} of '{paramName}' is outside {distribution}");
        }
        return internalValue;
    }

    private List<int> Unvisited(ITrialHistory study)
    {
        var taken = new bool[Count];
        foreach (var t in study.GetTrials())
        {
            if ((t.State.IsFinished() || t.State == TrialState.Running)
                && t.SystemAttrs.TryGetValue(GridIdAttr, out var id) && id is JsonValue v && v.TryGetValue<long>(out var g) && g >= 0 && g < Count
                && t.SystemAttrs.TryGetValue(SearchSpaceAttr, out var space) && PythonJson.Serialize(space) == _spaceJson)
            {
                taken[g] = true;
            }
        }
        var result = new List<int>();
        for (var i = 0; i < taken.Length; i++)
        {
            if (!taken[i])
            {
                result.Add(i);
            }
        }
        return result;
    }
}
