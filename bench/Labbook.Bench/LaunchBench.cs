using System.Diagnostics;

namespace Labbook.Bench;

/// <summary>
/// What <c>lab run</c> costs over the bare command: <c>lab run -- true</c> against <c>true</c>, whole
/// processes started alternately, in a fresh workspace, median and p90 wall time.
/// </summary>
internal static class LaunchBench
{
    public static int Run(string[] args)
    {
        var lab = LoggingBench.ArgText(args, "--lab") ?? throw new ArgumentException("--lab PATH is required (the Native AOT binary)");
        var runs = LoggingBench.Arg(args, "--runs", 200);
        var ws = Path.Combine(Path.GetTempPath(), "lab-launch-" + Environment.ProcessId);
        Directory.CreateDirectory(ws);
        var trueBin = File.Exists("/usr/bin/true") ? "/usr/bin/true" : "/bin/true";
        var bare = new List<double>();
        var tracked = new List<double>();
        var version = new List<double>();
        for (var i = 0; i < runs + 5; i++)
        {
            var b = Time(trueBin, [], ws);
            var t = Time(lab, ["run", "--", trueBin], ws);
            var v = Time(lab, ["--version"], ws);
            if (i >= 5)
            {
                bare.Add(b);
                tracked.Add(t);
                version.Add(v);
            }
        }
        Directory.Delete(ws, recursive: true);
        Console.WriteLine($"{runs} alternating runs each (after 5 warm-up), in a fresh workspace outside git");
        Console.WriteLine("| command | median | p90 |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine(LoggingBench.F($"| true | {Median(bare):F2} ms | {P90(bare):F2} ms |"));
        Console.WriteLine(LoggingBench.F($"| lab --version | {Median(version):F2} ms | {P90(version):F2} ms |"));
        Console.WriteLine(LoggingBench.F($"| lab run -- true | {Median(tracked):F2} ms | {P90(tracked):F2} ms |"));
        Console.WriteLine(LoggingBench.F($"overhead of lab run: {Median(tracked) - Median(bare):F2} ms (median), target <= 15 ms"));
        return 0;
    }

    private static double Time(string file, string[] args, string cwd)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = cwd;
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    private static double P90(List<double> xs) => xs.Order().ElementAt((int)(xs.Count * 0.9));
}
