using System.Diagnostics;
using System.Text.Json;

namespace Labbook.EndToEnd.Tests;

public class RunTests
{
    [Fact]
    public void A_python_child_logs_through_stdout_lines_and_its_exit_code_passes_through()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("train.py", """
            import json, os, sys
            params = json.loads(os.environ["LAB_PARAMS"])
            print("params", params["lr"], params["act"], os.environ["LAB_RUN_ID"])
            for step in range(3):
                print(f"@lab loss={1/(step+1)} acc={step/10}")
            print("@lab loss=nan step=10")
            print("@lab not a metric line")
            print("to stderr", file=sys.stderr)
            sys.exit(4)
            """);
        var r = ws.Lab("run", "-n", "py", "-p", "lr=0.001", "-p", "act=relu", "--why", "does it log?", "--", "python3", "train.py");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("@lab loss=1.0 acc=0.0", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("params 0.001 relu", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("malformed @lab line", r.Stderr, StringComparison.Ordinal);
        var id = Assert.Single(ws.RunIds());
        var run = ws.RunJson(id);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal(4, run.GetProperty("exit_code").GetInt32());
        Assert.Equal("does it log?", run.GetProperty("why").GetString());
        Assert.Equal(0.001, run.GetProperty("params").GetProperty("lr").GetDouble());
        Assert.Equal(["python3", "train.py"], run.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        var csv = File.ReadAllLines(Path.Combine(ws.RunsDirectory, id, "metrics.csv"));
        Assert.Equal("step,name,value,time", csv[0]);
        Assert.Equal(["0,loss,1", "0,acc,0", "1,loss,0.5", "1,acc,0.1", "2,loss,0.3333333333333333", "2,acc,0.2", "10,loss,nan"],
            csv.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));
        var log = File.ReadAllText(Path.Combine(ws.RunsDirectory, id, "output.log"));
        Assert.Contains("to stderr", log, StringComparison.Ordinal);
        Assert.Contains("params 0.001 relu " + id, log, StringComparison.Ordinal);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(ws.RunsDirectory, id, "summary.json"))).RootElement;
        Assert.Equal("nan", summary.GetProperty("metrics").GetProperty("loss").GetProperty("last").GetString());
        Assert.Equal(0.3333333333333333, summary.GetProperty("metrics").GetProperty("loss").GetProperty("min").GetDouble());
    }

    [Fact]
    public void A_bash_child_appends_to_metrics_csv_itself()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--", "bash", "-c", "for i in 0 1 2; do echo \"$i,val_loss,0.$((9-i)),2026-01-01T00:00:00Z\" >> \"$LAB_RUN_DIR/metrics.csv\"; done");
        Assert.Equal(0, r.ExitCode);
        var show = ws.Lab("show", ws.RunIds()[0], "--json");
        Assert.Equal(0, show.ExitCode);
        var json = JsonDocument.Parse(show.Stdout).RootElement;
        var stats = json.GetProperty("summary").GetProperty("metrics").GetProperty("val_loss");
        Assert.Equal(0.7, stats.GetProperty("last").GetDouble());
        Assert.Equal(3, stats.GetProperty("count").GetInt32());
        Assert.Equal("completed", json.GetProperty("status").GetString());
    }

    [Fact]
    public void A_csharp_child_attaches_through_the_library()
    {
        using var ws = new TempWorkspace();
        var dll = TempWorkspace.BuiltFile(Path.Combine("examples", "LoggingExample"), "LoggingExample.dll");
        var r = ws.Lab("run", "-p", "lr=0.25", "--", "dotnet", dll, "10");
        Assert.True(r.ExitCode == 0, r.ToString());
        var id = Assert.Single(ws.RunIds());
        Assert.Contains("run=" + id, r.Stdout, StringComparison.Ordinal);
        var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(ws.RunsDirectory, id, "summary.json"))).RootElement;
        Assert.Equal(10, summary.GetProperty("metrics").GetProperty("loss").GetProperty("count").GetInt32());
        Assert.Equal(9, summary.GetProperty("metrics").GetProperty("acc").GetProperty("last_step").GetInt32());
        Assert.True(summary.GetProperty("values").GetProperty("final_w").GetDouble() > 2.9);
    }

    [Fact]
    public void The_library_records_a_run_of_its_own_outside_lab()
    {
        using var ws = new TempWorkspace();
        var dll = TempWorkspace.BuiltFile(Path.Combine("examples", "LoggingExample"), "LoggingExample.dll");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = ws.Root, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("5");
        psi.Environment["LAB_WORKSPACE"] = ws.Root;
        psi.Environment.Remove("LAB_RUN_DIR");
        using (var p = Process.Start(psi)!)
        {
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(60_000));
            Assert.Equal(0, p.ExitCode);
        }
        var id = Assert.Single(ws.RunIds());
        var run = ws.RunJson(id);
        Assert.Equal("completed", run.GetProperty("status").GetString());
        var ls = ws.Lab("ls");
        Assert.Contains(id, ls.Stdout, StringComparison.Ordinal);
        Assert.Contains("completed", ls.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Kill_9_of_the_child_makes_the_run_killed()
    {
        using var ws = new TempWorkspace();
        using var lab = ws.Start(["run", "--", "bash", "-c", "echo \"@lab x=1\"; echo $$ > child.pid; sleep 30"]);
        var pidFile = Path.Combine(ws.Root, "child.pid");
        WaitFor(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0);
        Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture)).Kill();
        Assert.True(lab.WaitForExit(30_000));
        Assert.Equal(137, lab.ExitCode);
        var run = ws.RunJson(ws.RunIds()[0]);
        Assert.Equal("killed", run.GetProperty("status").GetString());
        Assert.Equal(9, run.GetProperty("signal").GetInt32());
    }

    [Fact]
    public void Kill_9_of_lab_itself_shows_crashed_with_metrics_intact()
    {
        using var ws = new TempWorkspace();
        using var lab = ws.Start(["run", "--", "python3", "-c",
            "import time\nfor i in range(5): print(f'@lab loss={i}', flush=True)\nopen('ready','w').close()\ntime.sleep(30)"]);
        WaitFor(() => File.Exists(Path.Combine(ws.Root, "ready")));
        var id = ws.RunIds()[0];
        // Points reach metrics.csv within a second; then kill lab without warning.
        WaitFor(() => File.ReadAllLines(Path.Combine(ws.RunsDirectory, id, "metrics.csv")).Length == 6);
        lab.Kill();
        Assert.True(lab.WaitForExit(10_000));
        var ls = ws.Lab("ls");
        Assert.Contains("crashed", ls.Stdout, StringComparison.Ordinal);
        var show = ws.Lab("show", id, "--json");
        var json = JsonDocument.Parse(show.Stdout).RootElement;
        Assert.Equal("crashed", json.GetProperty("status").GetString());
        Assert.Equal(5, json.GetProperty("summary").GetProperty("metrics").GetProperty("loss").GetProperty("count").GetInt32());
        // Readers never write: the record itself still says running.
        Assert.Equal("running", ws.RunJson(id).GetProperty("status").GetString());
    }

    [Fact]
    public void Sigterm_to_lab_is_forwarded_and_the_run_is_killed()
    {
        using var ws = new TempWorkspace();
        using var lab = ws.Start(["run", "--", "bash", "-c", "touch started; sleep 30"]);
        WaitFor(() => File.Exists(Path.Combine(ws.Root, "started")));
        Signal(lab.Id, "TERM");
        Assert.True(lab.WaitForExit(30_000));
        Assert.Equal(128 + 15, lab.ExitCode);
        var run = ws.RunJson(ws.RunIds()[0]);
        Assert.Equal("killed", run.GetProperty("status").GetString());
    }

    [Fact]
    public void Sigint_to_lab_reaches_the_child_and_the_run_is_killed()
    {
        using var ws = new TempWorkspace();
        // Started through env --default-signal: when the suite runs as a background job its shell
        // starts it with SIGINT ignored, and a program started so rightly keeps ignoring it.
        using var lab = ChildrenAndDisksTests.StartWithDefaultSignals(ws, ["run", "--", "python3", "-c",
            "import time\ntry:\n    open('started','w').close()\n    time.sleep(30)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n    raise"]);
        WaitFor(() => File.Exists(Path.Combine(ws.Root, "started")), 60_000);
        Signal(lab.Id, "INT");
        Assert.True(lab.WaitForExit(30_000));
        Assert.NotEqual(0, lab.ExitCode);
        var id = ws.RunIds()[0];
        Assert.Equal("killed", ws.RunJson(id).GetProperty("status").GetString());
        Assert.Contains("interrupted", File.ReadAllText(Path.Combine(ws.RunsDirectory, id, "output.log")), StringComparison.Ordinal);
    }

    [Fact]
    public void Output_log_keeps_stdout_and_stderr_in_the_order_printed()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--", "bash", "-c", "for i in 1 2 3; do echo out$i; echo err$i >&2; done");
        Assert.Equal(0, r.ExitCode);
        var log = File.ReadAllText(Path.Combine(ws.RunsDirectory, ws.RunIds()[0], "output.log"));
        Assert.Equal("out1\nerr1\nout2\nerr2\nout3\nerr3\n", log);
    }

    [Fact]
    public void Two_runs_at_once_in_one_workspace_are_both_recorded()
    {
        using var ws = new TempWorkspace();
        using var a = ws.Start(["run", "-n", "a", "--", "python3", "-c", "import time\nfor i in range(20): print(f'@lab v={i}'); time.sleep(0.01)"]);
        using var b = ws.Start(["run", "-n", "b", "--", "python3", "-c", "import time\nfor i in range(20): print(f'@lab v={-i}'); time.sleep(0.01)"]);
        Assert.True(a.WaitForExit(30_000) && b.WaitForExit(30_000));
        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        var ids = ws.RunIds();
        Assert.Equal(2, ids.Count);
        var ls = JsonDocument.Parse(ws.Lab("ls", "--json").Stdout).RootElement;
        Assert.Equal(["a", "b"], ls.EnumerateArray().Select(r => r.GetProperty("name").GetString()).Order());
        Assert.All(ls.EnumerateArray(), r => Assert.Equal(20, r.GetProperty("summary").GetProperty("metrics").GetProperty("v").GetProperty("count").GetInt32()));
    }

    [Fact]
    public void A_missing_command_is_one_line_and_a_failed_run()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--why", "a typo", "--", "no-such-command-xyz", "--flag");
        Assert.Equal(127, r.ExitCode);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.Contains("command not found: no-such-command-xyz", r.Stderr, StringComparison.Ordinal);
        var run = ws.RunJson(ws.RunIds()[0]);
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("command not found", run.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Names_with_dots_slashes_and_shell_characters_stay_text()
    {
        using var ws = new TempWorkspace();
        var name = "../../etc/x; rm -rf ~ `id` $(id)";
        var r = ws.Lab("run", "-n", name, "--", "true");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(name, ws.RunJson(ws.RunIds()[0]).GetProperty("name").GetString());
        Assert.False(Directory.Exists(Path.Combine(ws.Root, "..", "..", "etc", "x; rm -rf ~ `id` $(id)")));
        Assert.Equal(["runs", ".labbook"], Directory.GetFileSystemEntries(ws.Root).Select(Path.GetFileName).OrderDescending());
        Assert.Equal(ws.RunIds()[0], JsonDocument.Parse(ws.Lab("show", name, "--json").Stdout).RootElement.GetProperty("id").GetString());
        var bad = ws.Lab("run", "-n", "evil\u001b[2Jname", "--", "true");
        Assert.Equal(2, bad.ExitCode);
        Assert.DoesNotContain('\u001b', bad.Stderr);
        Assert.Single(ws.RunIds());
    }

    [Fact]
    public void A_shell_metacharacter_argument_reaches_the_child_as_one_argument()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--", "python3", "-c", "import sys; print(len(sys.argv), repr(sys.argv[1]))", "a; rm -rf ~ && echo pwned");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("2 'a; rm -rf ~ && echo pwned'", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_wide_repeats_the_params_on_each_row_and_runs_only_gives_one_row_per_run()
    {
        using var ws = new TempWorkspace();
        ws.Lab("run", "-n", "one", "-p", "lr=0.1", "-p", "opt=adam", "-p", "a=5", "--", "python3", "-c", "print('@lab a=1 b=2 step=0'); print('@lab a=3 step=1')");
        ws.Lab("run", "-n", "two", "-p", "lr=0.3", "--", "python3", "-c", "print('@lab a=7 step=0')");
        var ids = ws.RunIds();
        var wide = ws.Lab("export", "--wide");
        Assert.True(wide.ExitCode == 0, wide.ToString());
        // A parameter named like a metric gets a prefix; one a run lacks is empty.
        Assert.Equal(["run,step,param.a,lr,opt,a,b", $"{ids[0]},0,5,0.1,adam,1,2", $"{ids[0]},1,5,0.1,adam,3,", $"{ids[1]},0,,0.3,,7,"],
            wide.Stdout.TrimEnd('\n').Split('\n'));
        var summary = ws.Lab("export", "--runs-only", "-o", "runs.csv");
        Assert.True(summary.ExitCode == 0, summary.ToString());
        var lines = File.ReadAllLines(Path.Combine(ws.Root, "runs.csv"));
        Assert.Equal(3, lines.Length);
        Assert.Equal("run,name,status,entry,tags,started,duration_s,param.a,lr,opt,a,b", lines[0]);
        Assert.StartsWith($"{ids[0]},one,completed,,,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",5,0.1,adam,3,2", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",,0.3,,7,", lines[2], StringComparison.Ordinal);
        var both = ws.Lab("export", "--wide", "--runs-only");
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("--wide or --runs-only", both.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_writes_long_and_wide_csv_and_errors_name_the_place()
    {
        using var ws = new TempWorkspace();
        ws.Lab("run", "-n", "one", "--", "python3", "-c", "print('@lab a=1 b=2 step=0'); print('@lab a=3 step=1')");
        var id = ws.RunIds()[0];
        var longCsv = ws.Lab("export");
        Assert.Equal(0, longCsv.ExitCode);
        Assert.StartsWith("run,step,name,value,time\n" + id + ",0,a,1,", longCsv.Stdout, StringComparison.Ordinal);
        var wide = ws.Lab("export", "one", "--wide", "-o", "out.csv");
        Assert.Equal(0, wide.ExitCode);
        Assert.Equal(["run,step,a,b", $"{id},0,1,2", $"{id},1,3,"], File.ReadAllLines(Path.Combine(ws.Root, "out.csv")));
        // A malformed line in the middle is skipped and named with its line number.
        File.AppendAllText(Path.Combine(ws.RunsDirectory, id, "metrics.csv"), "2,a,notanumber,t\n3,a,4,t\n");
        var again = ws.Lab("export", id);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("metrics.csv: line 5: value 'notanumber' is not a number", again.Stderr, StringComparison.Ordinal);
        Assert.Contains(id + ",3,a,4,t", again.Stdout, StringComparison.Ordinal);
        var broken = Path.Combine(ws.RunsDirectory, id, "run.json");
        File.WriteAllText(broken, "{\n  \"id\": \"x\",\n  oops\n}");
        var ls = ws.Lab("ls");
        Assert.Contains("run.json: line 3", ls.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Ls_filters_and_sorts()
    {
        using var ws = new TempWorkspace();
        ws.Lab("run", "-n", "lr-a", "-p", "lr=0.1", "-t", "baseline", "--", "python3", "-c", "print('@lab acc=0.5')");
        ws.Lab("run", "-n", "lr-b", "-p", "lr=0.01", "--", "python3", "-c", "print('@lab acc=0.9')");
        ws.Lab("run", "-n", "other", "--", "false");
        string Names(params string[] args) =>
            string.Join(',', JsonDocument.Parse(ws.Lab(["ls", "--json", .. args]).Stdout).RootElement.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal("lr-a,lr-b,other", Names());
        Assert.Equal("lr-a,lr-b", Names("--name", "lr-*"));
        Assert.Equal("other", Names("--status", "failed"));
        Assert.Equal("lr-a", Names("--tag", "baseline"));
        Assert.Equal("lr-b", Names("-p", "lr=0.01"));
        Assert.Equal("lr-b,lr-a", Names("--sort=-acc"));
        Assert.Equal("lr-a", Names("--sort", "acc", "--limit", "1"));
        Assert.Equal("other", Names("--limit", "1"));
        Assert.Equal("lr-a,lr-b,other", Names("--since", "1h"));
        var table = ws.Lab("ls");
        Assert.Contains("lr-b", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("acc", table.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", table.Stdout, StringComparison.Ordinal);
        var bad = ws.Lab("ls", "--status", "happy");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--status", bad.Stderr, StringComparison.Ordinal);
    }

    internal static void WaitFor(Func<bool> condition, int timeoutMs = 20_000)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.ElapsedMilliseconds > timeoutMs)
            {
                throw new TimeoutException("condition not met in time");
            }
            Thread.Sleep(20);
        }
    }

    internal static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
