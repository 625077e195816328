using System.CommandLine;
using System.CommandLine.Parsing;
using Labbook.Text;
using Labbook.Workspaces;

namespace Labbook.Cli;

/// <summary>
/// Turns what the parser found wrong into one line in our own words (never System.CommandLine's
/// wording, which names .NET types), and refuses a mistyped option that would otherwise become
/// the command a run, a queue item or a sweep executes.
/// </summary>
internal static class UsageErrors
{
    /// <summary>The name of the argument that holds the command to run (lab run, queue add, sweep).</summary>
    public const string CommandArgument = "command";

    /// <summary>The problem with the command line, or null when it can be run.</summary>
    public static string? Find(ParseResult parse, IReadOnlyList<string> args)
    {
        var command = parse.CommandResult.Command;
        if (parse.Errors.Count > 0)
        {
            return Describe(parse, command);
        }
        return MistypedOptionAsCommand(parse, command, args);
    }

    private static string Describe(ParseResult parse, Command command)
    {
        if (parse.UnmatchedTokens.Count > 0)
        {
            var token = parse.UnmatchedTokens[0];
            if (token.StartsWith('-') && token.Length > 1)
            {
                return UnknownOption(token, command);
            }
            if (command.Subcommands.Count > 0 && command.Arguments.Count == 0)
            {
                var names = command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
                var what = command is RootCommand ? "a lab command" : $"a subcommand of lab {command.Name}";
                return $"{Names.Printable(token)} is not {what}{NameSuggestions.DidYouMean(token, names)}";
            }
            return $"unexpected argument {Names.Printable(token)}";
        }
        foreach (var error in parse.Errors)
        {
            if (Describe(error.SymbolResult) is { } message)
            {
                return message;
            }
        }
        foreach (var option in command.Options)
        {
            if (option.Required && parse.GetResult(option) is null)
            {
                return $"{option.Name} is required";
            }
        }
        foreach (var argument in command.Arguments)
        {
            if (argument.Arity.MinimumNumberOfValues > 0 && (parse.GetResult(argument) is not { } r || r.Tokens.Count == 0))
            {
                return argument.Name == CommandArgument ? "no command given (put it after --)" : $"missing {Label(argument)}";
            }
        }
        // Not one of the cases above: say where, not how the parser worded it.
        return "invalid arguments";
    }

    private static string? Describe(SymbolResult? result)
    {
        switch (result)
        {
            case OptionResult { IdentifierToken: null } missing:
                return $"{missing.Option.Name} is required";
            case ArgumentResult { Parent: OptionResult { IdentifierToken: null } missing }:
                return $"{missing.Option.Name} is required";
            case ArgumentResult { Parent: OptionResult option } argument:
                return ValueProblem(option.Option.Name, option.Option.ValueType, argument.Tokens.Count > 0 ? argument.Tokens : option.Tokens);
            case OptionResult option:
                return ValueProblem(option.Option.Name, option.Option.ValueType, option.Tokens);
            case ArgumentResult { Tokens.Count: 0 } argument:
                return argument.Argument.Name == CommandArgument ? "no command given (put it after --)" : $"missing {Label(argument.Argument)}";
            case ArgumentResult argument when argument.Argument.Name != CommandArgument:
                return ValueProblem(Label(argument.Argument), argument.Argument.ValueType, argument.Tokens);
            default:
                return null;
        }
    }

    private static string ValueProblem(string name, Type type, IReadOnlyList<Token> tokens)
    {
        if (tokens.Count == 0)
        {
            return $"{name} needs a value";
        }
        var element = type.IsArray ? type.GetElementType()! : Nullable.GetUnderlyingType(type) ?? type;
        element = Nullable.GetUnderlyingType(element) ?? element;
        var kind = element == typeof(int) || element == typeof(long) ? "a whole number"
            : element == typeof(double) || element == typeof(float) ? "a number"
            : element == typeof(bool) ? "true or false"
            : "a valid value";
        foreach (var token in tokens)
        {
            if (!Converts(token.Value, element))
            {
                var tooLarge = kind == "a whole number" && token.Value.TrimStart('-').All(char.IsAsciiDigit) && token.Value.Length > 1;
                return tooLarge
                    ? $"{name}: {Names.Printable(token.Value)} is too large"
                    : $"{name}: {Names.Printable(token.Value)} is not {kind}";
            }
        }
        return $"{name}: expected {kind}";
    }

    private static bool Converts(string text, Type type) =>
        type == typeof(int) ? int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _)
        : type == typeof(long) ? long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _)
        : type == typeof(double) ? double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _)
        : type != typeof(bool) || bool.TryParse(text, out _);

    /// <summary>
    /// lab run, queue add and sweep take a command after <c>--</c>. An unknown option before the
    /// <c>--</c> (or, without one, where the command would begin) is a typo, not the program to run:
    /// <c>lab sweep --trails 5 -- train.py</c> must not start a hundred thousand trials of <c>--trails</c>.
    /// </summary>
    private static string? MistypedOptionAsCommand(ParseResult parse, Command command, IReadOnlyList<string> args)
    {
        var argument = command.Arguments.FirstOrDefault(a => a.Name == CommandArgument);
        if (argument is null || parse.GetResult(argument) is not { Tokens.Count: > 0 } result)
        {
            return null;
        }
        var dashes = IndexOf(args, "--");
        var afterDashes = dashes < 0 ? 0 : args.Count - dashes - 1;
        var beforeDashes = result.Tokens.Count - afterDashes;
        var first = result.Tokens[0].Value;
        if (dashes >= 0 && beforeDashes > 0)
        {
            return first.StartsWith('-')
                ? UnknownOption(first, command)
                : $"unexpected argument {Names.Printable(first)} before --: the command goes after --";
        }
        if (dashes < 0 && first.StartsWith('-') && first.Length > 1)
        {
            return UnknownOption(first, command) + " (a command that starts with '-' goes after --)";
        }
        return null;
    }

    private static int IndexOf(IReadOnlyList<string> args, string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static string UnknownOption(string token, Command command)
    {
        var name = token.Split('=', 2)[0];
        var known = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault())
        {
            foreach (var option in c.Options)
            {
                if (ReferenceEquals(c, command) || option.Recursive)
                {
                    known.Add(option.Name);
                    known.AddRange(option.Aliases);
                }
            }
        }
        return $"unknown option {Names.Printable(name)}{NameSuggestions.DidYouMean(name, known.Where(k => k.StartsWith("--", StringComparison.Ordinal) || name.Length <= 2))}";
    }

    private static string Label(Argument argument) => argument.Name.ToUpperInvariant();
}
