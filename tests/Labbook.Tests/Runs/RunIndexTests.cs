using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Tests.Runs;

/// <summary>The run index is a cache: whatever happens to the run folders or to the index file, a listing equals the folder scan.</summary>
public class RunIndexTests
{
    private static readonly DateTime Start = new(2026, 11, 1, 20, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Index_listing_equals_the_folder_scan_after_any_sequence_of_changes()
    {
        // Each operation: (kind, which run, a number for the new values).
        var op = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 1000], Gen.Int[0, 1_000_000]);
        Gen.Select(op.Array[1, 24], Gen.Int[0, 1_000_000]).Sample((ops, seed) =>
        {
            using var dir = new TempDir();
            var workspace = Workspace.FindOrCreate(dir.Path, dir.Path);
            var store = new RunStore(workspace);
            var outside = Path.Combine(dir.Path, "moved-away");
            Directory.CreateDirectory(outside);
            var clock = Start.AddSeconds(seed % 1000);
            foreach (var (kind, which, value) in ops)
            {
                clock = clock.AddSeconds(1 + (value % 5));
                Apply(store, kind, which, value, clock, outside);
                AssertSameAsFolders(store);
            }
        }, iter: 40);
    }

    [Fact]
    public void Runs_written_through_the_library_are_served_from_the_index_without_opening_their_folders()
    {
        using var dir = new TempDir();
        var store = new RunStore(Workspace.FindOrCreate(dir.Path, dir.Path));
        var ids = Enumerable.Range(0, 5).Select(i => Path.GetFileName(Create(store, Start.AddSeconds(i), i))).ToList();
        Finish(store, ids[1], 7);
        var fromFolders = new List<string>();
        var listing = RunIndex.List(store, withSummary: true, refresh: false, fromFolders);
        Assert.Empty(fromFolders);
        Assert.Equal(5, listing.Runs.Count);
        Assert.Equal(7, listing.Runs.Single(r => r.Id == ids[1]).Summary!.Final("loss"));

        // An external in-place edit (no hook) of a finished run is noticed by its stamp; the reader refreshes the index.
        var path = Path.Combine(workspace(store).RunDirectory(ids[1]), RunFiles.Record);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"name\": \"r1\"", "\"name\": \"renamed by hand\"", StringComparison.Ordinal));
        fromFolders.Clear();
        Assert.Equal("renamed by hand", RunIndex.List(store, true, refresh: true, fromFolders).Runs.Single(r => r.Id == ids[1]).Record.Name);
        Assert.Equal([ids[1]], fromFolders);
        fromFolders.Clear();
        Assert.Equal("renamed by hand", RunIndex.List(store, true, refresh: false, fromFolders).Runs.Single(r => r.Id == ids[1]).Record.Name);
        Assert.Empty(fromFolders);

        // A running run is read from its folder (its summary changes every second) and not indexed by readers.
        var running = Path.Combine(workspace(store).RunDirectory(ids[2]), RunFiles.Record);
        File.WriteAllText(running, File.ReadAllText(running).Replace("\"name\": \"r2\"", "\"name\": \"still running\"", StringComparison.Ordinal));
        RunIndex.List(store, true, refresh: true, fromFolders);
        Assert.Equal([ids[2]], fromFolders);
        fromFolders.Clear();
        Assert.Equal("still running", RunIndex.List(store, true, refresh: false, fromFolders).Runs.Single(r => r.Id == ids[2]).Record.Name);
        Assert.Equal([ids[2]], fromFolders);

        static Workspace workspace(RunStore s) => s.Workspace;
    }

    [Fact]
    public void A_torn_or_damaged_index_is_tolerated_and_mended_by_the_next_append()
    {
        using var dir = new TempDir();
        var store = new RunStore(Workspace.FindOrCreate(dir.Path, dir.Path));
        var ids = Enumerable.Range(0, 4).Select(i => Path.GetFileName(Create(store, Start.AddSeconds(i), i))).ToList();
        var index = Path.Combine(store.Workspace.StateDirectory, RunIndex.FileName);
        var bytes = File.ReadAllBytes(index);
        // A writer killed mid-line: the last line loses its second half.
        File.WriteAllBytes(index, bytes[..(bytes.Length - 40)]);
        AssertSameAsFolders(store, refresh: false);
        // Garbage in the middle, and a line of another format version.
        File.WriteAllBytes(index, [.. "{\"v\":1,\"id\":\"zz\"\n"u8, .. "not json at all\n"u8, .. bytes[..(bytes.Length - 40)]]);
        AssertSameAsFolders(store, refresh: false);
        // The next writer ends the torn line before its own, so its line stays readable.
        Finish(store, ids[0], 3);
        var fromFolders = new List<string>();
        var listing = RunIndex.List(store, true, refresh: false, fromFolders);
        Assert.DoesNotContain(ids[0], fromFolders);
        Assert.Equal(3, listing.Runs.Single(r => r.Id == ids[0]).Summary!.Final("loss"));
        AssertSameAsFolders(store);
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_leave_an_index_equal_to_the_folders()
    {
        using var dir = new TempDir();
        var store = new RunStore(Workspace.FindOrCreate(dir.Path, dir.Path));
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            var listings = 0;
            while (!stop.IsCancellationRequested)
            {
                // Each listing must be consistent with itself: no run twice, no exception.
                var runs = new RunStore(store.Workspace).List().Runs;
                Assert.Equal(runs.Count, runs.Select(r => r.Id).Distinct().Count());
                listings++;
            }
            return listings;
        });
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            // Separate stores: as separate processes, each opens and locks the index by itself.
            var own = new RunStore(store.Workspace);
            for (var i = 0; i < 15; i++)
            {
                var runDir = Create(own, Start.AddSeconds((w * 100) + i), i);
                Finish(own, Path.GetFileName(runDir), (w * 100) + i);
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        Assert.True(await reader > 0);
        var fromFolders = new List<string>();
        var listing = RunIndex.List(store, true, refresh: false, fromFolders);
        Assert.Equal(60, listing.Runs.Count);
        Assert.Empty(fromFolders);
        AssertSameAsFolders(store);
        // Every line of the index is whole.
        Assert.All(File.ReadAllLines(Path.Combine(store.Workspace.StateDirectory, RunIndex.FileName)), line => JsonNode.Parse(line));
    }

    [Fact]
    public void File_stamps_match_what_dotnet_reports()
    {
        using var dir = new TempDir();
        var path = dir.File("x.json");
        File.WriteAllText(path, "12345");
        var stamp = FileStamp.Of(path);
        Assert.Equal(5, stamp.Size);
        Assert.NotEqual(0, stamp.Inode);
        var mtime = File.GetLastWriteTimeUtc(path);
        Assert.Equal(mtime.Ticks - DateTime.UnixEpoch.Ticks, stamp.MtimeNs / 100);
        Assert.True(FileStamp.Of(dir.File("missing")).IsAbsent);
    }

    private static void Apply(RunStore store, int kind, int which, int value, DateTime clock, string outside)
    {
        var ids = store.ListIds();
        string? id = ids.Count == 0 ? null : ids[which % ids.Count];
        var runDir = id is null ? null : store.Workspace.RunDirectory(id);
        var index = Path.Combine(store.Workspace.StateDirectory, RunIndex.FileName);
        switch (kind)
        {
            case 0 or 1:
                Create(store, clock, value);
                return;
            case 2 when id is not null:
                Finish(store, id, value);
                return;
            case 3 when runDir is not null && TryRecord(runDir) is { } tagged:
                // A tag or a new name, through the library (what lab tag / lab rename do).
                tagged.Tags.Add("t" + value);
                RunStore.WriteRecord(runDir, tagged);
                return;
            case 4 when runDir is not null && File.Exists(Path.Combine(runDir, RunFiles.Record)):
                // Another process rewrites run.json in place, without the library.
                var path = Path.Combine(runDir, RunFiles.Record);
                var text = File.ReadAllText(path);
                File.WriteAllText(path, text.Replace("\"name\": \"", $"\"name\": \"x{value}", StringComparison.Ordinal));
                return;
            case 5 when runDir is not null:
                // summary.json rewritten by hand, longer each time.
                File.WriteAllText(Path.Combine(runDir, RunFiles.Summary), $"{{\"values\": {{\"hand\": {value}}}, \"metrics_bytes\": {value}{new string(' ', value % 7)}}}");
                return;
            case 6 when runDir is not null && File.Exists(Path.Combine(runDir, RunFiles.Record)):
                // A truncated run.json: the run becomes unreadable.
                var record = File.ReadAllBytes(Path.Combine(runDir, RunFiles.Record));
                File.WriteAllBytes(Path.Combine(runDir, RunFiles.Record), record[..(record.Length / 2)]);
                return;
            case 7 when runDir is not null:
                Directory.Delete(runDir, recursive: true);
                return;
            case 8 when runDir is not null:
                Directory.Move(runDir, Path.Combine(outside, id + "-" + value));
                return;
            case 9 when runDir is not null:
                // A run folder copied in from elsewhere under a new id, by hand.
                var newId = RunId.New(clock.AddDays(1));
                var target = store.Workspace.RunDirectory(newId);
                if (!Directory.Exists(target))
                {
                    Directory.CreateDirectory(target);
                    foreach (var file in Directory.GetFiles(runDir))
                    {
                        File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                    }
                }
                return;
            case 10 when File.Exists(index):
                var bytes = File.ReadAllBytes(index);
                File.WriteAllBytes(index, bytes[..(value % (bytes.Length + 1))]);
                return;
            case 11 when File.Exists(index):
                File.Delete(index);
                return;
            case 12 when File.Exists(index):
                File.AppendAllText(index, "{\"v\":1,\"id\":\"" + (id ?? "x") + "\",\"r\":[1,2,3,4],\"s\":null,\"record\":{\"id\":\"forged\"}}\n{\"v\":1,\"id\":");
                return;
        }
    }

    private static RunRecord? TryRecord(string runDir)
    {
        try
        {
            return LabJson.Read(Path.Combine(runDir, RunFiles.Record), LabJsonContext.Default.RunRecord);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            return null;
        }
    }

    private static string Create(RunStore store, DateTime started, int value)
    {
        var record = new RunRecord
        {
            Name = "r" + value % 10,
            Status = RunStatus.Running,
            Command = "python3 train.py",
            Argv = ["python3", "train.py"],
            Params = new Dictionary<string, JsonNode?> { ["lr"] = JsonValue.Create(1.0 / (value + 3)), ["layers"] = JsonValue.Create(value % 4) },
            Started = started,
            // A live owner: this test process, so both paths judge the run running alike.
            Owner = new RunOwner { Host = Processes.ProcessIdentity.HostName, Pid = Environment.ProcessId, PidStartTicks = Processes.ProcessIdentity.StartTicks(Environment.ProcessId) ?? 0, BootId = Processes.ProcessIdentity.BootId },
        };
        return store.Create(record, started);
    }

    private static void Finish(RunStore store, string id, int value)
    {
        var runDir = store.Workspace.RunDirectory(id);
        if (TryRecord(runDir) is not { } record)
        {
            return;
        }
        var summary = new RunSummary();
        var stats = new MetricStats();
        stats.Add(1, value);
        summary.Metrics["loss"] = stats;
        RunStore.WriteSummary(runDir, summary);
        record.Status = value % 3 == 0 ? RunStatus.Failed : RunStatus.Completed;
        record.Ended = record.Started?.AddMinutes(value % 60);
        record.DurationS = value % 60 * 60;
        RunStore.WriteRecord(runDir, record);
    }

    private static void AssertSameAsFolders(RunStore store, bool refresh = true)
    {
        var expected = Canonical(store.ListFromFolders());
        Assert.Equal(expected, Canonical(RunIndex.List(store, withSummary: true, refresh)));
        // A second listing, after any refresh or compaction the first one did, reads the same.
        Assert.Equal(expected, Canonical(RunIndex.List(store, withSummary: true, refresh)));
    }

    private static string Canonical(RunListing listing)
    {
        var sb = new StringBuilder();
        foreach (var run in listing.Runs)
        {
            sb.Append(run.Id).Append(' ').Append(run.Status.ToText()).Append(' ').Append(run.Directory).Append('\n')
              .Append(LabJson.Compact(run.Record)).Append('\n')
              .Append(run.Summary is null ? "-" : LabJson.Compact(run.Summary)).Append('\n');
        }
        foreach (var bad in listing.Unreadable)
        {
            sb.Append("unreadable ").Append(bad.Id).Append(": ").Append(bad.Reason).Append('\n');
        }
        return sb.ToString();
    }
}
