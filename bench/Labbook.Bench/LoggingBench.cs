using System.Diagnostics;
using System.Globalization;
using Labbook.Runs;

namespace Labbook.Bench;

/// <summary>
/// One million metric points three ways, in one process run, same rows each time:
/// Labbook's <c>run.Log</c> (formatting, buffering, appending), one FileStream writing the bytes the
/// library produced (the physical limit: no formatting at all), and Python's csv.writer.
/// Each is measured until its bytes are in the page cache, and again until they are on disk (fsync).
/// </summary>
internal static class LoggingBench
{
    public static int Run(string[] args)
    {
        var points = Arg(args, "--points", 1_000_000);
        var dir = ArgText(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "lab-bench-" + Environment.ProcessId);
        var rounds = Arg(args, "--rounds", 5);
        Directory.CreateDirectory(dir);
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var peer = Path.Combine(AppContext.BaseDirectory, "peers", "csv_writer.py");
        Console.WriteLine($"logging {points:N0} points (2 metrics x {points / 2:N0} steps), best of {rounds} rounds, files in {dir}");

        double bestLab = double.MaxValue, bestRaw = double.MaxValue, bestPy = double.MaxValue;
        double bestLabSync = double.MaxValue, bestRawSync = double.MaxValue, bestPySync = double.MaxValue;
        long bytes = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var durable in new[] { false, true })
            {
                var ws = Path.Combine(dir, $"ws-{round}-{durable}");
                Directory.CreateDirectory(ws);
                var lab = TimeLabbook(ws, points, durable, out var metricsPath);
                var content = File.ReadAllBytes(metricsPath);
                bytes = content.Length;
                var raw = TimeRaw(Path.Combine(dir, $"raw-{round}-{durable}.csv"), content, durable);
                var py = TimePython(python, peer, Path.Combine(dir, $"py-{round}-{durable}.csv"), points, durable);
                if (durable)
                {
                    bestLabSync = Math.Min(bestLabSync, lab);
                    bestRawSync = Math.Min(bestRawSync, raw);
                    bestPySync = Math.Min(bestPySync, py);
                }
                else
                {
                    bestLab = Math.Min(bestLab, lab);
                    bestRaw = Math.Min(bestRaw, raw);
                    bestPy = Math.Min(bestPy, py);
                }
                Directory.Delete(ws, recursive: true);
            }
        }
        Directory.Delete(dir, recursive: true);
        Console.WriteLine($"file size: {bytes / 1e6:F1} MB");
        Console.WriteLine("| writer | to page cache | points/s | to disk (fsync) | points/s |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        Row("one FileStream, same bytes (limit)", bestRaw, bestRawSync, points);
        Row("Labbook run.Log", bestLab, bestLabSync, points);
        Row("Python csv.writer", bestPy, bestPySync, points);
        Console.WriteLine();
        Console.WriteLine(F($"Labbook / raw-write limit: {bestRaw / bestLab:P0} of the limit to the page cache, {bestRawSync / bestLabSync:P0} to disk"));
        Console.WriteLine(F($"Labbook vs Python csv.writer: {bestPy / bestLab:F1}x faster to the page cache, {bestPySync / bestLabSync:F1}x to disk"));
        return 0;
    }

    private static double TimeLabbook(string workspace, int points, bool durable, out string metricsPath)
    {
        var sw = Stopwatch.StartNew();
        var run = Labbook.Runs.Run.Start(name: "bench", workspace: workspace);
        var start = sw.Elapsed;
        for (var i = 0; i < points / 2; i++)
        {
            run.Log("loss", 1.0 / (i + 1), i);
            run.Log("acc", 1.0 - (1.0 / (i + 2)), i);
        }
        run.Flush();
        metricsPath = Path.Combine(run.Directory, RunFiles.Metrics);
        if (durable)
        {
            using var f = new FileStream(metricsPath, FileMode.Open, FileAccess.ReadWrite);
            f.Flush(flushToDisk: true);
        }
        var elapsed = (sw.Elapsed - start).TotalSeconds;
        run.Dispose();
        return elapsed;
    }

    private static double TimeRaw(string path, byte[] content, bool durable)
    {
        var sw = Stopwatch.StartNew();
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            f.Write(content);
            f.Flush(flushToDisk: durable);
        }
        return sw.Elapsed.TotalSeconds;
    }

    private static double TimePython(string python, string script, string path, int points, bool durable)
    {
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(points.ToString(CultureInfo.InvariantCulture));
        if (durable)
        {
            psi.ArgumentList.Add("--fsync");
        }
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
    }

    private static void Row(string name, double seconds, double durableSeconds, int points) =>
        Console.WriteLine(F($"| {name} | {seconds * 1000:F0} ms | {points / seconds / 1e6:F1} M | {durableSeconds * 1000:F0} ms | {points / durableSeconds / 1e6:F1} M |"));

    internal static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    internal static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    internal static string? ArgText(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
