using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Bench;

/// <summary>
/// Listing N runs: the folder scan (open every run.json and summary.json) against the run index,
/// in-process and as whole <c>lab ls</c> processes. The workspace is generated once per size:
/// realistic runs with 6 parameters, 4 metrics × 1,000 steps each (metrics.csv and the summary of it),
/// tags, entries and a few failed and killed runs. Every run's metrics.csv is a hard link to one real
/// file of 4,000 rows: listing never reads it, and 100,000 copies would take 12 GB.
/// </summary>
internal static class ListingBench
{
    public static int Run(string[] args)
    {
        var count = LoggingBench.Arg(args, "--runs", 10_000);
        var repeats = LoggingBench.Arg(args, "--repeats", 5);
        var lab = LoggingBench.ArgText(args, "--lab");
        var root = LoggingBench.ArgText(args, "--dir") ?? Path.Combine(Path.GetTempPath(), $"lab-listing-{count}");
        var keep = args.Contains("--keep");
        var workspace = Workspace.FindOrCreate(root, root);
        var store = new RunStore(workspace);
        var sw = Stopwatch.StartNew();
        var existing = store.ListIds().Count;
        if (existing < count)
        {
            Generate(workspace, count - existing, existing);
            Console.WriteLine(LoggingBench.F($"generated {count - existing} runs in {sw.Elapsed.TotalSeconds:F1} s ({root})"));
        }
        var indexPath = Path.Combine(workspace.StateDirectory, RunIndex.FileName);
        File.Delete(indexPath);
        Console.WriteLine(LoggingBench.F($"{count} runs; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));

        // The first listing without an index reads every folder and writes the index (what a workspace from before the index sees once).
        var first = Time(() => store.List());
        Console.WriteLine(LoggingBench.F($"first listing, no index yet (folders read, index written): {first:F0} ms; index {new FileInfo(indexPath).Length / 1e6:F1} MB"));
        var folders = new List<double>();
        var indexed = new List<double>();
        var process = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            folders.Add(Time(() => store.ListFromFolders()));
            indexed.Add(Time(() => store.List()));
            if (lab is not null)
            {
                process.Add(TimeProcess(lab, root));
            }
        }
        Console.WriteLine("| listing | median | min |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine(LoggingBench.F($"| folder scan (RunStore.ListFromFolders) | {Median(folders):F0} ms | {folders.Min():F0} ms |"));
        Console.WriteLine(LoggingBench.F($"| run index (RunStore.List) | {Median(indexed):F0} ms | {indexed.Min():F0} ms |"));
        if (lab is not null)
        {
            Console.WriteLine(LoggingBench.F($"| `lab ls` (whole process, table to /dev/null, COLUMNS=120) | {Median(process):F0} ms | {process.Min():F0} ms |"));
        }
        if (!keep)
        {
            Directory.Delete(root, recursive: true);
        }
        return 0;
    }

    private static void Generate(Workspace workspace, int count, int offset)
    {
        workspace.EnsureCreated();
        Directory.CreateDirectory(workspace.RunsDirectory);
        var shared = Path.Combine(workspace.StateDirectory, "bench-metrics.csv");
        var random = new Random(42 + offset);
        string[] metrics = ["loss", "val_loss", "acc", "val_acc"];
        if (!File.Exists(shared))
        {
            var csv = new StringBuilder("step,name,value,time\n");
            for (var step = 0; step < 1000; step++)
            {
                foreach (var m in metrics)
                {
                    csv.Append(CultureInfo.InvariantCulture, $"{step},{m},{Math.Exp(-step / 300.0) + random.NextDouble() * 0.01},2026-11-01T20:00:{step % 60:00}Z\n");
                }
            }
            File.WriteAllText(shared, csv.ToString());
        }
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(offset);
        for (var i = 0; i < count; i++)
        {
            var started = start.AddMinutes(i);
            var id = RunId.New(started);
            var dir = workspace.RunDirectory(id);
            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir);
            }
            var status = (i % 50) switch { 7 => RunStatus.Failed, 13 => RunStatus.Killed, _ => RunStatus.Completed };
            var record = new RunRecord
            {
                Id = id,
                Name = $"sweep-{i % 97}",
                Status = status,
                Command = "python3 train.py --lr {lr} --batch {batch}",
                Argv = ["python3", "train.py", "--lr", "0.001", "--batch", "64"],
                Cwd = "project",  // a fixed text: the bench measures listing, not where runs ran
                Params = new Dictionary<string, JsonNode?>
                {
                    ["lr"] = Math.Pow(10, -5 + (4 * random.NextDouble())),
                    ["batch"] = 16 << random.Next(4),
                    ["dropout"] = random.NextDouble() * 0.5,
                    ["layers"] = random.Next(2, 9),
                    ["optimizer"] = random.Next(2) == 0 ? "adam" : "sgd",
                    ["warmup"] = random.Next(2) == 0,
                },
                Tags = i % 10 == 0 ? ["baseline"] : [],
                Entry = $"E{1 + (i / 500)}",
                Git = new GitState { Commit = "3f2a9c1d0b8e7f6a5c4d3e2f1a0b9c8d7e6f5a4b", Branch = "main", Dirty = false },
                Host = "gpu-node-1",
                User = "researcher",
                Started = started,
                Ended = started.AddMinutes(30),
                DurationS = 1800,
                ExitCode = status == RunStatus.Completed ? 0 : 1,
                LabbookVersion = "0.1.0",
            };
            var summary = new RunSummary { MetricsBytes = new FileInfo(shared).Length };
            foreach (var m in metrics)
            {
                var stats = new MetricStats();
                for (var step = 0; step < 1000; step += 100)
                {
                    stats.Add(step, Math.Exp(-step / 300.0) * (1 + random.NextDouble()));
                }
                stats.Count = 1000;
                summary.Metrics[m] = stats;
            }
            // Written as lab itself writes them, but without the index hook: the bench builds the index in its first listing.
            File.WriteAllBytes(Path.Combine(dir, RunFiles.Summary), Json.LabJson.Serialize(summary, Json.LabJsonContext.Default.RunSummary));
            File.WriteAllBytes(Path.Combine(dir, RunFiles.Record), Json.LabJson.Serialize(record, Json.LabJsonContext.Default.RunRecord));
            var metricsPath = Path.Combine(dir, RunFiles.Metrics);
            if (!File.Exists(metricsPath))
            {
                if (Native.Libc.Link(shared, metricsPath) != 0)
                {
                    throw new IOException($"{metricsPath}: cannot hard-link the shared metrics file");
                }
            }
        }
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static double TimeProcess(string lab, string root)
    {
        var psi = new ProcessStartInfo(lab) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        psi.ArgumentList.Add("ls");
        psi.Environment["LAB_WORKSPACE"] = root;
        psi.Environment["COLUMNS"] = "120";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var drainOut = p.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var drainErr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        drainOut.Wait();
        var elapsed = sw.Elapsed.TotalMilliseconds;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"lab ls failed: {drainErr.Result}");
        }
        return elapsed;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
