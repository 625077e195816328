using System.Globalization;

namespace Labbook.Executors.Slurm;

/// <summary>Parsers for the text Slurm's commands print. Lines that do not fit are skipped (stderr is merged in).</summary>
public static class SlurmOutput
{
    /// <summary>The sacct fields asked for, in order (<c>-o</c>).</summary>
    public const string SacctFields = "JobID,State,ExitCode,Reason,Submit";

    /// <summary>
    /// Parses <c>sacct -n -X -P -o JobID,State,ExitCode,Reason,Submit</c>: <c>2|FAILED|3:0|None|2026-11-28T07:08:44</c>,
    /// <c>4|CANCELLED by 0|0:0|None|...</c>, <c>3_1|COMPLETED|0:0|JobArrayTaskLimit|...</c> (the submit time may be missing). A pending
    /// array's not-yet-split tasks come as <c>3_[2-5%1]</c>; those are expanded.
    /// </summary>
    public static List<SlurmJobState> ParseSacct(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<SlurmJobState>();
        foreach (var raw in text.Split('\n'))
        {
            var fields = raw.TrimEnd('\r').Split('|');
            if (fields.Length < 3 || fields[0].Length == 0 || !char.IsAsciiDigit(fields[0][0]))
            {
                continue;
            }
            var (exit, signal) = SlurmJobState.ParseExitPair(fields[2]);
            var reason = fields.Length > 3 && fields[3] is { Length: > 0 } r && r != "None" ? r : null;
            var submitted = fields.Length > 4 && fields[4] is { Length: > 0 } t && t != "Unknown" ? t : null;
            foreach (var id in ExpandArrayId(fields[0]))
            {
                list.Add(new SlurmJobState(id, fields[1], exit, signal, reason, submitted));
            }
        }
        return list;
    }

    /// <summary>
    /// Parses <c>scontrol show job -o</c>: one line per job or array task, <c>key=value</c> pairs
    /// (<c>JobId=7 ArrayJobId=3 ArrayTaskId=1 ... JobState=FAILED Reason=NonZeroExitCode ... ExitCode=3:0</c>).
    /// </summary>
    public static List<SlurmJobState> ParseScontrol(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<SlurmJobState>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("JobId=", StringComparison.Ordinal))
            {
                continue;
            }
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    values.TryAdd(pair[..eq], pair[(eq + 1)..]);
                }
            }
            if (!values.TryGetValue("JobState", out var state))
            {
                continue;
            }
            var id = values["JobId"];
            var (exit, signal) = values.TryGetValue("ExitCode", out var ec) ? SlurmJobState.ParseExitPair(ec) : (null, null);
            var reason = values.TryGetValue("Reason", out var r) && r != "None" ? r : null;
            var submitted = values.TryGetValue("SubmitTime", out var t) && t != "Unknown" ? t : null;
            if (values.TryGetValue("ArrayJobId", out var arrayJob) && values.TryGetValue("ArrayTaskId", out var task))
            {
                foreach (var taskId in ExpandArrayId(arrayJob + "_" + task))
                {
                    list.Add(new SlurmJobState(taskId, state, exit, signal, reason, submitted));
                }
            }
            else
            {
                list.Add(new SlurmJobState(id, state, exit, signal, reason, submitted));
            }
        }
        return list;
    }

    /// <summary>
    /// Parses <c>squeue -t all -h -O JobArrayID:|,State:|,exit_code:|,Reason:|</c> where the exit code is
    /// the raw wait status (768 = exit 3, 15 = signal 15).
    /// </summary>
    public static List<SlurmJobState> ParseSqueue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<SlurmJobState>();
        foreach (var raw in text.Split('\n'))
        {
            var fields = raw.Trim().Split(raw.Contains('|', StringComparison.Ordinal) ? ['|'] : [' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 2 || !char.IsAsciiDigit(fields[0][0]))
            {
                continue;
            }
            int? exit = null, signal = null;
            if (fields.Length > 2 && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var status))
            {
                exit = (status >> 8) & 0xff;
                signal = (status & 0x7f) is var s and > 0 ? s : null;
            }
            var reason = fields.Length > 3 && fields[3] != "None" ? fields[3] : null;
            foreach (var id in ExpandArrayId(fields[0]))
            {
                list.Add(new SlurmJobState(id, fields[1], exit, signal, reason));
            }
        }
        return list;
    }

    /// <summary>Parses <c>sbatch --parsable</c>: <c>123</c> or <c>123;cluster</c> on the last line. Null when there is no job id.</summary>
    public static string? ParseSbatch(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var raw in text.Split('\n').Reverse())
        {
            var line = raw.Trim();
            var semi = line.IndexOf(';', StringComparison.Ordinal);
            var id = semi < 0 ? line : line[..semi];
            if (id.Length > 0 && id.All(char.IsAsciiDigit))
            {
                return id;
            }
        }
        return null;
    }

    /// <summary>A value of <c>scontrol show config</c> (<c>MaxArraySize            = 1001</c>), or null.</summary>
    public static string? ConfigValue(string text, string key)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var raw in text.Split('\n'))
        {
            var eq = raw.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && raw[..eq].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return raw[(eq + 1)..].Trim();
            }
        }
        return null;
    }

    /// <summary>
    /// Expands an array id as Slurm prints a group of pending tasks: <c>3_[2-5%1]</c>,
    /// <c>3_[1,4-5]</c>; a plain id (<c>3</c>, <c>3_2</c>) is returned as is.
    /// </summary>
    public static IEnumerable<string> ExpandArrayId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var open = id.IndexOf("_[", StringComparison.Ordinal);
        if (open < 0 || !id.EndsWith(']'))
        {
            yield return id;
            yield break;
        }
        var job = id[..open];
        var spec = id[(open + 2)..^1];
        var pct = spec.IndexOf('%', StringComparison.Ordinal);
        if (pct >= 0)
        {
            spec = spec[..pct];
        }
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                yield return job + "_" + part;
                continue;
            }
            if (int.TryParse(part.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && int.TryParse(part.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                for (var i = from; i <= to && i - from < 100_000; i++)
                {
                    yield return job + "_" + i.ToString(CultureInfo.InvariantCulture);
                }
            }
        }
    }
}
