using System.Text;
using System.Threading.Channels;
using Labbook.Workspaces;

namespace Labbook.Ui;

/// <summary>
/// Watches the workspace and tells open pages what changed. A FileSystemWatcher on runs/ (not
/// recursive: one inotify watch) notices new runs at once; a tick every half second stats the few
/// files that can change (the runs still running, queue.jsonl, NOTEBOOK.md, the study journals);
/// every ten seconds all runs are stat'ed for late edits (tags, a summary rewritten). Nothing is
/// re-read unless its size or modification time moved.
/// </summary>
internal sealed class ChangeFeed : IDisposable
{
    private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(500);
    private const int FullCheckEvery = 20;

    private readonly Workspace _workspace;
    private readonly RunsSource _runs;
    private readonly Lock _gate = new();
    private readonly List<Channel<string>> _subscribers = [];
    private readonly Dictionary<string, (long, long)> _fileStamps = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private volatile bool _runsFolderChanged;
    private readonly bool _primed;

    public ChangeFeed(Workspace workspace, RunsSource runs)
    {
        _workspace = workspace;
        _runs = runs;
        StampFiles();
        _primed = true;
    }

    /// <summary>Watches and ticks until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        TryWatch();
        using var timer = new PeriodicTimer(TickPeriod);
        var tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                tick++;
                var full = tick % FullCheckEvery == 0;
                if (_watcher is null)
                {
                    TryWatch();
                }
                var changedRuns = new HashSet<string>(StringComparer.Ordinal);
                if (_runsFolderChanged || full)
                {
                    _runsFolderChanged = false;
                    changedRuns.UnionWith(_runs.Rescan());
                }
                changedRuns.UnionWith(_runs.CheckForChanges(all: full));
                var kinds = StampFiles();
                if (changedRuns.Count > 0 || kinds.Count > 0)
                {
                    Publish(Event(changedRuns, kinds));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            lock (_gate)
            {
                foreach (var s in _subscribers)
                {
                    s.Writer.TryComplete();
                }
            }
        }
    }

    /// <summary>A new subscriber's queue of events (JSON text); dispose the returned handle to leave.</summary>
    public (ChannelReader<string> Events, IDisposable Leave) Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }
        return (channel.Reader, new Leave(this, channel));
    }

    public void Dispose() => _watcher?.Dispose();

    private void Publish(string json)
    {
        lock (_gate)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(json);
            }
        }
    }

    private void TryWatch()
    {
        if (!Directory.Exists(_workspace.RunsDirectory))
        {
            return;
        }
        try
        {
            var watcher = new FileSystemWatcher(_workspace.RunsDirectory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.DirectoryName };
            watcher.Created += (_, _) => _runsFolderChanged = true;
            watcher.Deleted += (_, _) => _runsFolderChanged = true;
            watcher.Renamed += (_, _) => _runsFolderChanged = true;
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
            _runsFolderChanged = true;
        }
        catch (IOException)
        {
            // Out of inotify watches: the periodic full check still finds new runs.
        }
    }

    /// <summary>Which of queue, notebook and studies changed since the last call.</summary>
    private List<string> StampFiles()
    {
        var kinds = new List<string>();
        if (Changed(_workspace.QueuePath))
        {
            kinds.Add("queue");
        }
        if (Changed(_workspace.NotebookPath))
        {
            kinds.Add("notebook");
        }
        var studies = false;
        if (Directory.Exists(_workspace.StudiesDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(_workspace.StudiesDirectory, "*.jsonl"))
            {
                studies |= Changed(file);
            }
        }
        if (studies)
        {
            kinds.Add("studies");
        }
        return kinds;
    }

    private bool Changed(string path)
    {
        var info = new FileInfo(path);
        var stamp = info.Exists ? (info.Length, info.LastWriteTimeUtc.Ticks) : (-1L, 0L);
        var known = _fileStamps.TryGetValue(path, out var before);
        _fileStamps[path] = stamp;
        // A study journal that appears after start-up is news; the files seen at start-up are not.
        return known ? before != stamp : _primed;
    }

    private static string Event(IEnumerable<string> runs, List<string> kinds)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("runs");
            foreach (var id in runs)
            {
                w.WriteStringValue(id);
            }
            w.WriteEndArray();
            foreach (var kind in kinds)
            {
                w.WriteBoolean(kind, true);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed class Leave(ChangeFeed feed, Channel<string> channel) : IDisposable
    {
        public void Dispose()
        {
            lock (feed._gate)
            {
                feed._subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        }
    }
}
