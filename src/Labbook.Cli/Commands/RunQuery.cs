using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Labbook.Runs;

namespace Labbook.Cli.Commands;

/// <summary>Filters and ordering over runs, shared by <c>ls</c>, <c>export</c> and later commands.</summary>
internal sealed class RunQuery
{
    public List<RunStatus> Statuses { get; init; } = [];

    public string? NameGlob { get; init; }

    public DateTime? SinceUtc { get; init; }

    public List<string> Tags { get; init; } = [];

    public Dictionary<string, JsonNode?> Params { get; init; } = [];

    public string? Study { get; init; }

    public string? Entry { get; init; }

    public bool Matches(RunInfo run)
    {
        var r = run.Record;
        if (Statuses.Count > 0 && !Statuses.Contains(run.Status))
        {
            return false;
        }
        if (NameGlob is not null && (r.Name is null || !GlobMatch(NameGlob, r.Name)))
        {
            return false;
        }
        if (SinceUtc is { } since && (r.Started is not { } started || started < since))
        {
            return false;
        }
        if (Tags.Any(t => !r.Tags.Contains(t, StringComparer.Ordinal)))
        {
            return false;
        }
        foreach (var (key, value) in Params)
        {
            if (!r.Params.TryGetValue(key, out var actual) || ParamParsing.Text(actual) != ParamParsing.Text(value))
            {
                return false;
            }
        }
        if (Study is not null && !string.Equals(r.Study, Study, StringComparison.Ordinal))
        {
            return false;
        }
        return Entry is null || string.Equals(r.Entry, Entry, StringComparison.OrdinalIgnoreCase);
    }

    public static bool GlobMatch(string glob, string text)
    {
        var pattern = "^" + Regex.Escape(glob).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
