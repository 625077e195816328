using System.Globalization;

namespace Labbook.Processes;

/// <summary>
/// Names a process so that a later reader can tell whether it is still alive: host, pid, the
/// process's start time in clock ticks since boot, and the kernel's boot id. A pid that was
/// reused by another process has another start time; a reboot changes the boot id.
/// </summary>
public static class ProcessIdentity
{
    private static readonly Lazy<string?> CachedBootId = new(() => ReadTrimmed("/proc/sys/kernel/random/boot_id"));

    /// <summary>The current host's short name.</summary>
    public static string HostName { get; } = ShortHostName();

    /// <summary>The user name: <c>$USER</c> when set (reading the password database costs a lookup per run).</summary>
    public static string UserName =>
        Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user : Environment.UserName;

    /// <summary>The kernel boot id, or null off Linux.</summary>
    public static string? BootId => CachedBootId.Value;

    /// <summary>The start time of <paramref name="pid"/> in clock ticks since boot, or null when it does not exist.</summary>
    public static long? StartTicks(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) may contain spaces and parentheses: fields are counted after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 2)..].Split(' ');
        // Field 22 (starttime) is the 20th after the command name.
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    /// <summary>Whether the process identified by these values is alive, when it ran on this host.</summary>
    /// <returns>True or false when it can be told from here; null for another host.</returns>
    public static bool? IsAlive(string host, int pid, long startTicks, string? bootId)
    {
        if (!string.Equals(host, HostName, StringComparison.Ordinal))
        {
            return null;
        }
        if (bootId is not null && BootId is not null && !string.Equals(bootId, BootId, StringComparison.Ordinal))
        {
            return false;
        }
        var current = StartTicks(pid);
        // A killed process stays in /proc, with its start time, until its parent reaps it: a zombie is not alive
        // (a sweep killed with -9 and not yet reaped left its trials' children running, taken for its own).
        return current is not null && current == startTicks && !IsZombie(pid);
    }

    /// <summary>True when <paramref name="pid"/> has ended and waits to be reaped (state Z or X in /proc/PID/stat).</summary>
    internal static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string ShortHostName()
    {
        var name = Environment.MachineName;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
