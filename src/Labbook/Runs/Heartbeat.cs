using Labbook.IO;

namespace Labbook.Runs;

/// <summary>
/// A run's owner touches <c>heartbeat</c> in the run folder every <see cref="Interval"/>. On the
/// same host a reader checks the owner's pid and start time, which is exact; from another host
/// (a Slurm job seen from the login node) it trusts the heartbeat: older than
/// <see cref="GracePeriod"/> means the owner is gone.
/// </summary>
public sealed class Heartbeat : IDisposable
{
    /// <summary>How often the owner beats.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>How long without a beat before a run on another host counts as crashed.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(60);

    /// <summary>The file name inside a run folder.</summary>
    public const string FileName = "heartbeat";

    private readonly string _path;
    private readonly Timer _timer;

    /// <summary>Starts beating for the run in <paramref name="runDirectory"/>.</summary>
    public Heartbeat(string runDirectory)
    {
        _path = Path.Combine(runDirectory, FileName);
        Beat();
        _timer = new Timer(_ => Beat(), null, Interval, Interval);
    }

    /// <summary>Time of the last beat of the run in <paramref name="runDirectory"/>, or null.</summary>
    public static DateTime? LastBeat(string runDirectory)
    {
        var path = Path.Combine(runDirectory, FileName);
        return File.Exists(path) ? File.GetLastWriteTimeUtc(path) : null;
    }

    /// <inheritdoc/>
    public void Dispose() => _timer.Dispose();

    private void Beat()
    {
        try
        {
            if (!File.Exists(_path))
            {
                File.WriteAllBytes(_path, []);
            }
            File.SetLastWriteTimeUtc(_path, DateTime.UtcNow);
            CrashPoints.Reached(CrashPoints.HeartbeatBeaten);
        }
        catch (IOException)
        {
            // A missed beat only matters after a whole grace period; the next one retries.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
