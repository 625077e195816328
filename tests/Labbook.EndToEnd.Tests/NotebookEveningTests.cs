using System.Diagnostics;
using System.Text.RegularExpressions;
using Labbook.Testing;

namespace Labbook.EndToEnd.Tests;

/// <summary>An evening of work with the real binary, then the morning report.</summary>
public sealed partial class NotebookEveningTests : IDisposable
{
    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Morning_reports_every_case_writes_results_and_keeps_hand_edits()
    {
        var note = _ws.Lab("note", "Does warmup fix the divergence?", "--testing", "500 warmup steps", "--why", "the loss spikes at step 2k",
            "--expect", "smoother curves", "--expect", "val_loss < baseline - 0.02", "--predict", "all: val_loss < 0.6");
        Assert.Equal(0, note.ExitCode);
        Assert.Contains("E1 · Does warmup fix the divergence?", note.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, _ws.Lab("run", "--name", "base", "--tag", "baseline", "--", "sh", "-c", "echo '@lab val_loss=0.5 step=1'; echo '@lab val_loss=0.47 step=2'").ExitCode);
        Assert.Equal(0, _ws.Lab("run", "--name", "warm", "--", "sh", "-c", "echo '@lab val_loss=0.44 step=1'; echo '@lab val_loss=0.41 step=2'").ExitCode);
        var failed = _ws.Lab("run", "--name", "oom", "--", "sh", "-c", "echo loading data; echo 'RuntimeError: CUDA out of memory' >&2; exit 3");
        Assert.Equal(3, failed.ExitCode);

        // kill -9 of the child: the run is killed. kill -9 of lab itself: the run is crashed.
        using (var slow = _ws.Start(["run", "--name", "slow", "--", "sh", "-c", "echo '@lab val_loss=0.6 step=1'; echo started; exec sleep 60"]))
        {
            var child = NotebookWorkspace.WaitForChild(slow, "sleep");
            Thread.Sleep(300);
            Process.GetProcessById(child).Kill();
            Assert.True(slow.WaitForExit(30_000));
        }
        using (var lost = _ws.Start(["run", "--name", "lost", "--", "sleep", "60"]))
        {
            var child = NotebookWorkspace.WaitForChild(lost, "sleep");
            Thread.Sleep(300);
            lost.Kill();
            Assert.True(lost.WaitForExit(30_000));
            using var orphan = Process.GetProcessById(child);
            orphan.Kill();
            orphan.WaitForExit(30_000);
        }

        // Hand edits in three places outside the managed blocks.
        var text = File.ReadAllText(_ws.NotebookPath);
        text = text.Replace("# Lab notebook\n", "# Lab notebook\n\nMy own preface, *kept*.\n", StringComparison.Ordinal)
            .Replace("- **Why:** the loss spikes at step 2k\n", "- **Why:** the loss spikes at step 2k\n\nA thought written by hand.\n\n", StringComparison.Ordinal)
            + "\n## Scratch\n\n- idea: try cosine decay   \n";
        File.WriteAllText(_ws.NotebookPath, text);

        var morning = _ws.Lab("morning", "--since", "2h", "--md", Path.Combine(_ws.Root, "morning.md"), "--html", Path.Combine(_ws.Root, "morning.html"));
        Assert.Equal(0, morning.ExitCode);
        Assert.Equal("", morning.Stderr);

        var runs = _ws.Runs();
        Assert.Equal(5, runs.Count);
        Assert.All(runs, r => Assert.Equal("E1", r.GetProperty("entry").GetString()));
        var output = Scrub(morning.Stdout, runs);
        Assert.Contains("runs:     2 completed, 1 failed, 1 killed, 1 crashed", output, StringComparison.Ordinal);
        Assert.Contains("failed    <oom> (oom): exit 3", output, StringComparison.Ordinal);
        Assert.Contains("| RuntimeError: CUDA out of memory", output, StringComparison.Ordinal);
        Assert.Contains("killed    <slow> (slow): signal 9 (SIGKILL)", output, StringComparison.Ordinal);
        Assert.Contains("crashed   <lost> (lost)", output, StringComparison.Ordinal);
        Assert.Contains("[+] met       val_loss < baseline - 0.02", output, StringComparison.Ordinal);
        Assert.Contains("Idle compute: ", output, StringComparison.Ordinal);
        Snapshot.Match(IdleLine().Replace(output, "Idle compute: <scrubbed>"), "evening-morning");

        // The Results block is written, hand edits are intact byte for byte.
        var after = File.ReadAllText(_ws.NotebookPath);
        Assert.Equal(Outside(text), Outside(after));
        Assert.Contains("My own preface, *kept*.\n", after, StringComparison.Ordinal);
        Assert.Contains("A thought written by hand.\n", after, StringComparison.Ordinal);
        Assert.EndsWith("- idea: try cosine decay   \n", after, StringComparison.Ordinal);
        var results = Scrub(Between(after, "<!-- lab:results E1 -->\n", "<!-- /lab:results E1 -->"), runs);
        Snapshot.Match(results, "evening-results-block");
        var attached = Scrub(Between(after, "<!-- lab:attached E1 -->\n", "<!-- /lab:attached E1 -->"), runs);
        Assert.Equal(
            "- run `<base>` · completed · base · baseline\n- run `<warm>` · completed · warm\n- run `<oom>` · failed · oom\n- run `<slow>` · killed · slow\n- run `<lost>` · crashed · lost\n",
            attached);
        Assert.True(File.Exists(Path.Combine(_ws.Root, "morning.md")));
        Assert.Contains("## E1 · Does warmup fix the divergence?", File.ReadAllText(Path.Combine(_ws.Root, "morning.md")), StringComparison.Ordinal);

        var html = File.ReadAllText(Path.Combine(_ws.Root, "morning.html"));
        Assert.Contains("<h2>E1 · Does warmup fix the divergence?</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<canvas id=\"chart0\"></canvas>", html, StringComparison.Ordinal);
        // Each series carries its palette index (shared with the PNG) between its label and its points.
        Assert.Matches(@"""label"":""warm \(completed\)"",""color"":\d+,""points"":\[\[1,0\.44\],\[2,0\.41\]\]", html);

        // A second morning with nothing new: the window starts at the last report.
        var second = _ws.Lab("morning");
        Assert.Contains("No notebook entry had activity.", second.Stdout, StringComparison.Ordinal);
        Assert.Contains("Waiting for a conclusion: E1", second.Stdout, StringComparison.Ordinal);

        Assert.Equal(0, _ws.Lab("conclude", "E1", "Warmup removes the divergence; keep 500 steps.").ExitCode);
        var concluded = File.ReadAllText(_ws.NotebookPath);
        Assert.Contains("<!-- lab:conclusion E1 -->\nWarmup removes the divergence; keep 500 steps.\n<!-- /lab:conclusion E1 -->", concluded, StringComparison.Ordinal);
        Assert.Equal(Outside(text), Outside(concluded));
        Assert.DoesNotContain("Waiting for a conclusion", _ws.Lab("morning").Stdout, StringComparison.Ordinal);
    }

    // Run ids become <name> so the text is stable from run to run.
    private static string Scrub(string text, List<System.Text.Json.JsonElement> runs)
    {
        foreach (var r in runs)
        {
            text = text.Replace(r.GetProperty("id").GetString()!, "<" + r.GetProperty("name").GetString() + ">", StringComparison.Ordinal);
        }
        text = Regex.Replace(text, @"\d{4}-\d\d-\d\d \d\d:\d\d", "<time>");
        return text;
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }

    private static string Outside(string text) =>
        Regex.Replace(text, @"(<!-- lab:(\w+) (E\d+) -->\n)[\s\S]*?(<!-- /lab:\2 \3 -->)", "$1$4");

    [GeneratedRegex(@"Idle compute: .*")]
    private static partial Regex IdleLine();
}
