using System.Globalization;
using Labbook.Native;
using Spectre.Console;

namespace Labbook.Cli;

/// <summary>
/// Where the CLI writes. Colour is used only on a terminal and never when <c>NO_COLOR</c> is set;
/// every piece of user-controlled text is escaped for Spectre markup and for control characters.
/// </summary>
internal static class Terminal
{
    private static readonly Lazy<IAnsiConsole> LazyOut = new(() => Create(Console.Out, 1));
    private static readonly Lazy<IAnsiConsole> LazyErr = new(() => Create(Console.Error, 2));

    /// <summary>The console for results.</summary>
    public static IAnsiConsole Out => LazyOut.Value;

    /// <summary>The console for messages.</summary>
    public static IAnsiConsole Err => LazyErr.Value;

    /// <summary>True when stdout is a terminal.</summary>
    public static bool StdoutIsTerminal => Libc.IsATty(1) == 1;

    /// <summary>True when stdin is a terminal.</summary>
    public static bool StdinIsTerminal => Libc.IsATty(0) == 1;

    /// <summary>True when colour may be used on stdout.</summary>
    public static bool UseColor => StdoutIsTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>Prints a one-line error: <c>lab: message</c>.</summary>
    public static void Error(string message) => Console.Error.WriteLine("lab: " + Labbook.Workspaces.Names.Escape(message));

    /// <summary>Prints a one-line warning.</summary>
    public static void Warn(string message) => Console.Error.WriteLine("lab: warning: " + Labbook.Workspaces.Names.Escape(message));

    /// <summary>Prints a one-line note.</summary>
    public static void Note(string message) => Console.Error.WriteLine("lab: " + Labbook.Workspaces.Names.Escape(message));

    /// <summary>Escapes user text for markup and the terminal.</summary>
    public static string Safe(string? text) => Markup.Escape(Labbook.Workspaces.Names.Escape(text ?? ""));

    /// <summary>Formats a number compactly for tables: 4 significant digits, nan/inf spelled out.</summary>
    public static string Number(double? value)
    {
        if (value is not { } v)
        {
            return "";
        }
        if (!double.IsFinite(v))
        {
            return Labbook.Json.MetricText.FormatValue(v);
        }
        var abs = Math.Abs(v);
        if (v == Math.Floor(v) && abs < 1e9)
        {
            return v.ToString("0", CultureInfo.InvariantCulture);
        }
        return abs is >= 1e-3 and < 1e5 ? v.ToString("0.####", CultureInfo.InvariantCulture) : v.ToString("0.###e0", CultureInfo.InvariantCulture);
    }

    /// <summary>Colour markup for a run status.</summary>
    public static string Status(Labbook.Runs.RunStatus status)
    {
        var word = status.ToString().ToLowerInvariant();
        var color = status switch
        {
            Labbook.Runs.RunStatus.Completed => "green",
            Labbook.Runs.RunStatus.Failed => "red",
            Labbook.Runs.RunStatus.Crashed => "red",
            Labbook.Runs.RunStatus.Killed => "yellow",
            Labbook.Runs.RunStatus.Pruned => "grey",
            Labbook.Runs.RunStatus.Running => "blue",
            _ => "default",
        };
        return $"[{color}]{word}[/]";
    }

    /// <summary>A local time for tables: today as HH:mm, else the date too.</summary>
    public static string When(DateTime? utc, DateTime nowLocal)
    {
        if (utc is not { } t)
        {
            return "";
        }
        var local = t.ToLocalTime();
        return local.Date == nowLocal.Date
            ? local.ToString("HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
    }

    private static IAnsiConsole Create(TextWriter writer, int fd)
    {
        var isTty = Libc.IsATty(fd) == 1;
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = isTty && !noColor ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isTty && !noColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isTty ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        if (!isTty)
        {
            var columns = Environment.GetEnvironmentVariable("COLUMNS");
            console.Profile.Width = int.TryParse(columns, NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) && w > 20 ? w : 200;
        }
        return console;
    }
}

/// <summary>A mistake in what the user asked for: printed as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
