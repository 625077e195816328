using System.Globalization;
using System.Text;
using Labbook.Native;

namespace Labbook.Processes;

/// <summary>
/// Finds and kills processes left behind by a dead queue runner or sweep. Every child of a queue
/// attempt carries <c>LAB_QUEUE_LEASE=&lt;lease&gt;</c> in its environment (a sweep trial's child,
/// <c>LAB_SWEEP_TRIAL=&lt;mark&gt;</c>), and so do its own children unless they scrub it;
/// /proc/PID/environ shows it for processes of the same user.
/// </summary>
public static class Orphans
{
    /// <summary>The environment variable marking a queue attempt's processes.</summary>
    public const string LeaseVariable = "LAB_QUEUE_LEASE";

    /// <summary>Pids of live processes whose environment has <c>LAB_QUEUE_LEASE=lease</c>.</summary>
    public static List<int> Find(string lease) => Find(LeaseVariable, lease);

    /// <summary>Pids of live processes whose environment has <c>variable=value</c>.</summary>
    public static List<int> Find(string variable, string value)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(value);
        var needle = Encoding.UTF8.GetBytes(variable + "=" + value);
        var self = Environment.ProcessId;
        var found = new List<int>();
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories("/proc");
        }
        catch (IOException)
        {
            return found;
        }
        foreach (var dir in dirs)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }
            byte[] env;
            try
            {
                env = File.ReadAllBytes(Path.Combine(dir, "environ"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var range in env.AsSpan().Split((byte)0))
            {
                if (env.AsSpan(range).SequenceEqual(needle))
                {
                    found.Add(pid);
                    break;
                }
            }
        }
        return found;
    }

    /// <summary>Kills (SIGKILL) every process of the lease, and their process groups; waits up to <paramref name="wait"/> for them to go.</summary>
    /// <returns>How many processes were found.</returns>
    public static int Kill(string lease, TimeSpan wait)
    {
        var pids = Find(lease);
        SignalAndWait(pids, pids, Libc.SIGKILL, wait);
        return pids.Count;
    }

    /// <summary>
    /// Stops every process whose environment has <c>variable=value</c>, and their process groups:
    /// SIGTERM, then SIGKILL to those still running after <paramref name="grace"/>; waits up to
    /// <paramref name="wait"/> more for them to go.
    /// </summary>
    /// <returns>How many processes were found.</returns>
    public static int Stop(string variable, string value, TimeSpan grace, TimeSpan wait)
    {
        var pids = Find(variable, value);
        if (pids.Count == 0)
        {
            return 0;
        }
        SignalAndWait(pids, pids, Libc.SIGTERM, grace);
        // Descendants that started after the first look, or that ignore SIGTERM, get SIGKILL.
        SignalAndWait([.. pids.Where(IsRunning).Concat(Find(variable, value)).Distinct()], pids, Libc.SIGKILL, wait);
        return pids.Count;
    }

    /// <summary>Sends <paramref name="signal"/> to each process and its group, then waits up to <paramref name="wait"/> for <paramref name="awaited"/> to go.</summary>
    private static void SignalAndWait(IReadOnlyList<int> targets, IReadOnlyList<int> awaited, int signal, TimeSpan wait)
    {
        foreach (var pid in targets)
        {
            _ = Libc.Kill(-pid, signal);
            _ = Libc.Kill(pid, signal);
        }
        var deadline = DateTime.UtcNow + wait;
        while (DateTime.UtcNow < deadline && awaited.Any(IsRunning))
        {
            Thread.Sleep(10);
        }
    }

    private static bool IsRunning(int pid)
    {
        // A killed child of a dead runner is reparented and reaped by init; a zombie no longer runs.
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }
}
