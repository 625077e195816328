using System.Text;

namespace Labbook.Workspaces;

/// <summary>
/// Names (of runs, studies, entries, queue items) are text, never paths. They are stored as given
/// and only refused when they carry control characters, which could rewrite a terminal.
/// </summary>
public static class Names
{
    /// <summary>Checks a user-given name; returns an error message or null when it is acceptable.</summary>
    public static string? Validate(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return $"{what} must not be empty";
        }
        if (name.Length > 200)
        {
            return $"{what} is longer than 200 characters";
        }
        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"{what} {Printable(name)} contains a control character";
            }
        }
        return null;
    }

    /// <summary>
    /// A name that is safe as a single file name inside a Labbook folder: letters, digits, '-',
    /// '_' and '.', not starting with a dot. Used where a name must become a file (a study's journal).
    /// </summary>
    public static string? ValidateFileSafe(string name, string what)
    {
        var basic = Validate(name, what);
        if (basic is not null)
        {
            return basic;
        }
        if (name[0] == '.' || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            return $"{what} {Printable(name)} may only use letters, digits, '-', '_' and '.', and must not start with '.'";
        }
        return null;
    }

    /// <summary>Renders text for a terminal with control characters escaped (\n, \x1b, ...), quoted.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 2);
        sb.Append('\'');
        sb.Append(Escape(text));
        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>Escapes control characters so text can be shown on a terminal without effects.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsControl))
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.ToString();
    }
}
