using System.Text;

namespace Labbook.Runs;

/// <summary>Renders an argv as a POSIX shell would need it typed, for display only.</summary>
public static class ShellQuote
{
    /// <summary>Quotes one argument when it has characters a shell would interpret.</summary>
    public static string Quote(string arg)
    {
        ArgumentNullException.ThrowIfNull(arg);
        if (arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%^".Contains(c, StringComparison.Ordinal)))
        {
            return arg;
        }
        return "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Joins an argv into one display string.</summary>
    public static string Join(IEnumerable<string> argv)
    {
        var sb = new StringBuilder();
        foreach (var a in argv)
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }
            sb.Append(Quote(a));
        }
        return sb.ToString();
    }
}
