namespace Labbook.Text;

/// <summary>
/// Finds the known name a user most likely meant when they mistyped one (an option, a metric, a
/// parameter, a command), so that an error can say "did you mean ...". Shared by every place that
/// refuses an unknown name, so all of them suggest alike.
/// </summary>
public static class NameSuggestions
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/> by edit distance (insertions, deletions,
    /// substitutions and swaps of neighbours, ignoring case), or null when none is close enough to be
    /// a plausible typo: at most a third of the longer name's length, and at least one edit allowed.
    /// Ties go to the candidate listed first.
    /// </summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (string.IsNullOrEmpty(candidate) || string.Equals(candidate, input, StringComparison.Ordinal))
            {
                continue;
            }
            var limit = Math.Max(1, Math.Max(candidate.Length, input.Length) / 3);
            var distance = Distance(input, candidate);
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>
    /// A short phrase for an error message: " (did you mean 'x'?)" when a close candidate exists,
    /// else an empty string.
    /// </summary>
    public static string DidYouMean(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } close ? $" (did you mean '{close}'?)" : "";

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one substring), case-insensitive.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var rows = a.Length + 1;
        var cols = b.Length + 1;
        var d = new int[rows, cols];
        for (var i = 0; i < rows; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j < cols; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i < rows; i++)
        {
            for (var j = 1; j < cols; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2])
                    && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    value = Math.Min(value, d[i - 2, j - 2] + 1);
                }
                d[i, j] = value;
            }
        }
        return d[rows - 1, cols - 1];
    }
}
