using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// A test that submits real jobs to a running Slurm (scripts/start-local-slurm.sh starts one).
/// Skipped with a clear message when none answers, unless CI is "true" or LAB_SLURM_TESTS is 1:
/// there it runs (and fails).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (!SlurmSupport.Required && SlurmSupport.WhyNoSlurm is { } why)
        {
            Skip = $"needs a running Slurm: {why}. Start one with sudo scripts/start-local-slurm.sh; with CI=true or LAB_SLURM_TESTS=1 this test runs and fails instead.";
        }
    }
}

/// <summary>The same for theories.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SlurmTheoryAttribute : TheoryAttribute
{
    public SlurmTheoryAttribute()
    {
        if (!SlurmSupport.Required && SlurmSupport.WhyNoSlurm is { } why)
        {
            Skip = $"needs a running Slurm: {why}. Start one with sudo scripts/start-local-slurm.sh; with CI=true or LAB_SLURM_TESTS=1 this test runs and fails instead.";
        }
    }
}

internal static class SlurmSupport
{
    private static readonly Lazy<string?> Why = new(Probe);

    public static bool Required =>
        System.Environment.GetEnvironmentVariable("CI") == "true" || System.Environment.GetEnvironmentVariable("LAB_SLURM_TESTS") == "1";

    public static string? WhyNoSlurm => Why.Value;

    private static string? Probe()
    {
        try
        {
            var (exit, output) = Tool("sinfo", "-h", "-o", "%T");
            return exit == 0 && output.Trim().Length > 0 ? null : "sinfo -h failed: " + output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "sinfo is not installed";
        }
    }

    /// <summary>Runs a Slurm command; (exit, stdout+stderr).</summary>
    public static (int Exit, string Output) Tool(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(true);
            return (-1, "timed out");
        }
        return (p.ExitCode, o.Result + e.Result);
    }

    /// <summary>The cluster's MaxArraySize.</summary>
    public static int MaxArraySize()
    {
        var (_, config) = Tool("scontrol", "show", "config");
        var line = config.Split('\n').FirstOrDefault(l => l.StartsWith("MaxArraySize", StringComparison.Ordinal));
        return line is null ? 1001 : int.Parse(line.Split('=')[1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary><c>lab queue --json</c>.</summary>
    public static JsonArray Items(LabHarness lab)
    {
        var r = lab.Run("queue", "--json");
        Assert.True(r.Exit == 0, r.Err);
        return JsonNode.Parse(r.Out)!.AsArray();
    }

    /// <summary>Waits until every item reads as ended in <c>lab queue --json</c> (which asks Slurm); returns the items.</summary>
    public static JsonArray WaitEnded(LabHarness lab, TimeSpan timeout, params string[] endStates)
    {
        var ends = endStates.Length > 0 ? endStates : ["done", "failed", "interrupted"];
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var items = Items(lab);
            if (items.All(i => ends.Contains((string?)i!["state"])))
            {
                return items;
            }
            if (DateTime.UtcNow > deadline)
            {
                var (_, squeue) = Tool("squeue", "-t", "all", "-h", "-o", "%i %j %T %r");
                throw new TimeoutException($"items not ended after {timeout}: {items.ToJsonString()}\nsqueue: {squeue}");
            }
            Thread.Sleep(500);
        }
    }

    /// <summary>Waits until <paramref name="check"/> holds.</summary>
    public static void WaitFor(Func<bool> check, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!check())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"after {timeout}: {what()}");
            }
            Thread.Sleep(300);
        }
    }

    /// <summary>The run.json of a run.</summary>
    public static JsonNode Run(LabHarness lab, string run) => JsonNode.Parse(File.ReadAllText(Path.Combine(lab.Root, "runs", run, "run.json")))!;

    /// <summary>Cancels every job the workspace's queue submitted (so no job outlives its temp folder).</summary>
    public static void CancelAll(LabHarness lab)
    {
        var path = lab.PathOf("queue.jsonl");
        if (!File.Exists(path))
        {
            return;
        }
        var jobs = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)?["external"]?.GetValue<string>()).Where(j => j is not null).Select(j => j!.Split('_')[0]).Distinct().ToArray();
        if (jobs.Length > 0)
        {
            Tool(["scancel", .. jobs]);
        }
    }
}
