using System.Text.Json;
using System.Text.RegularExpressions;
using Labbook.Json;

namespace Labbook.Text;

/// <summary>
/// The words a user sees for an exception. Messages Labbook writes itself pass through; messages
/// of the .NET libraries never do: the published lab binary strips their texts (UseSystemResourceKeys),
/// so they would read <c>IO_FileNotFound_FileName</c>, and even in full they name .NET types.
/// Every place that shows or records an exception's message (errors, warnings, fail reasons) uses this.
/// </summary>
public static partial class ErrorText
{
    /// <summary>The exception's message in our words.</summary>
    public static string Of(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Words(e);
    }

    private static string Words(Exception e) => e switch
    {
        JsonException json => LabJson.Describe(json),
        FileNotFoundException f when IsFramework(f.Message) => $"no such file: {f.FileName ?? PathIn(f.Message) ?? "?"}",
        DirectoryNotFoundException d when IsFramework(d.Message) => $"no such folder{Suffix(PathIn(d.Message))}",
        PathTooLongException p when IsFramework(p.Message) => $"path too long{Suffix(PathIn(p.Message))}",
        UnauthorizedAccessException u when IsFramework(u.Message) => $"permission denied{Suffix(PathIn(u.Message))}",
        IOException io when IsFramework(io.Message) => io.HResult switch
        {
            Native.Libc.ENOSPC => $"no space left on the device{Suffix(PathIn(io.Message))}",
            Native.Libc.EDQUOT => $"disk quota exceeded{Suffix(PathIn(io.Message))}",
            Native.Libc.EIO => $"input/output error{Suffix(PathIn(io.Message))}",
            _ => $"cannot read or write a file{Suffix(PathIn(io.Message))}",
        },
        OverflowException when IsFramework(e.Message) => "a number or duration is too large",
        ArgumentException or FormatException or InvalidOperationException or InvalidCastException when IsFramework(e.Message) => "a malformed value",
        _ when IsFramework(e.Message) => "an unexpected error",
        _ => e.Message,
    };

    /// <summary>
    /// True when the message is a .NET resource key (<c>IO_FileNotFound_FileName, /x</c>,
    /// <c>ExpectedJsonTokens Path: $</c>) or a .NET library's own sentence rather than one of ours.
    /// </summary>
    public static bool IsFramework(string message) =>
        message is null || ResourceKey().IsMatch(message) || message.Contains("System.", StringComparison.Ordinal) || FrameworkSentence().IsMatch(message);

    private static string Suffix(string? path) => path is null ? "" : ": " + path;

    /// <summary>The path a .NET IO message names: after the resource key's comma, or between quotes in the full text.</summary>
    private static string? PathIn(string message)
    {
        var m = QuotedPath().Match(message);
        if (m.Success)
        {
            return m.Groups[1].Value;
        }
        var comma = message.IndexOf(", ", StringComparison.Ordinal);
        return comma > 0 && ResourceKey().IsMatch(message) ? message[(comma + 2)..].Trim() : null;
    }

    // IO_FileNotFound_FileName, Arg_ParamName_Name, Overflow_TimeSpanTooLong, ExpectedJsonTokens ...
    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(_[A-Za-z0-9]+)+(,|\s|$)|^[A-Z][a-z0-9]+([A-Z][a-z0-9]+){2,}(,|\s|$)")]
    private static partial Regex ResourceKey();

    // The wording .NET uses when its texts are present ("Could not find file '/x'.", "Access to the path '/x' is denied.").
    [GeneratedRegex(@"^(Could not find|Access to the path|The (process|file|value|input|JSON|path|given|specified)|Value was either too large|Specified argument|Input string was not)")]
    private static partial Regex FrameworkSentence();

    [GeneratedRegex(@"'(/[^']*)'")]
    private static partial Regex QuotedPath();
}
