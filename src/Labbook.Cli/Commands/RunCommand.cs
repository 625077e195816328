using System.CommandLine;
using System.Runtime.InteropServices;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab run</c>: track any command.</summary>
internal static class RunCommand
{
    public static Command Build()
    {
        var name = new Option<string?>("--name", "-n") { Description = "A name for the run (several runs may share one)." };
        var why = new Option<string?>("--why", "-w") { Description = "The question this run answers; shown next to its results." };
        var param = new Option<string[]>("--param", "-p") { Description = "A parameter key=value (repeatable); passed to the child in LAB_PARAMS.", AllowMultipleArgumentsPerToken = false };
        var tag = new Option<string[]>("--tag", "-t") { Description = "A tag (repeatable), e.g. baseline." };
        var timeout = new Option<string?>("--timeout") { Description = "Stop the run after this long (e.g. 90m, 3h): SIGTERM to its process group, then SIGKILL after the kill grace." };
        var grace = new Option<string?>("--kill-grace") { Description = "Time between SIGTERM and SIGKILL when stopping the run (default 10s)." };
        var killLeftovers = new Option<bool>("--kill-leftovers") { Description = "When the command ends, stop the background processes it left running in its process group (default: only report them)." };
        var entry = new Option<string?>("--entry") { Description = "Attach the run to this notebook entry (default: the current entry)." };
        var noEntry = new Option<bool>("--no-entry") { Description = "Attach the run to no notebook entry." };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("run", "Run a command and record it: output, metrics, parameters, code version, exit status.")
        {
            name, why, param, tag, timeout, grace, killLeftovers, entry, noEntry, command,
        };
        cmd.SetAction(parse =>
        {
            var argv = parse.GetValue(command) ?? [];
            var runName = parse.GetValue(name);
            if (runName is not null && Names.Validate(runName, "run name") is { } problem)
            {
                throw new UsageException($"--name: {problem}");
            }
            TimeSpan? limit = null;
            if (parse.GetValue(timeout) is { } t)
            {
                limit = Durations.Parse(t, "--timeout");
            }
            var killGrace = parse.GetValue(grace) is { } kg ? QueueShared.ParseDuration(kg, "--kill-grace") : RunRequest.DefaultKillGrace;
            var tags = parse.GetValue(tag) ?? [];
            foreach (var tg in tags)
            {
                if (Names.Validate(tg, "tag") is { } bad)
                {
                    throw new UsageException($"--tag: {bad}");
                }
            }
            return Execute(argv, runName, parse.GetValue(why), ParamParsing.Parse(parse.GetValue(param)), tags, (limit, killGrace, parse.GetValue(killLeftovers)), (parse.GetValue(entry), parse.GetValue(noEntry)));
        });
        return cmd;
    }

    private static int Execute(string[] argv, string? name, string? why, Dictionary<string, System.Text.Json.Nodes.JsonNode?> parameters, string[] tags, (TimeSpan? Limit, TimeSpan Grace, bool KillLeftovers) stopping, (string? Entry, bool None) notebook)
    {
        var workspace = Workspace.FromEnvironment(create: true);
        var entry = NotebookCli.EntryForRun(workspace, notebook.Entry, notebook.None, why);
        using var stdout = Console.OpenStandardOutput();
        var interactive = Terminal.StdinIsTerminal;
        var handle = RunLauncher.Start(new RunRequest
        {
            Workspace = workspace,
            Argv = argv,
            Name = name,
            Why = why,
            Params = parameters,
            Tags = tags,
            Entry = entry,
            Echo = stdout,
            Interactive = interactive,
            Timeout = stopping.Limit,
            KillGrace = stopping.Grace,
            KillLeftovers = stopping.KillLeftovers,
            Warn = Terminal.Warn,
        });
        if (entry is not null)
        {
            NotebookCli.ListRunInEntry(workspace, entry, handle.Id);
        }
        // Ctrl-C reaches an interactive child directly (same process group): lab only notes it and waits.
        // SIGTERM and SIGHUP are sent to lab alone, so they are always passed on.
        (PosixSignal Signal, int Number, bool Deliver)[] forwarded =
        [
            (PosixSignal.SIGINT, 2, !interactive),
            (PosixSignal.SIGQUIT, 3, !interactive),
            (PosixSignal.SIGTERM, 15, true),
            (PosixSignal.SIGHUP, 1, true),
        ];
        var registrations = forwarded.Select(f => PosixSignalRegistration.Create(f.Signal, c =>
        {
            c.Cancel = true;
            handle.Forward(f.Number, f.Deliver);
        })).ToList();
        try
        {
            return Finish(workspace, handle);
        }
        finally
        {
            registrations.ForEach(r => r.Dispose());
        }
    }

    private static int Finish(Workspace workspace, RunHandle handle)
    {
        var outcome = handle.Completion.GetAwaiter().GetResult();
        if (outcome.Status == RunStatus.Failed && outcome.ExitCode == 127 && outcome.Reason is { } reason && handle.ChildPid is null)
        {
            Terminal.Error($"{reason} (recorded as failed run {outcome.Id})");
            return 127;
        }
        if (outcome.Leftovers.Count > 0)
        {
            var pids = string.Join(", ", outcome.Leftovers.Take(10));
            Terminal.Note(outcome.LeftoversStopped
                ? $"run {outcome.Id}: stopped {outcome.Leftovers.Count} background process(es) the command left running (pid {pids})"
                : $"run {outcome.Id}: the command left {outcome.Leftovers.Count} background process(es) running (pid {pids}); `lab run --kill-leftovers` stops them when the command ends");
        }
        if (outcome.Status != RunStatus.Completed)
        {
            Terminal.Note($"run {outcome.Id} {outcome.Status.ToText()}{(outcome.Reason is { } r ? ": " + r : "")}");
        }
        // What was recorded and where to look next, after the child's own output.
        var folder = Path.GetRelativePath(Directory.GetCurrentDirectory(), workspace.RunDirectory(outcome.Id));
        Terminal.Note($"recorded run {outcome.Id} ({outcome.Status.ToText()}) in {folder}{Path.DirectorySeparatorChar}; see lab show {outcome.Id}");
        if (Labbook.Git.GitProbe.IgnoreSuggestion(workspace) is { } tip)
        {
            Terminal.Note(tip);
        }
        return outcome.ShellExitCode;
    }
}
