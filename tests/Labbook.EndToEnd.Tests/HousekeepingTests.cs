using System.Diagnostics;

namespace Labbook.EndToEnd.Tests;

/// <summary><c>lab rm</c> (trash, restore, purge), <c>lab tag</c>/<c>untag</c>, <c>lab rename</c>, with the notebook and studies kept consistent.</summary>
public sealed class HousekeepingTests
{
    private static string Tags(TempWorkspace ws, string id) =>
        string.Join(",", ws.RunJson(id).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

    [Fact]
    public void Tag_untag_and_rename_rewrite_run_json()
    {
        using var ws = new TempWorkspace();
        ws.Lab("run", "-n", "first", "--", "true");
        var id = ws.RunIds()[0];
        Assert.Equal(0, ws.Lab("tag", "first", "baseline", "keep").ExitCode);
        Assert.Equal("baseline,keep", Tags(ws, id));
        Assert.Equal(0, ws.Lab("untag", id, "keep").ExitCode);
        Assert.Equal("baseline", Tags(ws, id));
        var missing = ws.Lab("untag", id, "nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains($"run {id} has no tag 'nope'; its tags: baseline", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, ws.Lab("rename", "first", "alpha").ExitCode);
        Assert.Equal("alpha", ws.RunJson(id).GetProperty("name").GetString());
        Assert.Equal(0, ws.Lab("show", "alpha").ExitCode);
        var bad = ws.Lab("rename", "alpha", "a\u0001b");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("alpha", ws.RunJson(id).GetProperty("name").GetString());
    }

    [Fact]
    public void Rm_moves_a_run_to_the_trash_restore_brings_it_back_and_purge_deletes()
    {
        using var ws = new TempWorkspace();
        Assert.Equal(0, ws.Lab("note", "does it run?").ExitCode);
        ws.Lab("run", "-n", "gone", "--", "true");
        ws.Lab("run", "-n", "kept", "--", "true");
        var (gone, kept) = (ws.RunIds()[0], ws.RunIds()[1]);
        var rm = ws.Lab("rm", "gone");
        Assert.True(rm.ExitCode == 0, rm.ToString());
        Assert.Contains($"lab rm --restore {gone}", rm.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(ws.RunsDirectory, gone)));
        Assert.True(File.Exists(Path.Combine(ws.Root, ".labbook", "trash", gone, "run.json")));
        Assert.DoesNotContain(gone, ws.Lab("ls").Stdout, StringComparison.Ordinal);
        // The entry still names the run, shown as removed.
        var show = ws.Lab("note", "show", "E1");
        Assert.Contains($"{gone}  removed", show.Stdout, StringComparison.Ordinal);
        Assert.Contains(kept, show.Stdout, StringComparison.Ordinal);

        var restore = ws.Lab("rm", "--restore", "gone");
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.True(File.Exists(Path.Combine(ws.RunsDirectory, gone, "run.json")));
        Assert.Contains(gone, ws.Lab("ls").Stdout, StringComparison.Ordinal);

        var unknown = ws.Lab("rm", "--restore", "nothing");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("the trash is empty", unknown.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, ws.Lab("rm", kept).ExitCode);
        Assert.Equal(0, ws.Lab("rm", "--purge", kept).ExitCode);
        Assert.False(Directory.Exists(Path.Combine(ws.Root, ".labbook", "trash", kept)));
        Assert.Equal(0, ws.Lab("rm", "--purge", gone).ExitCode);
        Assert.Empty(ws.RunIds());
    }

    [Fact]
    public void A_running_run_is_not_removed()
    {
        using var ws = new TempWorkspace();
        using var running = ws.Start(["run", "-n", "slow", "--", "sleep", "30"]);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (ws.RunIds().Count == 0 && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(50);
            }
            var id = Assert.Single(ws.RunIds());
            var rm = ws.Lab("rm", id);
            Assert.Equal(2, rm.ExitCode);
            Assert.Contains($"run {id} is still running", rm.Stderr, StringComparison.Ordinal);
            Assert.True(Directory.Exists(Path.Combine(ws.RunsDirectory, id)));
        }
        finally
        {
            running.Kill(entireProcessTree: true);
            running.WaitForExit();
        }
    }

    [Fact]
    public void A_removed_trials_run_is_shown_as_removed_and_the_study_keeps_its_trial()
    {
        using var ws = new TempWorkspace();
        ws.WriteFile("f.py", "import sys\nprint(f'@lab loss={float(sys.argv[1]) ** 2}')\n");
        var sweep = ws.Lab(["sweep", "--study", "s", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "3",
            "--sampler", "random", "--seed", "2", "--", "python3", "f.py", "{x}"], timeout: TimeSpan.FromSeconds(120));
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        var ids = ws.RunIds();
        Assert.Equal(3, ids.Count);
        foreach (var id in ids)
        {
            Assert.Equal(0, ws.Lab("rm", id).ExitCode);
        }
        var show = ws.Lab("study", "show", "s");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("3 trials: 3 complete", show.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{ids[0]} (removed)", show.Stdout, StringComparison.Ordinal);
    }
}
