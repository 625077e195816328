using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Tuning;

/// <summary>
/// What each <see cref="JournalDurability"/> promises: appends are visible at once in both modes; group commit
/// fsyncs them later, in batches, and always before Flush, Optimize and Dispose return; every-append fsyncs each.
/// </summary>
public sealed class JournalDurabilityTests : IDisposable
{
    private static readonly TimeSpan Never = TimeSpan.FromHours(1);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-durability-" + Guid.NewGuid().ToString("N"));

    public JournalDurabilityTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JournalFileBackend BackendOf(JournalStorage storage) => (JournalFileBackend)storage.Backend;

    [Fact]
    public void Group_commit_is_the_default_with_a_20_ms_delay()
    {
        using var storage = new JournalFileStorage(Path.Combine(_dir, "d.jsonl"));
        Assert.Equal(JournalDurability.GroupCommit, BackendOf(storage).Durability);
        Assert.Equal(TimeSpan.FromMilliseconds(20), BackendOf(storage).SyncDelay);
    }

    [Fact]
    public void Group_commit_appends_are_visible_to_another_reader_before_any_fsync()
    {
        var path = Path.Combine(_dir, "v.jsonl");
        using var writer = new JournalFileStorage(path, syncDelay: Never);
        var study = Study.Create("s", storage: writer);
        var trial = study.Ask();
        trial.SuggestFloat("x", 0, 1);
        study.Tell(trial, 0.5);
        var backend = BackendOf(writer);
        Assert.True(backend.AppendCount >= 3);
        Assert.Equal(0, backend.SyncCount);
        using var reader = new JournalFileStorage(path);
        var seen = Assert.Single(reader.GetAllTrials(reader.FindStudy("s")!.Value));
        Assert.Equal(TrialState.Complete, seen.State);
        Assert.Equal(0.5, seen.Value);
        writer.Flush();
        Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
        Assert.Equal(1, backend.SyncCount);
    }

    [Fact]
    public void Group_commit_syncs_within_the_delay_without_being_asked()
    {
        using var storage = new JournalFileStorage(Path.Combine(_dir, "t.jsonl"), syncDelay: TimeSpan.FromMilliseconds(30));
        var study = Study.Create("s", storage: storage);
        study.Tell(study.Ask(), 1.0);
        var backend = BackendOf(storage);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (backend.SyncedAppendCount < backend.AppendCount && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(5);
        }
        Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
    }

    [Fact]
    public void Optimize_returns_with_every_result_synced_in_few_fsyncs()
    {
        using var storage = new JournalFileStorage(Path.Combine(_dir, "o.jsonl"), syncDelay: Never);
        var study = Study.Create("s", sampler: new RandomSampler(0), storage: storage);
        study.Optimize(t => t.SuggestFloat("x", 0, 1) + t.SuggestInt("n", 1, 3), nTrials: 30);
        var backend = BackendOf(storage);
        Assert.True(backend.AppendCount >= 60, $"{backend.AppendCount} appends");
        Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
        Assert.Equal(1, backend.SyncCount);
    }

    [Fact]
    public void Optimize_that_throws_still_leaves_the_journal_synced()
    {
        using var storage = new JournalFileStorage(Path.Combine(_dir, "e.jsonl"), syncDelay: Never);
        var study = Study.Create("s", storage: storage);
        void Boom(Study s, FrozenTrial t) => throw new InvalidOperationException("callback failed");
        Assert.Throws<InvalidOperationException>(() => study.Optimize(_ => 1.0, nTrials: 3, callbacks: [Boom]));
        var backend = BackendOf(storage);
        Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
        Assert.Equal(TrialState.Complete, Assert.Single(study.Trials).State);
    }

    [Fact]
    public void Dispose_syncs_the_last_appends()
    {
        var storage = new JournalFileStorage(Path.Combine(_dir, "c.jsonl"), syncDelay: Never);
        var study = Study.Create("s", storage: storage);
        study.Tell(study.Ask(), 2.0);
        var backend = BackendOf(storage);
        Assert.True(backend.SyncedAppendCount < backend.AppendCount);
        storage.Dispose();
        Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
    }

    [Fact]
    public void Every_append_mode_syncs_each_append_before_it_returns()
    {
        using var storage = new JournalFileStorage(Path.Combine(_dir, "a.jsonl"), durability: JournalDurability.EveryAppend);
        var study = Study.Create("s", storage: storage);
        var backend = BackendOf(storage);
        for (var i = 0; i < 3; i++)
        {
            var trial = study.Ask();
            Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
            trial.SuggestFloat("x", 0, 1);
            study.Tell(trial, i);
            Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
        }
        Assert.Equal(backend.AppendCount, backend.SyncCount);
    }

    [Fact]
    public void A_reader_starts_no_flusher_and_a_bad_delay_is_refused()
    {
        var path = Path.Combine(_dir, "r.jsonl");
        using (var w = new JournalFileStorage(path))
        {
            Study.Create("s", storage: w);
        }
        using var reader = new JournalFileStorage(path);
        Assert.Single(reader.GetStudyNames());
        Assert.Equal(0, BackendOf(reader).AppendCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new JournalFileBackend(path, syncDelay: TimeSpan.FromMilliseconds(-1)));
    }

    [Fact]
    public void The_flusher_survives_a_clock_that_passes_the_delay_between_two_readings()
    {
        // Issue 12, severe 5: the flusher checked "now < deadline" and then read the clock again for the timeout; a
        // thread descheduled in between passed a negative timeout to Monitor.Wait, whose exception killed the host.
        // This clock moves 15 ms at every reading, so with a 20 ms delay the second reading is always past it.
        var clock = new SteppingClock(TimeSpan.FromMilliseconds(15));
        using var backend = new JournalFileBackend(Path.Combine(_dir, "c.jsonl"), null, JournalDurability.GroupCommit, TimeSpan.FromMilliseconds(20), clock);
        for (var round = 0; round < 5; round++)
        {
            backend.AppendLogs("{\"op_code\": 0}\n"u8);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (backend.SyncedAppendCount < backend.AppendCount && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                Thread.Sleep(5);
            }
            Assert.Equal(backend.AppendCount, backend.SyncedAppendCount);
        }
        backend.Flush(); // would throw what the flusher recorded
        Assert.True(clock.Readings > 10, "the flusher measured its delay on the injected clock");
    }

    /// <summary>A clock that moves forward by a fixed step at every reading, as a loaded machine's seems to.</summary>
    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _ticks;
        private int _readings;

        public int Readings => Volatile.Read(ref _readings);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            Interlocked.Increment(ref _readings);
            return Interlocked.Add(ref _ticks, step.Ticks);
        }
    }
}
