using System.CommandLine;

namespace Labbook.Cli;

/// <summary>
/// Tidies the text of <c>--help</c> (System.CommandLine 2.0 keeps its help builder internal, so the
/// text is edited after it is written): a usage line made of command names only (a parent's
/// argument, such as lab note's title, is not part of a subcommand's usage), and the Slurm options
/// under their own heading so that a local user's options are not buried under thirteen cluster settings.
/// </summary>
internal static class HelpLayout
{
    /// <summary>The prefix of the description of every Slurm-only option.</summary>
    public const string SlurmPrefix = "Slurm:";

    /// <summary>The command's path from the root: <c>lab note ls</c>.</summary>
    public static string PathOf(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? "lab" : c.Name);
        }
        return string.Join(' ', names);
    }

    public static string Tidy(string help, Command command)
    {
        var lines = help.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        var usage = lines.IndexOf("Usage:");
        if (usage >= 0 && usage + 1 < lines.Count)
        {
            lines[usage + 1] = "  " + Usage(command);
        }
        RemoveParentArguments(lines, command);
        var slurmNames = command.Options.Where(IsSlurm).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        var options = lines.IndexOf("Options:");
        if (slurmNames.Count > 0 && options >= 0)
        {
            var end = options + 1;
            while (end < lines.Count && lines[end].StartsWith(' '))
            {
                end++;
            }
            var kept = new List<string>();
            var moved = new List<string>();
            var target = kept;
            for (var i = options + 1; i < end; i++)
            {
                var line = lines[i];
                if (line.StartsWith("  -", StringComparison.Ordinal))
                {
                    var first = line.TrimStart().Split(' ', ',')[0];
                    target = slurmNames.Contains(first) ? moved : kept;
                }
                target.Add(line);
            }
            if (moved.Count > 0)
            {
                lines.RemoveRange(options + 1, end - options - 1);
                lines.InsertRange(options + 1, [.. kept, "", "Slurm options (with --executor slurm):", .. moved]);
            }
        }
        return string.Join('\n', lines);
    }

    /// <summary>Drops a parent's arguments (lab note's title) from a subcommand's Arguments section.</summary>
    private static void RemoveParentArguments(List<string> lines, Command command)
    {
        var start = lines.IndexOf("Arguments:");
        if (start < 0)
        {
            return;
        }
        var own = command.Arguments.Select(a => $"<{a.Name}>").ToHashSet(StringComparer.Ordinal);
        var end = start + 1;
        while (end < lines.Count && lines[end].StartsWith(' '))
        {
            end++;
        }
        var kept = new List<string>();
        var keep = true;
        for (var i = start + 1; i < end; i++)
        {
            if (lines[i].StartsWith("  <", StringComparison.Ordinal))
            {
                keep = own.Contains(lines[i].TrimStart().Split(' ')[0]);
            }
            if (keep)
            {
                kept.Add(lines[i]);
            }
        }
        lines.RemoveRange(start, end - start);
        if (kept.Count > 0)
        {
            lines.InsertRange(start, ["Arguments:", .. kept]);
        }
        else if (start < lines.Count && lines[start].Length == 0)
        {
            lines.RemoveAt(start);
        }
    }

    private static string Usage(Command command)
    {
        var parts = new List<string> { PathOf(command) };
        if (command.Subcommands.Any(c => !c.Hidden))
        {
            parts.Add("[command]");
        }
        parts.Add("[options]");
        foreach (var argument in command.Arguments.Where(a => !a.Hidden))
        {
            var label = $"<{argument.Name}>" + (argument.Arity.MaximumNumberOfValues > 1 ? "..." : "");
            if (argument.Name == UsageErrors.CommandArgument)
            {
                parts.Add("--");
            }
            parts.Add(argument.Arity.MinimumNumberOfValues == 0 ? $"[{label}]" : label);
        }
        return string.Join(' ', parts);
    }

    private static bool IsSlurm(Option option) =>
        option.Description?.StartsWith(SlurmPrefix, StringComparison.Ordinal) == true || option.Name == "--executor";
}

/// <summary>What <c>lab</c> alone (and <c>lab help</c>) prints: the commands, one line each, and the commonest examples.</summary>
internal static class Overview
{
    private static readonly string[] Examples =
    [
        "lab run --why \"does warmup fix the divergence?\" -p lr=3e-4 -- python train.py --lr 3e-4",
        "lab ls --since yesterday",
        "lab queue add --grid lr=1e-3,3e-4 -- python train.py --lr {lr} && lab queue start",
    ];

    public static void Write(RootCommand root, TextWriter output)
    {
        output.WriteLine("lab: " + root.Description);
        output.WriteLine();
        output.WriteLine("Usage: lab <command> [options]   (lab <command> --help for its options and examples)");
        output.WriteLine();
        output.WriteLine("Commands:");
        var commands = root.Subcommands.Where(c => !c.Hidden).ToList();
        var width = commands.Max(c => c.Name.Length) + 2;
        foreach (var command in commands)
        {
            output.WriteLine("  " + command.Name.PadRight(width) + Short(command.Description ?? ""));
        }
        output.WriteLine();
        output.WriteLine("Examples:");
        foreach (var example in Examples)
        {
            output.WriteLine("  " + example);
        }
    }

    /// <summary>The description's first clause: what the command is for, in one short line.</summary>
    private static string Short(string description)
    {
        var cut = description.Length;
        foreach (var stop in new[] { ": ", ". ", "; ", " (" })
        {
            var at = description.IndexOf(stop, StringComparison.Ordinal);
            if (at > 0 && at < cut)
            {
                cut = at;
            }
        }
        return description[..cut].TrimEnd('.');
    }
}
