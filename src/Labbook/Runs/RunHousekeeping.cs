using Labbook.Json;
using Labbook.Workspaces;

namespace Labbook.Runs;

/// <summary>A housekeeping request that cannot be done as asked (a running run, a name clash); the message says why.</summary>
public sealed class RunHousekeepingException(string message) : ArgumentException(message);

/// <summary>
/// Removing, restoring, tagging and renaming runs. A removed run moves, whole, into the workspace's trash
/// (<c>.labbook/trash/&lt;id&gt;</c>) and can be moved back; only a purge deletes. Notebook entries and studies keep
/// naming the run's id (<see cref="IsRemoved"/> tells a reader to show it as removed). run.json is rewritten through
/// the same atomic write-then-rename as every other writer, so a cache validating by modification time sees the change.
/// A run still running is refused: its recorder rewrites run.json and would undo the change.
/// </summary>
public sealed class RunHousekeeping
{
    /// <summary>The trash folder's name inside the workspace's state folder.</summary>
    public const string TrashFolderName = "trash";

    private readonly RunStore _store;

    /// <summary>Works on the runs of a store.</summary>
    public RunHousekeeping(RunStore store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
    }

    /// <summary>Where removed runs wait.</summary>
    public string TrashDirectory => Path.Combine(_store.Workspace.StateDirectory, TrashFolderName);

    /// <summary>Whether a run with this id is in the trash.</summary>
    public bool IsRemoved(string id) => RunId.IsWellFormed(id) && File.Exists(Path.Combine(TrashDirectory, id, RunFiles.Record));

    /// <summary>Moves a run (by id) into the trash; returns its record.</summary>
    public RunRecord Remove(string id)
    {
        var record = Editable(id, "remove");
        Directory.CreateDirectory(TrashDirectory);
        var target = Path.Combine(TrashDirectory, id);
        if (Directory.Exists(target))
        {
            throw new RunHousekeepingException($"cannot remove run {id}: {target} exists (lab rm --purge {id} deletes the trashed copy)");
        }
        Directory.Move(_store.Workspace.RunDirectory(id), target);
        return record;
    }

    /// <summary>The runs in the trash, oldest first.</summary>
    public IReadOnlyList<RunRecord> Trashed()
    {
        if (!Directory.Exists(TrashDirectory))
        {
            return [];
        }
        var records = new List<RunRecord>();
        foreach (var dir in Directory.EnumerateDirectories(TrashDirectory).Order(StringComparer.Ordinal))
        {
            var path = Path.Combine(dir, RunFiles.Record);
            if (RunId.IsWellFormed(Path.GetFileName(dir)) && File.Exists(path))
            {
                try
                {
                    records.Add(LabJson.Read(path, LabJsonContext.Default.RunRecord));
                }
                catch (FormatException)
                {
                    records.Add(new RunRecord { Id = Path.GetFileName(dir) });
                }
            }
        }
        return records;
    }

    /// <summary>Selects a trashed run by id, unique id prefix, or name (the most recent of that name).</summary>
    public string ResolveTrashed(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var trashed = Trashed();
        if (trashed.FirstOrDefault(r => r.Id == query) is { } exact)
        {
            return exact.Id;
        }
        var byPrefix = query.Length > 0 ? trashed.Where(r => r.Id.StartsWith(query, StringComparison.Ordinal)).ToList() : [];
        if (byPrefix.Count == 1)
        {
            return byPrefix[0].Id;
        }
        if (byPrefix.Count > 1)
        {
            throw new RunNotFoundException($"run prefix '{Names.Escape(query)}' is ambiguous in the trash: {string.Join(", ", byPrefix.Take(10).Select(r => r.Id))}");
        }
        if (trashed.LastOrDefault(r => string.Equals(r.Name, query, StringComparison.Ordinal)) is { } named)
        {
            return named.Id;
        }
        var known = trashed.Count == 0 ? "the trash is empty" : "in the trash: " + string.Join(", ", trashed.TakeLast(10).Select(r => r.Name is null ? r.Id : $"{r.Id} ({Names.Escape(r.Name)})"));
        throw new RunNotFoundException($"no removed run with id, id prefix or name {Names.Printable(query)}; {known}");
    }

    /// <summary>Moves a trashed run (by id) back into <c>runs/</c>; returns its record.</summary>
    public RunRecord Restore(string id)
    {
        var source = Path.Combine(TrashDirectory, id);
        if (!IsRemoved(id))
        {
            throw new RunNotFoundException($"run {Names.Printable(id)} is not in the trash");
        }
        var target = _store.Workspace.RunDirectory(id);
        if (Directory.Exists(target))
        {
            throw new RunHousekeepingException($"cannot restore run {id}: {target} exists");
        }
        Directory.CreateDirectory(_store.Workspace.RunsDirectory);
        Directory.Move(source, target);
        return LabJson.Read(Path.Combine(target, RunFiles.Record), LabJsonContext.Default.RunRecord);
    }

    /// <summary>Deletes a run for good, from <c>runs/</c> (when it is not running) or from the trash.</summary>
    public void Purge(string id)
    {
        if (IsRemoved(id))
        {
            Directory.Delete(Path.Combine(TrashDirectory, id), recursive: true);
            return;
        }
        Editable(id, "purge");
        Directory.Delete(_store.Workspace.RunDirectory(id), recursive: true);
    }

    /// <summary>Adds tags (those it has already are kept once); returns the record as written.</summary>
    public RunRecord Tag(string id, IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var list = tags.ToList();
        foreach (var tag in list)
        {
            if (Names.Validate(tag, "tag") is { } problem)
            {
                throw new RunHousekeepingException(problem);
            }
        }
        return Edit(id, "tag", r => r.Tags = [.. r.Tags.Concat(list).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>Removes tags; a tag the run does not have is an error that names the run's tags.</summary>
    public RunRecord Untag(string id, IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var list = tags.ToList();
        return Edit(id, "untag", r =>
        {
            foreach (var tag in list.Where(t => !r.Tags.Contains(t, StringComparer.Ordinal)))
            {
                var has = r.Tags.Count == 0 ? "it has no tags" : "its tags: " + string.Join(", ", r.Tags.Select(Names.Escape));
                throw new RunHousekeepingException($"run {id} has no tag {Names.Printable(tag)}; {has}");
            }
            r.Tags = [.. r.Tags.Where(t => !list.Contains(t, StringComparer.Ordinal))];
        });
    }

    /// <summary>Gives a run a new name (null or empty clears it); returns the record as written.</summary>
    public RunRecord Rename(string id, string? name)
    {
        if (!string.IsNullOrEmpty(name) && Names.Validate(name, "run name") is { } problem)
        {
            throw new RunHousekeepingException(problem);
        }
        return Edit(id, "rename", r => r.Name = string.IsNullOrEmpty(name) ? null : name);
    }

    private RunRecord Edit(string id, string verb, Action<RunRecord> change)
    {
        var record = Editable(id, verb);
        change(record);
        RunStore.WriteRecord(_store.Workspace.RunDirectory(id), record);
        return record;
    }

    /// <summary>The run's record, when the run exists and has stopped.</summary>
    private RunRecord Editable(string id, string verb)
    {
        var run = _store.Load(id, withSummary: false) ?? throw new RunNotFoundException($"run {Names.Printable(id)} has no run.json");
        if (run.Status is RunStatus.Running or RunStatus.Queued)
        {
            throw new RunHousekeepingException($"run {id} is still {run.Status.ToText()}; {verb} it once it has ended (or stop it first)");
        }
        return run.Record;
    }
}
