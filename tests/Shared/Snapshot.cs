using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Labbook.Testing;

/// <summary>
/// A small snapshot helper: compares text with <c>Snapshots/NAME.txt</c> beside the calling test
/// file. On a mismatch the received text goes to a temp file named in the failure. Setting
/// <c>LAB_UPDATE_SNAPSHOTS=1</c> writes the expected file instead (a deliberate developer action).
/// </summary>
internal static class Snapshot
{
    public static void Match(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var dir = Path.Combine(Path.GetDirectoryName(SourcePath(callerFile))!, "Snapshots");
        var expectedPath = Path.Combine(dir, name + ".txt");
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("LAB_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(expectedPath, actual, new UTF8Encoding(false));
            return;
        }
        var expected = File.Exists(expectedPath) ? File.ReadAllText(expectedPath).Replace("\r\n", "\n", StringComparison.Ordinal) : null;
        if (expected == actual)
        {
            return;
        }
        var received = Path.Combine(Path.GetTempPath(), $"snapshot-{name}.received.txt");
        File.WriteAllText(received, actual, new UTF8Encoding(false));
        var message = expected is null
            ? $"no snapshot {expectedPath}; received text is in {received} (LAB_UPDATE_SNAPSHOTS=1 records it)"
            : $"snapshot {name} differs at line {FirstDifference(expected, actual)}; received text is in {received}\n--- expected\n{expected}\n--- received\n{actual}";
        throw new Xunit.Sdk.XunitException(message);
    }

    /// <summary>
    /// The caller's source path on this machine. Deterministic CI builds map source paths to
    /// <c>/_/</c>; the repository root is then found from the test assembly's folder.
    /// </summary>
    private static string SourcePath(string callerFile)
    {
        const string mapped = "/_/";
        if (!callerFile.StartsWith(mapped, StringComparison.Ordinal))
        {
            return callerFile;
        }
        var repo = new DirectoryInfo(AppContext.BaseDirectory);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "Labbook.slnx")))
        {
            repo = repo.Parent;
        }
        return repo is null ? callerFile : Path.Combine(repo.FullName, callerFile[mapped.Length..]);
    }

    /// <summary>Replaces each distinct match of <paramref name="pattern"/> by <c>&lt;label1&gt;</c>, <c>&lt;label2&gt;</c>... in order of appearance.</summary>
    public static string Scrub(string text, string pattern, string label)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        return Regex.Replace(text, pattern, m =>
        {
            if (!seen.TryGetValue(m.Value, out var name))
            {
                name = $"<{label}{seen.Count + 1}>";
                seen[m.Value] = name;
            }
            return name;
        });
    }

    private static int FirstDifference(string a, string b)
    {
        var la = a.Split('\n');
        var lb = b.Split('\n');
        for (var i = 0; i < Math.Min(la.Length, lb.Length); i++)
        {
            if (la[i] != lb[i])
            {
                return i + 1;
            }
        }
        return Math.Min(la.Length, lb.Length) + 1;
    }
}
