using System.Text.Json.Nodes;

namespace Labbook.Queue;

/// <summary>What <c>lab queue add</c> asks for, before expansion into items.</summary>
public sealed class AddRequest
{
    /// <summary>The argv template.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>Base params.</summary>
    public Dictionary<string, JsonNode?> Params { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Grid axes: each key with its values; the items are the product.</summary>
    public List<KeyValuePair<string, List<JsonNode?>>> Grid { get; init; } = [];

    /// <summary>Ablations: each switches one param of the baseline.</summary>
    public List<KeyValuePair<string, JsonNode?>> Ablate { get; init; } = [];

    /// <summary>The template every item copies (name, why, entry, est, timeout, retries, gpus, priority, tags, cwd, sbatch options).</summary>
    public required QueueItem Template { get; init; }
}

/// <summary>Expands an add request into items: one, a grid's product, or a baseline plus one per ablation.</summary>
public static class ItemFactory
{
    /// <summary>The tag of an ablation's baseline.</summary>
    public const string BaselineTag = "baseline";

    /// <summary>The tag of every item of an ablation (baseline included).</summary>
    public const string AblationTag = "ablation";

    /// <summary>The tag of every item of a grid.</summary>
    public const string GridTag = "grid";

    /// <summary>Builds the items (ids left empty); <paramref name="group"/> names the grid or ablation.</summary>
    /// <exception cref="ArgumentException">The request is inconsistent; the message says how.</exception>
    public static List<QueueItem> Expand(AddRequest request, string group)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Argv.Count == 0)
        {
            throw new ArgumentException("no command given (put it after --)");
        }
        if (request.Grid.Count > 0 && request.Ablate.Count > 0)
        {
            throw new ArgumentException("use --grid or --ablate, not both in one add");
        }
        var items = new List<QueueItem>();
        if (request.Grid.Count > 0)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, values) in request.Grid)
            {
                if (!seen.Add(key))
                {
                    throw new ArgumentException($"--grid {key} is given twice");
                }
                if (values.Count == 0)
                {
                    throw new ArgumentException($"--grid {key} has no values");
                }
                if (values.Any(v => Placeholders.Text(v).Length == 0))
                {
                    throw new ArgumentException($"--grid {key} has an empty value (two commas, or one at an end)");
                }
                if (values.Select(Placeholders.Text).Distinct(StringComparer.Ordinal).Count() != values.Count)
                {
                    throw new ArgumentException($"--grid {key} repeats a value");
                }
            }
            IEnumerable<Dictionary<string, JsonNode?>> combos = [new Dictionary<string, JsonNode?>(request.Params, StringComparer.Ordinal)];
            foreach (var (key, values) in request.Grid)
            {
                combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, JsonNode?>(c, StringComparer.Ordinal) { [key] = v?.DeepClone() }));
            }
            foreach (var p in combos)
            {
                var item = Copy(request, p);
                item.Tags.Add(GridTag);
                item.Group = group;
                items.Add(item);
            }
        }
        else if (request.Ablate.Count > 0)
        {
            var baseline = Copy(request, new Dictionary<string, JsonNode?>(request.Params, StringComparer.Ordinal));
            baseline.Tags.Add(BaselineTag);
            baseline.Tags.Add(AblationTag);
            baseline.Group = group;
            items.Add(baseline);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in request.Ablate)
            {
                if (!seen.Add(key))
                {
                    throw new ArgumentException($"--ablate {key} is given twice");
                }
                if (request.Params.TryGetValue(key, out var base_) && Placeholders.Text(base_) == Placeholders.Text(value))
                {
                    throw new ArgumentException($"--ablate {key}={Placeholders.Text(value)} is the same as the baseline's value");
                }
                var p = new Dictionary<string, JsonNode?>(request.Params, StringComparer.Ordinal) { [key] = value?.DeepClone() };
                var variant = Copy(request, p);
                variant.Tags.Add(AblationTag);
                variant.Group = group;
                variant.Ablate = new Dictionary<string, JsonNode?>(StringComparer.Ordinal) { [key] = value?.DeepClone() };
                items.Add(variant);
            }
        }
        else
        {
            items.Add(Copy(request, new Dictionary<string, JsonNode?>(request.Params, StringComparer.Ordinal)));
        }
        foreach (var item in items)
        {
            if (Placeholders.Check(item.Argv, item.Params) is { } problem)
            {
                throw new ArgumentException(problem);
            }
        }
        return items;
    }

    /// <summary>
    /// Warnings for grid values that look like a mistaken separator: <c>--grid "lr=0.1;0.3"</c> is one
    /// value <c>0.1;0.3</c>, not two. Still queued as given (a value may legitimately hold them).
    /// </summary>
    public static List<string> SeparatorWarnings(AddRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var warnings = new List<string>();
        foreach (var (key, values) in request.Grid)
        {
            foreach (var text in values.Select(Placeholders.Text))
            {
                if (text.Contains(';', StringComparison.Ordinal) || text.Trim().Any(char.IsWhiteSpace))
                {
                    warnings.Add($"--grid {key}: the value '{Workspaces.Names.Escape(text)}' is one value; separate values with commas (--grid {key}=a,b,c)");
                }
            }
        }
        return warnings;
    }

    private static QueueItem Copy(AddRequest request, Dictionary<string, JsonNode?> parameters)
    {
        var t = request.Template;
        return new QueueItem
        {
            Name = t.Name,
            Why = t.Why,
            Entry = t.Entry,
            Argv = [.. request.Argv],
            Params = parameters,
            Cwd = t.Cwd,
            EstS = t.EstS,
            TimeoutS = t.TimeoutS,
            Retries = t.Retries,
            Gpus = t.Gpus,
            Priority = t.Priority,
            Tags = [.. t.Tags],
            RerunOf = t.RerunOf is null ? null : [.. t.RerunOf],
            Sbatch = t.Sbatch is null ? null : [.. t.Sbatch],
        };
    }
}
