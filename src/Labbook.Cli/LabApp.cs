using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using Labbook.Cli.Commands;
using Labbook.Runs;

namespace Labbook.Cli;

/// <summary>Builds the command tree, runs it, and turns failures into one-line messages.</summary>
internal static class LabApp
{
    /// <summary>Exit code for a usage error or bad input.</summary>
    public const int UsageExit = 2;

    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["lab"] =
        [
            "lab run --why \"does warmup fix the divergence?\" -p lr=3e-4 -- python train.py --lr 3e-4",
            "lab ls --since yesterday --sort val_loss",
            "lab show 1b3k9",
            "lab note \"does warmup fix the divergence?\" --expect \"val_loss < 0.45\" && lab morning",
        ],
        ["run"] =
        [
            "lab run -- python train.py",
            "lab run --name baseline --tag baseline -p lr=1e-3 -- python train.py --lr 1e-3",
            "lab run --why \"is depth still useful with warmup?\" --timeout 3h -- ./train.sh",
            "lab run --entry E3 --tag baseline -- python train.py",
            "# inside the program: print(\"@lab loss=0.31 acc=0.92 step=100\")",
        ],
        ["ls"] =
        [
            "lab ls",
            "lab ls --status failed --since 19:00",
            "lab ls -p lr=0.001 --tag baseline",
            "lab ls --sort=-acc --limit 5 --json",
        ],
        ["show"] = ["lab show 1b3k9", "lab show baseline --lines 40", "lab show 1b3k9 --json"],
        ["export"] = ["lab export > metrics.csv", "lab export 1b3k9 1b3km --wide -o runs.csv"],
        ["note"] =
        [
            "lab note \"does warmup fix the divergence?\" --testing \"500 warmup steps\" --why \"loss spikes at 2k\" --expect \"val_loss < baseline - 0.02\"",
            "lab note \"deeper model\" --expect \"the gain shrinks with warmup\" --predict \"all: acc >= 0.9\"",
            "lab note ls",
            "lab note show E3",
            "lab note use E3",
            "lab note attach E3 1b3k9 baseline",
        ],
        ["conclude"] = ["lab conclude E3 \"warmup removes the divergence; keep 500 steps\"", "lab conclude E3   # opens $EDITOR"],
        ["morning"] = ["lab morning", "lab morning --since 18:00", "lab morning --md morning.md --html morning.html"],
        ["compare"] = ["lab compare 1b3k9 1b3km", "lab compare --entry E3 --html e3.html", "lab compare baseline warmup --png curves.png"],
        ["queue"] =
        [
            "lab queue add --why \"does warmup help?\" -p lr=3e-4 -- python train.py --lr {lr}",
            "lab queue add --grid lr=1e-3,3e-4 --grid seed=1,2 -- python train.py --lr {lr} --seed {seed}",
            "lab queue add -p aug=true -p warmup=500 --ablate aug=false --ablate warmup=0 -- python train.py --aug {aug} --warmup {warmup}",
            "lab queue start --gpus 0,1 --until 07:30 --detach",
            "lab queue",
        ],
        ["queue add"] =
        [
            "lab queue add --name base --est 2h --timeout 3h --retries 1 -- python train.py",
            "lab queue add --grid lr=0.1,0.01 -p epochs=5 -- python train.py --lr={lr} --epochs={epochs}",
            "lab queue add -p aug=true --ablate aug=false -- ./train.sh {aug}",
        ],
        ["queue start"] =
        [
            "lab queue start -j 2",
            "lab queue start --gpus 0,1,2,3 --at 19:00 --until 07:30 --detach",
            "lab queue start --notify \"notify-send 'queue done'\"",
        ],
        ["rerun"] = ["lab rerun 1b3k9", "lab rerun --entry E12 --failed-only"],
        ["tonight"] = ["lab tonight", "lab tonight --morning 08:30 --gpus 0,1", "lab tonight --json"],
        ["sweep"] =
        [
            "lab sweep --study mlp --space space.yaml --objective val_loss --direction minimize --trials 100 -j 2 -- python train.py --lr {lr} --layers {layers}",
            "lab sweep --study quick -s lr=log:1e-5..1e-1 -s layers=int:1..8 -s act=relu,tanh --objective val_acc --reduce max --direction maximize --trials 20 -- python train.py --lr {lr} --layers {layers} --act {act}",
            "lab sweep --study mlp --space space.yaml --objective val_loss --direction minimize --trials 100 --gpus 0,1 --pruner median --enqueue lr=1e-3,layers=2 --why \"does depth help?\" -- python train.py --lr {lr}",
        ],
        ["ui"] = ["lab ui", "lab ui --port 8080 --open", "lab ui --host 0.0.0.0   # prints a URL with ?token=..."],
        ["study"] = ["lab study ls", "lab study show mlp", "lab study show mlp --plots plots/ --html mlp.html", "lab study export mlp -o mlp.csv", "lab study retry mlp", "lab study rm mlp"],
    };

    public static int Run(string[] args)
    {
        // The version needs no parser: building even the root command loads System.CommandLine's resources.
        if (args is ["--version"])
        {
            Console.Out.WriteLine(Labbook.LabbookInfo.Version);
            return 0;
        }
        // --verbose is lab's own only before "--": after it, it belongs to the command being run.
        var dashes = Array.IndexOf(args, "--");
        var own = dashes < 0 ? args : args[..dashes];
        var verbose = own.Contains("--verbose");
        if (verbose)
        {
            args = [.. own.Where(a => a != "--verbose"), .. dashes < 0 ? [] : args[dashes..]];
        }
        if (args.Length == 0 || args is ["help"])
        {
            Overview.Write(BuildRoot(), Console.Out);
            return 0;
        }
        if (args is ["help", .. var topic])
        {
            args = [.. topic, "--help"];
        }
        var root = BuildRoot(args);
        try
        {
            var parse = root.Parse(args);
            if (parse.Action is HelpWithExamples)
            {
                var help = new StringWriter();
                var rc = parse.Invoke(new InvocationConfiguration { Output = help, EnableDefaultExceptionHandler = false });
                Console.Out.Write(HelpLayout.Tidy(help.ToString(), parse.CommandResult.Command));
                return rc;
            }
            if (UsageErrors.Find(parse, args) is { } problem)
            {
                Terminal.Error($"{problem} (see lab {CommandPath(parse)}--help)");
                return UsageExit;
            }
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return Report(e, verbose);
        }
    }

    /// <summary>The top-level commands by name, built only when needed: building all of them cost every start.</summary>
    private static readonly (string Name, Func<Command> Build)[] Commands =
    [
        ("run", RunCommand.Build),
        ("ls", ListCommand.Build),
        ("show", ShowCommand.Build),
        ("export", ExportCommand.Build),
        ("note", NoteCommand.Build),
        ("conclude", ConcludeCommand.Build),
        ("morning", MorningCommand.Build),
        ("compare", CompareCommand.Build),
        ("queue", QueueCommand.Build),
        ("rerun", RerunCommand.Build),
        ("tonight", TonightCommand.Build),
        ("sweep", SweepCommand.Build),
        ("study", StudyCommand.Build),
        ("rm", HousekeepingCommands.BuildRm),
        ("tag", HousekeepingCommands.BuildTag),
        ("untag", HousekeepingCommands.BuildUntag),
        ("rename", HousekeepingCommands.BuildRename),
        ("ui", UiCommand.Build),
    ];

    /// <summary>
    /// The command tree: all of it, or when the first argument names a command (or is <c>--version</c>) only
    /// that command, so that a start builds no more than it parses.
    /// </summary>
    public static RootCommand BuildRoot(string[]? args = null)
    {
        var first = args is { Length: > 0 } ? args[0] : null;
        var only = first == "--version" || Array.Exists(Commands, c => c.Name == first) ? first : null;
        var root = new RootCommand("Labbook: track runs as plain files, keep a lab notebook, plan the night, search hyperparameters.");
        foreach (var (name, build) in Commands)
        {
            if (only is null || name == only)
            {
                root.Subcommands.Add(build());
            }
        }
        var verbose = new Option<bool>("--verbose") { Description = "Show stack traces of internal errors.", Recursive = true };
        root.Options.Add(verbose);
        foreach (var option in root.Options)
        {
            if (option is HelpOption help && help.Action is HelpAction inner)
            {
                help.Action = new HelpWithExamples(inner);
            }
        }
        return root;
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Insert(0, r.Command.Name);
            }
        }
        return names.Count == 0 ? "" : string.Join(' ', names) + " ";
    }

    private static int Report(Exception e, bool verbose)
    {
        switch (e)
        {
            case UsageException or RunNotFoundException or FormatException or ArgumentException or KeyNotFoundException or OverflowException:
                Terminal.Error(Labbook.Text.ErrorText.Of(e));
                return UsageExit;
            case IOException or UnauthorizedAccessException:
                Terminal.Error(Labbook.Text.ErrorText.Of(e));
                break;
            default:
                Terminal.Error($"internal error: {Labbook.Text.ErrorText.Of(e)}" + (verbose ? "" : " (run with --verbose for details)"));
                break;
        }
        if (verbose)
        {
            Console.Error.WriteLine(e);
        }
        return 1;
    }

    private sealed class HelpWithExamples(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var rc = inner.Invoke(parseResult);
            var command = parseResult.CommandResult.Command;
            // Subcommands are keyed by their path ("study ls"), so they never show the examples of a top-level namesake.
            var key = command is RootCommand ? "lab" : CommandPath(parseResult).TrimEnd();
            if (Examples.TryGetValue(key, out var examples))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }
                output.WriteLine();
            }
            return rc;
        }
    }
}
