using System.Diagnostics;
using System.Text.Json;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// A <see cref="TempWorkspace"/> set up for notebook and report tests: TZ=UTC, a wide terminal,
/// no $EDITOR and the real clock, so the text the commands print is stable.
/// </summary>
internal sealed class NotebookWorkspace : IDisposable
{
    private static readonly Dictionary<string, string?> Env = new()
    {
        ["TZ"] = "UTC",
        ["COLUMNS"] = "200",
        ["EDITOR"] = null,
        ["VISUAL"] = null,
        ["LAB_NOW"] = null,
    };

    private readonly TempWorkspace _inner = new();

    public string Root => _inner.Root;

    public string NotebookPath => Path.Combine(Root, "NOTEBOOK.md");

    public LabResult Lab(params string[] args) => _inner.Lab(args, Env);

    public LabResult Lab(string[] args, TimeSpan timeout) => _inner.Lab(args, Env, timeout);

    public Process Start(string[] args) => _inner.Start(args, Env);

    /// <summary>The runs' run.json documents, oldest first.</summary>
    public List<JsonElement> Runs() =>
        [.. _inner.RunIds()
            .Select(id => Path.Combine(_inner.RunsDirectory, id, "run.json"))
            .Where(File.Exists)
            .Select(p => JsonDocument.Parse(File.ReadAllText(p)).RootElement.Clone())];

    /// <summary>
    /// Waits until <paramref name="lab"/> has a child process named <paramref name="comm"/> (run.json
    /// records the child's pid only at the end, so /proc is asked) and returns its pid.
    /// </summary>
    public static int WaitForChild(Process lab, string comm)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var open = stat.IndexOf('(', StringComparison.Ordinal);
                    var close = stat.LastIndexOf(')');
                    var fields = stat[(close + 2)..].Split(' ');
                    if (stat[(open + 1)..close] == comm && int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == lab.Id)
                    {
                        return pid;
                    }
                }
                catch (IOException)
                {
                    // The process ended while we looked.
                }
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"lab (pid {lab.Id}) never started a {comm} child");
    }

    public void Dispose() => _inner.Dispose();
}
