namespace Labbook.Ui;

/// <summary>Resolves a file a page asks for inside one run's folder, and refuses anything that could leave it.</summary>
internal static class SafeFiles
{
    /// <summary>
    /// The full path of <paramref name="relative"/> inside <paramref name="runDirectory"/>, or null when it
    /// is empty, absolute, has a <c>..</c>, <c>.</c> or empty segment, a backslash or a control
    /// character, does not name an existing regular file, or passes through a symbolic link anywhere
    /// (the run folder itself included), so no link can lead outside the run.
    /// </summary>
    public static string? Resolve(string runDirectory, string relative)
    {
        if (relative.Length == 0 || relative.Length > 1024 || relative[0] == '/' || relative.Contains('\\', StringComparison.Ordinal) || relative.Any(char.IsControl))
        {
            return null;
        }
        var segments = relative.Split('/');
        if (segments.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            return null;
        }
        var root = Path.GetFullPath(runDirectory);
        if (new DirectoryInfo(root).LinkTarget is not null)
        {
            return null;
        }
        var current = root;
        foreach (var segment in segments)
        {
            current = Path.Combine(current, segment);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                return null;
            }
        }
        var full = Path.GetFullPath(current);
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }
        return full;
    }
}
