using System.Diagnostics;
using Labbook.Tuning;

namespace Labbook.Tests.Tuning;

/// <summary>The journal lock is a kernel flock: a live holder makes writers wait (then time out), a dead one blocks nobody.</summary>
public sealed class JournalLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-lock-" + Guid.NewGuid().ToString("N"));

    public JournalLockTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Another process holding the lock: util-linux flock(1), which keeps it until killed.</summary>
    private static Processes.Live HoldLock(string journal)
    {
        var holder = new Processes.Live("flock", ["-o", journal + ".flock", "-c", "echo held; sleep 60"]);
        var clock = Stopwatch.StartNew();
        while (!holder.Lines.Contains("held"))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "flock(1) did not take the lock: " + holder.Stderr);
            Thread.Sleep(10);
        }
        return holder;
    }

    [Fact]
    public async Task A_writer_waits_for_a_live_holder_and_goes_on_as_soon_as_the_holder_is_killed()
    {
        var journal = Path.Combine(_dir, "j.jsonl");
        using (var setup = new JournalFileStorage(journal))
        {
            Study.Create("s", storage: setup);
        }
        using var holder = HoldLock(journal);
        var write = Task.Run(() =>
        {
            using var storage = new JournalFileStorage(journal, lockTimeout: TimeSpan.FromSeconds(30));
            Study.Load("s", storage).Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 1);
        });
        Assert.NotSame(write, await Task.WhenAny(write, Task.Delay(500)));
        holder.KillHard();
        Assert.Same(write, await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(10))));
        await write;
        using var check = new JournalFileStorage(journal);
        Assert.Single(check.GetAllTrials(0));
    }

    [Fact]
    public void A_writer_gives_up_with_a_clear_error_instead_of_hanging()
    {
        var journal = Path.Combine(_dir, "t.jsonl");
        using (var setup = new JournalFileStorage(journal))
        {
            Study.Create("s", storage: setup);
        }
        using var holder = HoldLock(journal);
        using var storage = new JournalFileStorage(journal, lockTimeout: TimeSpan.FromMilliseconds(300));
        var study = Study.Load("s", storage);
        var ex = Assert.Throws<TimeoutException>(() => study.Ask());
        Assert.Contains(journal, ex.Message, StringComparison.Ordinal);
        // Reading never takes the lock.
        Assert.Empty(study.Trials);
    }
}
