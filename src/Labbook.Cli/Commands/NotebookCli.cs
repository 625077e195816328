using System.Diagnostics;
using System.Globalization;
using Labbook.Notebook;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Sweeps;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary>What the notebook commands share: the clock, the editor, entry lookups.</summary>
internal static class NotebookCli
{
    /// <summary>
    /// Now, in UTC. <c>LAB_NOW</c> (an ISO time, e.g. 2026-11-28T07:30:00Z) replaces the clock so
    /// that reports can be reproduced and tested.
    /// </summary>
    public static DateTime UtcNow()
    {
        var text = Environment.GetEnvironmentVariable("LAB_NOW");
        if (string.IsNullOrEmpty(text))
        {
            return DateTime.UtcNow;
        }
        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? t
            : throw new UsageException($"LAB_NOW: cannot read '{text}' as a time (e.g. 2026-11-28T07:30:00Z)");
    }

    /// <summary>The local time zone for display.</summary>
    public static TimeZoneInfo Zone => TimeZoneInfo.Local;

    /// <summary>Reads the notebook, or explains in one line what is wrong with it.</summary>
    public static NotebookEntry RequireEntry(NotebookDocument doc, string id) =>
        doc.Find(id) ?? throw new UsageException($"no notebook entry {Names.Printable(NotebookDocument.NormalizeId(id))} in {doc.Path}" +
            (doc.Entries.Count > 0 ? $" (entries: {string.Join(", ", doc.Entries.TakeLast(5).Select(e => e.Id))})" : " (it has no entries yet: lab note \"title\")"));

    /// <summary>Refuses text with control characters (other than newlines) for notebook fields.</summary>
    public static string? CheckText(string? text, string what)
    {
        if (text is null)
        {
            return null;
        }
        if (text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            throw new UsageException($"{what}: {Names.Printable(text)} contains a control character");
        }
        return text.Trim();
    }

    /// <summary>
    /// Opens <c>$EDITOR</c> (else <c>$VISUAL</c>, else vi) on a temporary file holding
    /// <paramref name="initial"/> and returns what was saved.
    /// </summary>
    public static string Edit(Workspace workspace, string initial, string suffix)
    {
        var editor = Environment.GetEnvironmentVariable("EDITOR");
        if (string.IsNullOrWhiteSpace(editor))
        {
            editor = Environment.GetEnvironmentVariable("VISUAL");
        }
        if (string.IsNullOrWhiteSpace(editor))
        {
            editor = "vi";
        }
        workspace.EnsureCreated();
        var path = Path.Combine(workspace.StateDirectory, $"edit-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}{suffix}");
        File.WriteAllText(path, initial);
        try
        {
            // $EDITOR may carry arguments ("code -w"): the shell splits it; the file is passed as "$1".
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(editor + " \"$1\"");
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add(path);
            using var process = Process.Start(start) ?? throw new IOException($"cannot start the editor {editor}");
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new UsageException($"the editor ({editor}) exited with code {process.ExitCode}; nothing changed");
            }
            return File.ReadAllText(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Runs of the workspace by id, for entry lookups.</summary>
    public static Dictionary<string, RunInfo> ById(IEnumerable<RunInfo> runs)
    {
        var map = new Dictionary<string, RunInfo>(StringComparer.Ordinal);
        foreach (var r in runs)
        {
            map[r.Id] = r;
        }
        return map;
    }

    /// <summary>Finds a run for <c>run:NAME</c> in predictions: id, name, or unique id prefix.</summary>
    public static Func<string, RunInfo?> Finder(IReadOnlyList<RunInfo> runs)
    {
        var byId = ById(runs);
        return query =>
        {
            if (byId.TryGetValue(query, out var r))
            {
                return r;
            }
            var named = runs.LastOrDefault(x => string.Equals(x.Record.Name, query, StringComparison.Ordinal));
            if (named is not null)
            {
                return named;
            }
            var prefixed = runs.Where(x => x.Id.StartsWith(query, StringComparison.Ordinal)).Take(2).ToList();
            return prefixed.Count == 1 ? prefixed[0] : null;
        };
    }

    /// <summary>The one-line nudge printed when work is launched with no why and no entry: the same for runs, queue items and sweeps.</summary>
    public const string NudgeLine = "lab: tip: no --why and no notebook entry; `lab note \"question\"` records what this tests for the morning report (silence with \"nudge\": false in .labbook/settings.json)";

    /// <summary>
    /// Picks the entry new work (a run, queue items, a sweep) belongs to (the explicit one, else the
    /// current one unless <paramref name="noEntry"/>), prints the nudge when there is neither an
    /// entry nor a why, and returns the entry id or null.
    /// </summary>
    public static string? EntryForRun(Workspace workspace, string? explicitEntry, bool noEntry, string? why)
    {
        if (noEntry && explicitEntry is not null)
        {
            throw new UsageException("give --entry or --no-entry, not both");
        }
        var store = new NotebookStore(workspace);
        string? entry = null;
        if (!noEntry && explicitEntry is not null)
        {
            var doc = store.Read();
            entry = RequireEntry(doc, explicitEntry).Id;
        }
        else if (!noEntry && store.Current() is { } current)
        {
            try
            {
                entry = store.Read().Find(current)?.Id;
                if (entry is null)
                {
                    Terminal.Warn($"the current entry {current} is no longer in {store.Path}; nothing is attached to it (lab note use E..)");
                }
            }
            catch (FormatException e)
            {
                // A broken notebook must not stop a run: the run still names its entry in run.json.
                entry = current;
                Terminal.Warn(e.Message);
            }
        }
        if (entry is null && !noEntry && string.IsNullOrWhiteSpace(why) && Nudge(store))
        {
            Console.Error.WriteLine(NudgeLine);
        }
        return entry;
    }

    private static bool Nudge(NotebookStore store)
    {
        try
        {
            return store.Setting("nudge", true);
        }
        catch (FormatException e)
        {
            // A broken settings file is reported, never a reason to refuse a run.
            Terminal.Warn(e.Message);
            return true;
        }
    }

    /// <summary>Lists a new run in its entry's attached block; a notebook problem is a warning, never a failed run.</summary>
    public static void ListRunInEntry(Workspace workspace, string entry, string runId) =>
        ListInEntry(workspace, entry, [new Attachment(AttachmentKind.Run, runId)]);

    /// <summary>
    /// Lists new work (runs, queue items, a study) in its entry's attached block. The work already
    /// names the entry in its own record, so a notebook problem is a warning, never a failure.
    /// </summary>
    public static void ListInEntry(Workspace workspace, string entry, IReadOnlyList<Attachment> items)
    {
        try
        {
            new NotebookStore(workspace).Attach(entry, items);
        }
        catch (Exception e) when (e is FormatException or IOException or KeyNotFoundException)
        {
            var what = string.Join(", ", items.Select(a => $"{a.Kind.ToString().ToLowerInvariant()} {a.Id}"));
            Terminal.Warn($"{what} names entry {entry} but could not be listed in the notebook: {e.Message}");
        }
    }

    /// <summary>The queue's items for the notebook (none when there is no queue). Reads only.</summary>
    public static List<QueuedWork> QueueWork(Workspace workspace, DateTime utcNow)
    {
        if (!File.Exists(workspace.QueuePath))
        {
            return [];
        }
        using var journal = QueueShared.Open(workspace);
        var state = journal.State;
        return [.. state.Ordered.Select(v => new QueuedWork(
            v.Id,
            v.Item.Entry,
            v.Item.Name ?? QueueShared.Command(v.Item),
            v.State == ItemState.Pending && !state.IsOrphaned(v, utcNow) ? "pending" : QueueShared.StateText(state, v, utcNow),
            v.Lease?.Run ?? v.Runs.LastOrDefault()))];
    }

    /// <summary>Reads a study of the workspace by name for the notebook; null when there is none or it cannot be read.</summary>
    public static Func<string, StudyWork?> StudyReader(Workspace workspace) => name =>
    {
        try
        {
            var s = StudyCatalog.Find(workspace, name);
            return new StudyWork(s.Name, s.Direction, s.Trials);
        }
        catch (Exception e) when (e is KeyNotFoundException or IOException or FormatException or InvalidOperationException or UnauthorizedAccessException)
        {
            Terminal.Warn($"study {Names.Printable(name)}: {e.Message}");
            return null;
        }
    };
}
