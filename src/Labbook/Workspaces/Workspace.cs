namespace Labbook.Workspaces;

/// <summary>
/// A folder of plain files holding runs, studies, the queue and the notebook. It is marked by a
/// <c>.labbook/</c> folder at its root and found like git finds a repository: by walking up from
/// the current folder. <c>LAB_WORKSPACE</c> overrides the search.
/// </summary>
public sealed class Workspace
{
    /// <summary>The name of the folder that marks a workspace root.</summary>
    public const string MarkerName = ".labbook";

    /// <summary>The environment variable that names the workspace root explicitly.</summary>
    public const string EnvironmentVariable = "LAB_WORKSPACE";

    private Workspace(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>The workspace root folder.</summary>
    public string Root { get; }

    /// <summary>The marker folder, which also holds Labbook's own state (settings, locks).</summary>
    public string StateDirectory => Path.Combine(Root, MarkerName);

    /// <summary>Where run folders live.</summary>
    public string RunsDirectory => Path.Combine(Root, "runs");

    /// <summary>Where study journals live.</summary>
    public string StudiesDirectory => Path.Combine(Root, "studies");

    /// <summary>The lab notebook.</summary>
    public string NotebookPath => Path.Combine(Root, "NOTEBOOK.md");

    /// <summary>The queue's journal.</summary>
    public string QueuePath => Path.Combine(Root, "queue.jsonl");

    /// <summary>The lock file writers of the queue journal flock.</summary>
    public string QueueLockPath => Path.Combine(StateDirectory, "queue.lock");

    /// <summary>Opens the queue journal with its lock file.</summary>
    public Queue.QueueJournal OpenQueue(Func<DateTime>? utcNow = null) => new(QueuePath, QueueLockPath, utcNow);

    /// <summary>The folder of one run.</summary>
    public string RunDirectory(string runId) => Path.Combine(RunsDirectory, runId);

    /// <summary>
    /// Finds the workspace for <paramref name="startDirectory"/> without creating anything:
    /// <c>LAB_WORKSPACE</c> when set, else the nearest ancestor with a marker folder.
    /// </summary>
    /// <returns>The workspace, or null when there is none yet.</returns>
    public static Workspace? Find(string startDirectory, string? environmentOverride = null)
    {
        if (!string.IsNullOrEmpty(environmentOverride))
        {
            return new Workspace(environmentOverride);
        }
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, MarkerName)))
            {
                return new Workspace(dir.FullName);
            }
        }
        return null;
    }

    /// <summary>
    /// Finds the workspace, or creates one on first use: at the top of the enclosing git work tree
    /// when there is one (so a run started from a sub-folder of a project lands in the project's
    /// workspace), else in <paramref name="startDirectory"/>.
    /// </summary>
    public static Workspace FindOrCreate(string startDirectory, string? environmentOverride = null)
    {
        var found = Find(startDirectory, environmentOverride);
        var workspace = found ?? new Workspace(GitTopLevel(startDirectory) ?? startDirectory);
        workspace.EnsureCreated();
        return workspace;
    }

    /// <summary>Opens the workspace named by <c>LAB_WORKSPACE</c> or found from the current folder; creates it when missing.</summary>
    public static Workspace FromEnvironment(bool create)
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        var cwd = Directory.GetCurrentDirectory();
        if (create)
        {
            return FindOrCreate(cwd, env);
        }
        return Find(cwd, env) ?? new Workspace(GitTopLevel(cwd) ?? cwd);
    }

    /// <summary>Whether the marker folder exists (a reader never creates it).</summary>
    public bool Exists => Directory.Exists(StateDirectory);

    /// <summary>Creates the marker and the runs folder when missing.</summary>
    public void EnsureCreated()
    {
        Directory.CreateDirectory(StateDirectory);
        Directory.CreateDirectory(RunsDirectory);
    }

    private static string? GitTopLevel(string startDirectory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(startDirectory)); dir is not null; dir = dir.Parent)
        {
            if (Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
