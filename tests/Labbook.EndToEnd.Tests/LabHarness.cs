using System.Diagnostics;
using System.Globalization;
using Labbook.Queue;

namespace Labbook.EndToEnd.Tests;

/// <summary>A temporary workspace and the real <c>lab</c> binary (LAB_BIN, else the Debug build of src/Labbook.Cli).</summary>
internal sealed class LabHarness : IDisposable
{
    public LabHarness()
    {
        Root = Path.Combine(Path.GetTempPath(), "lab-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(Root, ".labbook"));
        Binary = FindBinary();
    }

    public string Root { get; }

    public string Binary { get; }

    /// <summary>Extra environment for every lab started.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>LAB_BIN, else the lab built in the configuration these tests were built in (not always Debug).</summary>
    public static string FindBinary() => TempWorkspace.LabBinary;

    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Binary)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = Root;
        psi.Environment["HOME"] = Root;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "200";
        foreach (var (k, v) in Environment)
        {
            psi.Environment[k] = v;
        }
        return Process.Start(psi)!;
    }

    public (int Exit, string Out, string Err) Run(TimeSpan timeout, params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"lab {string.Join(' ', args)} did not end within {timeout}: {stderr.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public (int Exit, string Out, string Err) Run(params string[] args) => Run(TimeSpan.FromSeconds(30), args);

    public (int Exit, string Out, string Err) MustRun(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.Exit == 0, $"lab {string.Join(' ', args)} exited {r.Exit}: {r.Err}");
        return r;
    }

    public QueueState Queue()
    {
        using var j = new QueueJournal(Path.Combine(Root, "queue.jsonl"), Path.Combine(Root, ".labbook", "queue.lock"));
        Assert.Empty(j.Issues);
        return j.State;
    }

    /// <summary>A child command that records its start and end in a ledger and fails loudly when another copy of the same item already runs.</summary>
    public string[] LedgerChild(double seconds) =>
    [
        "sh", "-c",
        "mkdir -p \"$0/locks\"; flock -n -E 99 \"$0/locks/$LAB_QUEUE_ITEM\" sh -c 'echo \"start $LAB_QUEUE_ITEM $(date +%s.%N)\" >> \"$0/ledger\"; sleep $1; echo \"end $LAB_QUEUE_ITEM $(date +%s.%N)\" >> \"$0/ledger\"' \"$0\" \"$1\"; rc=$?; if [ $rc = 99 ]; then echo \"$LAB_QUEUE_ITEM\" >> \"$0/overlaps\"; fi; exit $rc",
        Root, seconds.ToString(CultureInfo.InvariantCulture),
    ];

    public List<(string Kind, string Item, double Time)> Ledger()
    {
        var path = PathOf("ledger");
        if (!File.Exists(path))
        {
            return [];
        }
        return File.ReadAllLines(path).Where(l => l.Split(' ').Length == 3).Select(l => l.Split(' ')).Select(p => (p[0], p[1], double.Parse(p[2], CultureInfo.InvariantCulture))).ToList();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
