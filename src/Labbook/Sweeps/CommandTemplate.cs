using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Labbook.Sweeps;

/// <summary>
/// A trial's command line: <c>{name}</c> placeholders inside argv elements are replaced by the
/// parameter's value, element by element (never through a shell, so a value stays one argument
/// whatever characters it holds). Only <c>{identifier}</c> is a placeholder; other braces (JSON,
/// <c>{}</c>) are left alone. An element whose placeholder names a parameter that is inactive in a
/// trial (its condition is not met) is left out of that trial's command.
/// </summary>
public sealed partial class CommandTemplate
{
    private readonly IReadOnlyList<string> _argv;

    /// <summary>Makes a template; every placeholder must name a parameter of <paramref name="space"/>.</summary>
    /// <exception cref="ArgumentException">A placeholder names no parameter (the message names it and the argument).</exception>
    public CommandTemplate(IReadOnlyList<string> argv, SearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(space);
        if (argv.Count == 0)
        {
            throw new ArgumentException("no command to run (give it after --)");
        }
        for (var i = 0; i < argv.Count; i++)
        {
            foreach (Match m in Placeholder().Matches(argv[i]))
            {
                var name = m.Groups[1].Value;
                if (!space.Contains(name))
                {
                    var known = string.Join(", ", space.Params.Select(p => p.Name));
                    throw new ArgumentException($"placeholder {{{name}}} in argument {i + 1} ('{Workspaces.Names.Escape(argv[i])}') names no parameter of the space (parameters: {known})");
                }
            }
        }
        _argv = argv;
    }

    /// <summary>The placeholder names used, in order of appearance.</summary>
    public IReadOnlyList<string> Names => [.. _argv.SelectMany(a => Placeholder().Matches(a).Select(m => m.Groups[1].Value)).Distinct()];

    /// <summary>The argv for a trial with these parameter values.</summary>
    public IReadOnlyList<string> Render(IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new List<string>(_argv.Count);
        foreach (var arg in _argv)
        {
            var inactive = false;
            var rendered = Placeholder().Replace(arg, m =>
            {
                if (values.TryGetValue(m.Groups[1].Value, out var v))
                {
                    return Text(v);
                }
                inactive = true;
                return "";
            });
            if (!inactive)
            {
                result.Add(rendered);
            }
        }
        return result;
    }

    /// <summary>How a parameter value is written into a command line and environment variable.</summary>
    public static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "true" : "false",
        double d => Json.MetricText.FormatValue(d),
        float f => f.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The environment variable for a parameter: <c>LAB_PARAM_</c> and the name upper-cased, '-' and '.' as '_'.</summary>
    public static string VariableName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder("LAB_PARAM_", 10 + name.Length);
        foreach (var c in name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_.\-]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
