namespace Labbook.Runs;

/// <summary>
/// Run ids: 9 characters of Crockford base32 (lower case). The first 6 encode the start second
/// since 2020-01-01 UTC, so ids sort by time; the last 3 are random (15 bits), and the run folder
/// is created with an exclusive mkdir, so two processes or machines that draw the same id in the
/// same second simply draw again. Any unique prefix selects a run.
/// </summary>
public static class RunId
{
    /// <summary>The alphabet: digits and letters without i, l, o, u.</summary>
    public const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    private static readonly DateTime Epoch = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Makes a new id for a run started at <paramref name="utcNow"/>.</summary>
    public static string New(DateTime utcNow)
    {
        var seconds = (long)Math.Max(0, (utcNow - Epoch).TotalSeconds);
        Span<char> chars = stackalloc char[9];
        for (var i = 5; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(seconds & 31)];
            seconds >>= 5;
        }
        // Not a cryptographic random: uniqueness comes from the exclusive mkdir, and the cryptographic
        // generator loads OpenSSL, which costs milliseconds at every `lab run`.
        for (var i = 6; i < 9; i++)
        {
            chars[i] = Alphabet[Random.Shared.Next(32)];
        }
        return new string(chars);
    }

    /// <summary>True when <paramref name="text"/> has the shape of a run id.</summary>
    public static bool IsWellFormed(string text) =>
        text is { Length: 9 } && text.All(c => Alphabet.Contains(c, StringComparison.Ordinal));

    /// <summary>The start time encoded in an id (to the second).</summary>
    public static DateTime TimeOf(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        long seconds = 0;
        for (var i = 0; i < 6; i++)
        {
            seconds = (seconds << 5) | (long)Alphabet.IndexOf(id[i], StringComparison.Ordinal);
        }
        return Epoch.AddSeconds(seconds);
    }
}
