using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Labbook.Queue;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// Children that outlive a stop, children that daemonise, full disks and files damaged under a
/// running run (issue 12): each with the real <c>lab</c> binary and real processes.
/// </summary>
public class ChildrenAndDisksTests
{
    /// <summary>A script whose background grandchild ignores SIGTERM and writes its pid to <c>grandchild.pid</c>.</summary>
    private const string StubbornGrandchild =
        "( trap '' TERM; echo $BASHPID > grandchild.pid.tmp; mv grandchild.pid.tmp grandchild.pid; exec sleep 120 ) & touch started; sleep 60";

    [Fact]
    public void A_timeout_kills_a_grandchild_that_ignores_sigterm()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab(["run", "--timeout", "2s", "--kill-grace", "1s", "--", "bash", "-c", StubbornGrandchild], timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(143, r.ExitCode);
        var grandchild = ReadPid(ws, "grandchild.pid");
        AssertDies(grandchild);
        var run = ws.RunJson(ws.RunIds()[0]);
        Assert.Equal("killed", run.GetProperty("status").GetString());
        Assert.Contains("timed out", run.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void A_signal_to_lab_run_kills_a_grandchild_that_ignores_sigterm(string signal)
    {
        using var ws = new TempWorkspace();
        using var lab = StartWithDefaultSignals(ws, ["run", "--kill-grace", "1s", "--", "bash", "-c", StubbornGrandchild]);
        RunTests.WaitFor(() => File.Exists(Path.Combine(ws.Root, "grandchild.pid")) && File.Exists(Path.Combine(ws.Root, "started")), 60_000);
        var grandchild = ReadPid(ws, "grandchild.pid");
        RunTests.Signal(lab.Id, signal);
        Assert.True(lab.WaitForExit(60_000), "lab did not end after " + signal);
        Assert.NotEqual(0, lab.ExitCode);
        AssertDies(grandchild);
        Assert.Equal("killed", ws.RunJson(ws.RunIds()[0]).GetProperty("status").GetString());
    }

    [Fact]
    public void Background_processes_left_by_a_finished_run_are_reported_and_kill_leftovers_stops_them()
    {
        using var ws = new TempWorkspace();
        const string leaveOne = "sleep 120 & echo $! > left.pid; echo done";
        var r = ws.Lab(["run", "--", "bash", "-c", leaveOne], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(0, r.ExitCode);
        var left = ReadPid(ws, "left.pid");
        try
        {
            Assert.Contains($"left 1 background process(es) running (pid {left})", r.Stderr, StringComparison.Ordinal);
            Assert.Contains("--kill-leftovers", r.Stderr, StringComparison.Ordinal);
            Assert.True(IsAlive(left), "a reported leftover is not stopped without --kill-leftovers");
        }
        finally
        {
            _ = Kill(left);
        }

        File.Delete(Path.Combine(ws.Root, "left.pid"));
        var k = ws.Lab(["run", "--kill-leftovers", "--kill-grace", "1s", "--", "bash", "-c", "( trap '' TERM; exec sleep 120 ) & echo $! > left.pid; echo done"], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(0, k.ExitCode);
        Assert.Contains("stopped 1 background process(es)", k.Stderr, StringComparison.Ordinal);
        AssertDies(ReadPid(ws, "left.pid"));
        Assert.Equal("completed", ws.RunJson(ws.RunIds()[1]).GetProperty("status").GetString());
    }

    [Fact]
    public void A_child_that_leaves_a_process_holding_stdout_ends_the_run_when_it_exits()
    {
        using var ws = new TempWorkspace();
        // The background sleep inherits stdout (the pipe to lab) and keeps it open for 30 s.
        var sw = Stopwatch.StartNew();
        var r = ws.Lab(["run", "--kill-leftovers", "--kill-grace", "1s", "--", "bash", "-c", "sleep 30 & echo bye; date +%s.%N > exited"], timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(0, r.ExitCode);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(25), $"lab waited for the background process ({sw.Elapsed})");
        var exited = DateTime.UnixEpoch.AddSeconds(double.Parse(File.ReadAllText(Path.Combine(ws.Root, "exited")).Trim(), CultureInfo.InvariantCulture));
        var run = ws.RunJson(ws.RunIds()[0]);
        var ended = run.GetProperty("ended").GetDateTime().ToUniversalTime();
        // The old launcher waited two seconds for the pipe to close and counted them in the run.
        Assert.True(ended - exited < TimeSpan.FromSeconds(1.5), $"the run ended {(ended - exited).TotalSeconds:F2} s after its command");
        Assert.Contains("bye", File.ReadAllText(Path.Combine(ws.RunsDirectory, ws.RunIds()[0], "output.log")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_queue_timeout_kills_the_whole_group_of_the_item()
    {
        using var lab = new LabHarness();
        lab.MustRun("queue", "add", "--why", "t", "--timeout", "2s", "--", "bash", "-c", StubbornGrandchild.Replace("grandchild.pid", lab.PathOf("grandchild.pid"), StringComparison.Ordinal));
        var r = lab.Run(TimeSpan.FromSeconds(90), "queue", "start", "--kill-grace", "1s");
        Assert.NotEqual(0, r.Exit);
        var pid = int.Parse(File.ReadAllText(lab.PathOf("grandchild.pid")).Trim(), CultureInfo.InvariantCulture);
        AssertDies(pid);
        Assert.Contains("timed out", lab.Queue().Items["q1"].LastReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_queue_item_whose_working_folder_was_deleted_says_so()
    {
        using var lab = new LabHarness();
        var folder = lab.PathOf("project");
        Directory.CreateDirectory(folder);
        var psi = new ProcessStartInfo(lab.Binary) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "queue", "add", "--why", "gone", "--", "python3", "train.py" })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = lab.Root;
        psi.Environment["HOME"] = lab.Root;
        using (var add = Process.Start(psi)!)
        {
            add.StandardOutput.ReadToEnd();
            Assert.True(add.WaitForExit(30_000));
            Assert.Equal(0, add.ExitCode);
        }
        Directory.Delete(folder);
        lab.Run("queue", "start");
        var reason = lab.Queue().Items["q1"].LastReason ?? "";
        Assert.Contains("working folder", reason, StringComparison.Ordinal);
        Assert.Contains("does not exist", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("command not found", reason, StringComparison.Ordinal);
    }

    [RootFact]
    public void A_full_disk_fails_the_run_without_hanging_and_leaves_no_temp_files()
    {
        using var disk = new SmallDisk();
        using var ws = new TempWorkspace();
        var script = "for i in range(200000): print(f'@lab loss={i * 0.001} step={i}')\nprint('the end')";
        var r = ws.Lab(["run", "--", "python3", "-c", script], env: new Dictionary<string, string?> { ["LAB_WORKSPACE"] = disk.Root }, timeout: TimeSpan.FromSeconds(120));
        Assert.Equal(1, r.ExitCode);
        // The child was never blocked: it printed to the end, and the terminal saw it.
        Assert.Contains("the end", r.Stdout, StringComparison.Ordinal);
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("disk full at step", StringComparison.Ordinal) && l.Contains("warning", StringComparison.Ordinal));
        var runDir = Assert.Single(Directory.GetDirectories(Path.Combine(disk.Root, "runs")));
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(runDir, "run.json"))).RootElement;
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.StartsWith("disk full at step ", run.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, run.GetProperty("exit_code").GetInt32());
        Assert.Empty(Directory.GetFiles(disk.Root, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(disk.Root, ".space-reserve", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(runDir, "summary.json")));
        // The folder still reads: show names the run as failed.
        var show = ws.Lab(["show", Path.GetFileName(runDir), "--json"], env: new Dictionary<string, string?> { ["LAB_WORKSPACE"] = disk.Root });
        Assert.Equal(0, show.ExitCode);
        Assert.Equal("failed", JsonDocument.Parse(show.Stdout).RootElement.GetProperty("status").GetString());
    }

    [RootFact]
    public void A_full_disk_fails_the_queue_item_and_stops_the_runner()
    {
        using var disk = new SmallDisk();
        using var lab = new LabHarness();
        lab.Environment["LAB_WORKSPACE"] = disk.Root;
        // A script file: braces on the command line are queue placeholders.
        File.WriteAllText(lab.PathOf("fill.py"), "for i in range(200000): print(f'@lab loss={i * 0.001} step={i}')\n");
        lab.MustRun("queue", "add", "--why", "fill", "--", "python3", "fill.py");
        lab.MustRun("queue", "add", "--why", "next", "--", "true");
        var r = lab.Run(TimeSpan.FromSeconds(120), "queue", "start");
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("disk full", r.Err, StringComparison.Ordinal);
        using var journal = new QueueJournal(Path.Combine(disk.Root, "queue.jsonl"), Path.Combine(disk.Root, ".labbook", "queue.lock"));
        var q1 = journal.State.Items["q1"];
        Assert.Equal(ItemState.Failed, q1.State);
        Assert.StartsWith("disk full at step ", q1.LastReason, StringComparison.Ordinal);
        // The runner stopped: the next item was not started on a full disk.
        Assert.Equal(ItemState.Pending, journal.State.Items["q2"].State);
        Assert.Empty(Directory.GetFiles(disk.Root, "*.tmp", SearchOption.AllDirectories));
    }

    [RootFact]
    public void A_full_disk_fails_the_sweep_trial_and_stops_the_sweep()
    {
        using var disk = new SmallDisk();
        using var ws = new TempWorkspace();
        ws.WriteFile("fill.py", "for i in range(200000): print(f'@lab loss={i * 0.001} step={i}')\n");
        var r = ws.Lab(["sweep", "--study", "full", "-s", "x=0..1", "--objective", "loss", "--direction", "minimize", "--trials", "5", "--", "python3", "fill.py"],
            env: new Dictionary<string, string?> { ["LAB_WORKSPACE"] = disk.Root }, timeout: TimeSpan.FromSeconds(120));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("sweep stopped: disk full at step ", r.Stderr, StringComparison.Ordinal);
        // One trial ran into the full disk; no second one was started on it.
        var runs = Directory.GetDirectories(Path.Combine(disk.Root, "runs"));
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(Assert.Single(runs), "run.json"))).RootElement;
        Assert.StartsWith("disk full at step ", run.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(disk.Root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_deleted_metrics_csv_is_recreated_with_one_warning_and_later_points_kept()
    {
        using var ws = new TempWorkspace();
        var script = """
            import os, time
            path = os.path.join(os.environ["LAB_RUN_DIR"], "metrics.csv")
            print("@lab x=1 step=0", flush=True)
            deadline = time.time() + 60
            while time.time() < deadline and "x,1" not in open(path).read():
                time.sleep(0.05)
            os.remove(path)
            for step in range(1, 4):
                print(f"@lab x={step + 1} step={step}", flush=True)
                time.sleep(1.2)
            """;
        var r = ws.Lab(["run", "--", "python3", "-c", script], timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(0, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("metrics.csv was deleted", StringComparison.Ordinal));
        var csv = File.ReadAllLines(Path.Combine(ws.RunsDirectory, ws.RunIds()[0], "metrics.csv"));
        Assert.Equal("step,name,value,time", csv[0]);
        Assert.Equal(["1,x,2", "2,x,3", "3,x,4"], csv.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));
    }

    [Fact]
    public void A_line_cut_mid_way_has_the_same_line_number_live_and_in_show()
    {
        using var ws = new TempWorkspace();
        // Line 1 header, line 2 a point, line 3 cut mid-way (then ended by the next write), line 4 a point.
        var script = """
            import os, time
            path = os.path.join(os.environ["LAB_RUN_DIR"], "metrics.csv")
            with open(path, "a") as f: f.write("0,a,1,2026-01-01T00:00:00Z\n")
            time.sleep(1.5)
            with open(path, "a") as f: f.write("1,a,\n")
            time.sleep(1.5)
            with open(path, "a") as f: f.write("2,a,3,2026-01-01T00:00:02Z\n")
            time.sleep(1.5)
            """;
        var r = ws.Lab(["run", "--", "python3", "-c", script], timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(0, r.ExitCode);
        var live = Assert.Single(r.Stderr.Split('\n'), l => l.Contains("metrics.csv: line", StringComparison.Ordinal));
        Assert.Contains("metrics.csv: line 3:", live, StringComparison.Ordinal);
        var show = ws.Lab("show", ws.RunIds()[0]);
        Assert.Contains("line 3", show.Stdout + show.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("line 2", show.Stdout + show.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Show_of_a_run_whose_log_is_one_huge_line_shows_its_tail_cut()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab(["run", "--", "python3", "-c", "import sys\nsys.stdout.write('x' * 20_000_000 + 'THE-' + 'END')"], timeout: TimeSpan.FromSeconds(120));
        Assert.Equal(0, r.ExitCode);
        var show = ws.Lab("show", ws.RunIds()[0]);
        Assert.Equal(0, show.ExitCode);
        // THE-END is not in the command line show prints: only the log's tail can hold it.
        // (The terminal view wraps long lines: compare without the wrapping.)
        Assert.Contains("xxxxTHE-END", show.Stdout.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("[cut]", show.Stdout, StringComparison.Ordinal);
        Assert.True(show.Stdout.Length < 50_000, $"show printed {show.Stdout.Length} characters");
    }

    /// <summary>
    /// Starts lab with SIGINT and SIGQUIT at their defaults, whatever the test runner inherited: a
    /// shell starts a background job with them ignored, and a program started so keeps them ignored.
    /// </summary>
    internal static Process StartWithDefaultSignals(TempWorkspace ws, string[] args) =>
        ws.Start(["--default-signal=INT,QUIT", TempWorkspace.LabBinary, .. args], binary: "env");

    private static int ReadPid(TempWorkspace ws, string file)
    {
        var path = Path.Combine(ws.Root, file);
        RunTests.WaitFor(() => File.Exists(path) && File.ReadAllText(path).Trim().Length > 0, 60_000);
        return int.Parse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture);
    }

    private static void AssertDies(int pid)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && IsAlive(pid))
        {
            Thread.Sleep(50);
        }
        if (IsAlive(pid))
        {
            _ = Kill(pid);
            Assert.Fail($"process {pid} outlived the stop");
        }
    }

    /// <summary>True while the process exists and is not a zombie (a killed orphan may wait for init to reap it).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool Kill(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A 2 MB tmpfs mounted in a temp folder for the test, unmounted at the end (needs root).</summary>
internal sealed class SmallDisk : IDisposable
{
    public SmallDisk()
    {
        Root = Path.Combine(Path.GetTempPath(), "lab-disk-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        var (code, err) = Run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", Root);
        Assert.True(code == 0, "mount failed: " + err);
        Directory.CreateDirectory(Path.Combine(Root, ".labbook"));
    }

    public string Root { get; }

    public void Dispose()
    {
        _ = Run("umount", "-l", Root);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int Code, string Err) Run(params string[] argv)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }
}

/// <summary>A test that mounts a file system, so runs only as root; skipped with a message otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!IsRoot())
        {
            Skip = "needs root to mount a 2 MB tmpfs (mount -t tmpfs -o size=2m); run the suite as root to exercise full-disk handling";
        }
    }

    private static bool IsRoot()
    {
        try
        {
            return File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
