using System.Diagnostics;

namespace Labbook.EndToEnd.Tests;

/// <summary>A run in a git repository: the workspace's own files never make it dirty; a .gitignore is suggested once.</summary>
public sealed class GitRunTests
{
    private static void Git(TempWorkspace ws, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = ws.Root, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = ws.Root;
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"git {string.Join(' ', args)}: {err.Result}");
    }

    private static bool? Dirty(TempWorkspace ws, string id) =>
        ws.RunJson(id).GetProperty("git") is var g && g.TryGetProperty("dirty", out var d) && d.ValueKind != System.Text.Json.JsonValueKind.Null ? d.GetBoolean() : null;

    [Fact]
    public void Runs_in_a_fresh_repository_are_clean_and_the_gitignore_tip_is_shown_once()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("train.py", "print('@lab loss=1')\n");
        Git(ws, "init", "-q");
        Git(ws, "add", "train.py");
        Git(ws, "commit", "-q", "-m", "first");

        var first = ws.Lab("run", "--why", "w", "--", "python3", "train.py");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("adding 'runs/' and '.labbook/' to .gitignore", first.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, ws.Lab("note", "an entry").ExitCode);
        var second = ws.Lab("run", "--", "python3", "train.py");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain(".gitignore", second.Stderr, StringComparison.Ordinal);
        var ids = ws.RunIds();
        Assert.Equal([false, false], ids.Select(id => Dirty(ws, id)));

        // A real change is still seen, and the diff holds only it.
        File.AppendAllText(Path.Combine(ws.Root, "train.py"), "print('@lab acc=1')\n");
        Assert.Equal(0, ws.Lab("run", "--", "python3", "train.py").ExitCode);
        var third = ws.RunIds()[^1];
        Assert.True(Dirty(ws, third));
        var diff = File.ReadAllText(Path.Combine(ws.RunsDirectory, third, "git.diff"));
        Assert.Contains("train.py", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("runs/", diff, StringComparison.Ordinal);
        Assert.DoesNotContain("NOTEBOOK.md", diff, StringComparison.Ordinal);
        Assert.DoesNotContain(".labbook", diff, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_ends_with_what_it_recorded_and_where_to_look()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("run", "--why", "w", "--", "true");
        Assert.True(r.ExitCode == 0, r.ToString());
        var id = Assert.Single(ws.RunIds());
        Assert.EndsWith($"lab: recorded run {id} (completed) in runs/{id}/; see lab show {id}\n", r.Stderr, StringComparison.Ordinal);
        var failed = ws.Lab("run", "--why", "w", "--", "false");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("(failed) in runs/", failed.Stderr, StringComparison.Ordinal);
    }
}
