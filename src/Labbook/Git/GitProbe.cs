using System.Text;
using Labbook.Processes;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Git;

/// <summary>
/// Finds the code version a run starts on. The commit and branch are read from the <c>.git</c>
/// files directly (no process, so <c>lab run</c> stays fast); whether the tree is dirty, and the
/// diff, come from <c>git</c> itself and are collected while the run is already going.
/// </summary>
public static class GitProbe
{
    /// <summary>The work tree root enclosing <paramref name="directory"/>, or null.</summary>
    public static string? FindWorkTree(string directory)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(directory)); dir is not null; dir = dir.Parent)
        {
            if (Path.Exists(Path.Combine(dir.FullName, ".git")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>Reads HEAD's commit and branch without running git; null outside a repository.</summary>
    public static GitState? ReadHead(string directory)
    {
        var top = FindWorkTree(directory);
        if (top is null)
        {
            return null;
        }
        try
        {
            var gitDir = ResolveGitDir(Path.Combine(top, ".git"));
            var head = File.ReadAllText(Path.Combine(gitDir, "HEAD")).Trim();
            if (!head.StartsWith("ref: ", StringComparison.Ordinal))
            {
                return new GitState { Commit = head };
            }
            var refName = head[5..];
            var branch = refName.StartsWith("refs/heads/", StringComparison.Ordinal) ? refName[11..] : refName;
            var commonDir = CommonDir(gitDir);
            return new GitState { Branch = branch, Commit = ReadRef(gitDir, commonDir, refName) };
        }
        catch (IOException)
        {
            return new GitState();
        }
    }

    /// <summary>The files and folders of a workspace that Labbook itself writes, relative to its root.</summary>
    public static readonly IReadOnlyList<string> WorkspaceOwnFiles = [Workspace.MarkerName, "runs", "studies", "NOTEBOOK.md", "queue.jsonl"];

    /// <summary>The name of the marker that says the <c>.gitignore</c> suggestion was shown once.</summary>
    public const string IgnoreOfferedMarker = "gitignore-offered";

    /// <summary>
    /// Asks git whether the tree is dirty and, when it is, writes <c>git diff HEAD</c> (plus the
    /// names of untracked files) to <paramref name="diffPath"/>. Returns null when git is unavailable.
    /// The workspace's own files (<see cref="WorkspaceOwnFiles"/> under <paramref name="workspaceRoot"/>) are left
    /// out of both: recording a run must not make the next run dirty.
    /// </summary>
    public static bool? CaptureDirtyState(string directory, string diffPath, string? workspaceRoot = null)
    {
        var top = FindWorkTree(directory);
        if (top is null || ChildProcess.ResolveOnPath("git") is null)
        {
            return null;
        }
        string[] scope = ["--", ".", .. Excludes(top, workspaceRoot)];
        var status = RunGit(top, ["status", "--porcelain", "--untracked-files=normal", .. scope]);
        if (status is null)
        {
            return null;
        }
        if (status.Length == 0)
        {
            return false;
        }
        var diff = RunGit(top, ["diff", "HEAD", "--no-color", "--no-ext-diff", .. scope]) ?? "";
        var untracked = string.Join('\n', status.Split('\n').Where(l => l.StartsWith("?? ", StringComparison.Ordinal)).Select(l => "# untracked: " + l[3..]));
        File.WriteAllText(diffPath, untracked.Length > 0 ? untracked + "\n" + diff : diff);
        return true;
    }

    /// <summary>
    /// The suggestion to keep a workspace's runs and state out of git, the first time a workspace inside a git
    /// work tree asks (a marker in the workspace's state folder makes it once); null when there is nothing to
    /// suggest: outside git, already shown, or a <c>.gitignore</c> already names <c>runs/</c>.
    /// </summary>
    public static string? IgnoreSuggestion(Workspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        // The marker first: after the first run in a repository it is one stat, with no walk up the folders.
        var marker = Path.Combine(workspace.StateDirectory, IgnoreOfferedMarker);
        if (File.Exists(marker) || !Directory.Exists(workspace.StateDirectory) || FindWorkTree(workspace.Root) is not { } top)
        {
            return null;
        }
        try
        {
            File.WriteAllText(marker, "lab showed the .gitignore suggestion once\n");
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var ignore in new[] { Path.Combine(workspace.Root, ".gitignore"), Path.Combine(top, ".gitignore") }.Distinct())
        {
            if (File.Exists(ignore) && File.ReadLines(ignore).Any(l => l.Trim().TrimStart('/') is "runs/" or "runs"))
            {
                return null;
            }
        }
        var prefix = Path.GetRelativePath(top, workspace.Root) is "." ? "" : Path.GetRelativePath(top, workspace.Root).Replace('\\', '/') + "/";
        var ignoreFile = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(top, ".gitignore"));
        return $"tip: this is a git repository; lab leaves its own files out of a run's dirty check, and adding '{prefix}runs/' and '{prefix}.labbook/' to {ignoreFile} keeps them out of commits too";
    }

    private static IEnumerable<string> Excludes(string top, string? workspaceRoot)
    {
        if (workspaceRoot is null)
        {
            yield break;
        }
        var relative = Path.GetRelativePath(top, Path.GetFullPath(workspaceRoot));
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            yield break;
        }
        foreach (var own in WorkspaceOwnFiles)
        {
            yield return ":(exclude)" + (relative == "." ? own : relative.Replace('\\', '/') + "/" + own);
        }
    }

    private static string? RunGit(string workTree, params string[] args)
    {
        try
        {
            using var child = ChildProcess.Start(new ChildStartInfo
            {
                Argv = ["git", "-C", workTree, .. args],
                NullStdin = true,
                Environment = new Dictionary<string, string?> { ["GIT_OPTIONAL_LOCKS"] = "0", ["LC_ALL"] = "C" },
            });
            using var reader = new StreamReader(child.Output!, Encoding.UTF8);
            var text = reader.ReadToEnd();
            var (code, _) = child.WaitForExit();
            return code == 0 ? text.TrimEnd('\n') : null;
        }
        catch (ChildStartException)
        {
            return null;
        }
    }

    private static string ResolveGitDir(string dotGit)
    {
        if (Directory.Exists(dotGit))
        {
            return dotGit;
        }
        // A worktree or submodule: ".git" is a file "gitdir: <path>".
        var text = File.ReadAllText(dotGit).Trim();
        var path = text.StartsWith("gitdir: ", StringComparison.Ordinal) ? text[8..] : text;
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(dotGit)!, path));
    }

    private static string CommonDir(string gitDir)
    {
        var file = Path.Combine(gitDir, "commondir");
        if (!File.Exists(file))
        {
            return gitDir;
        }
        var rel = File.ReadAllText(file).Trim();
        return Path.IsPathRooted(rel) ? rel : Path.GetFullPath(Path.Combine(gitDir, rel));
    }

    private static string? ReadRef(string gitDir, string commonDir, string refName)
    {
        foreach (var dir in new[] { gitDir, commonDir })
        {
            var loose = Path.Combine(dir, refName);
            if (File.Exists(loose))
            {
                return File.ReadAllText(loose).Trim();
            }
        }
        var packed = Path.Combine(commonDir, "packed-refs");
        if (File.Exists(packed))
        {
            foreach (var line in File.ReadLines(packed))
            {
                if (line.EndsWith(" " + refName, StringComparison.Ordinal))
                {
                    return line[..line.IndexOf(' ', StringComparison.Ordinal)];
                }
            }
        }
        return null; // an unborn branch: no commit yet
    }
}
