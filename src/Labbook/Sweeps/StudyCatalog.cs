using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;
using Labbook.Workspaces;

namespace Labbook.Sweeps;

/// <summary>One study found in a workspace's <c>studies/</c> folder (by <c>lab sweep</c>, the library or Optuna).</summary>
/// <param name="Name">The study name.</param>
/// <param name="JournalPath">The journal file holding it.</param>
/// <param name="Storage">The opened journal.</param>
/// <param name="StudyId">The study's id in that journal.</param>
public sealed record StudyEntry(string Name, string JournalPath, JournalStorage Storage, int StudyId)
{
    /// <summary>The study's direction (the first, for a multi-objective Optuna study).</summary>
    public StudyDirection Direction => Storage.GetStudyDirections(StudyId)[0];

    /// <summary>Whether the study has more than one objective (written by Optuna).</summary>
    public bool IsMultiObjective => Storage.GetStudyDirections(StudyId).Count > 1;

    /// <summary>All trials.</summary>
    public IReadOnlyList<FrozenTrial> Trials => Storage.GetAllTrials(StudyId);

    /// <summary>The best complete trial, or null.</summary>
    public FrozenTrial? Best
    {
        get
        {
            var complete = Trials.Where(t => t.State == TrialState.Complete && t.Value is { } v && !double.IsNaN(v));
            return Direction == StudyDirection.Minimize ? complete.MinBy(t => t.Value) : complete.MaxBy(t => t.Value);
        }
    }

    /// <summary>The latest start or finish of any trial, else the journal's modification time.</summary>
    public DateTime LastActivityUtc
    {
        get
        {
            var times = Trials.SelectMany(t => new[] { t.DatetimeStart, t.DatetimeComplete }).Where(t => t is not null).Select(t => t!.Value).ToList();
            return times.Count > 0 ? times.Max() : File.GetLastWriteTimeUtc(JournalPath);
        }
    }
}

/// <summary>Finds the studies of a workspace. Reading only: opening a journal here writes nothing.</summary>
public static class StudyCatalog
{
    /// <summary>All studies in <c>studies/*.jsonl</c>, by name.</summary>
    public static IReadOnlyList<StudyEntry> List(Workspace workspace, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var result = new List<StudyEntry>();
        if (!Directory.Exists(workspace.StudiesDirectory))
        {
            return result;
        }
        foreach (var file in Directory.EnumerateFiles(workspace.StudiesDirectory, "*.jsonl").Order(StringComparer.Ordinal))
        {
            JournalStorage storage;
            JournalFileBackend? backend = null;
            try
            {
                backend = new JournalFileBackend(file);
                storage = new JournalStorage(backend);
            }
            catch (Exception e) when (e is IOException or FormatException or InvalidOperationException or UnauthorizedAccessException)
            {
                backend?.Dispose();
                // The journal's own errors name the file already ("FILE: line N: ..."); say it once.
                warn?.Invoke(e.Message.StartsWith(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}");
                continue;
            }
            foreach (var name in storage.GetStudyNames())
            {
                if (storage.FindStudy(name) is { } id)
                {
                    result.Add(new StudyEntry(name, file, storage, id));
                }
            }
        }
        return [.. result.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    /// <summary>The study with that name: its own <c>studies/NAME.jsonl</c> first, else any journal holding it.</summary>
    /// <exception cref="KeyNotFoundException">There is none.</exception>
    public static StudyEntry Find(Workspace workspace, string name)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(name);
        if (Names.ValidateFileSafe(name, "study name") is null)
        {
            var own = SweepRunner.JournalPath(workspace, name);
            if (File.Exists(own))
            {
                var storage = new JournalStorage(new JournalFileBackend(own));
                if (storage.FindStudy(name) is { } id)
                {
                    return new StudyEntry(name, own, storage, id);
                }
            }
        }
        return List(workspace).FirstOrDefault(e => e.Name == name)
            ?? throw new KeyNotFoundException($"no study named {Names.Printable(name)} in {workspace.StudiesDirectory}");
    }
}
