using System.Globalization;
using System.Text.Json.Nodes;
using Labbook.Queue;

namespace Labbook.Executors.Slurm;

/// <summary>How <c>--gpus</c> is asked of Slurm.</summary>
public enum SlurmGpuSyntax
{
    /// <summary><c>--gres=gpu:N</c> (works on every Slurm version; the default).</summary>
    Gres,

    /// <summary><c>--gpus=N</c> (Slurm 19.05 and later, with the cons_tres plugin).</summary>
    Gpus,
}

/// <summary>
/// Resources and behaviour of the Slurm executor: defaults for every job (from the command line or
/// the <c>"slurm"</c> object of <c>.labbook/settings.json</c>); an item adds its own GPUs, time
/// limit and raw options on top. Every option reaches <c>sbatch</c> as one argument, never through a shell.
/// </summary>
public sealed class SlurmSettings
{
    /// <summary><c>--partition</c>.</summary>
    public string? Partition { get; set; }

    /// <summary><c>--account</c>.</summary>
    public string? Account { get; set; }

    /// <summary><c>--time</c>, in Slurm's syntax (<c>30</c>, <c>2:00:00</c>, <c>1-12</c>).</summary>
    public string? Time { get; set; }

    /// <summary><c>--cpus-per-task</c>.</summary>
    public int? Cpus { get; set; }

    /// <summary><c>--mem</c> (<c>16G</c>).</summary>
    public string? Mem { get; set; }

    /// <summary>GPUs for items that ask for none themselves (an item's <c>--gpus</c> wins).</summary>
    public int? Gpus { get; set; }

    /// <summary>How GPUs are asked for.</summary>
    public SlurmGpuSyntax GpuFlag { get; set; }

    /// <summary><c>--qos</c>.</summary>
    public string? Qos { get; set; }

    /// <summary>Raw <c>sbatch</c> options, one argument each (<c>--constraint=a100</c>).</summary>
    public List<string> Extra { get; set; } = [];

    /// <summary>At most this many tasks of one array run at once (<c>--array=0-9%N</c>).</summary>
    public int? Throttle { get; set; }

    /// <summary>Arrays are cut into chunks no larger than this or the cluster's MaxArraySize, whichever is smaller.</summary>
    public int? MaxArraySize { get; set; }

    /// <summary>Read states with sacct when the cluster has accounting (null: ask <c>scontrol show config</c>); false reads <c>squeue -t all</c> and <c>scontrol</c> only.</summary>
    public bool? UseSacct { get; set; }

    /// <summary>The <c>lab</c> binary the jobs run (default: this one; it must be at the same path on the nodes).</summary>
    public string? Lab { get; set; }

    /// <summary>
    /// Reads the <c>"slurm"</c> object of settings.json: <c>partition</c>, <c>account</c>,
    /// <c>time</c>, <c>cpus</c>, <c>mem</c>, <c>gpus</c>, <c>gpu_flag</c> (gres or gpus),
    /// <c>qos</c>, <c>sbatch</c> (array of raw options), <c>throttle</c>, <c>max_array_size</c>,
    /// <c>sacct</c> (true/false), <c>lab</c>.
    /// </summary>
    /// <exception cref="FormatException">A value has the wrong type.</exception>
    public static SlurmSettings FromJson(JsonObject? o)
    {
        var s = new SlurmSettings();
        if (o is null)
        {
            return s;
        }
        try
        {
            s.Partition = o["partition"]?.GetValue<string>();
            s.Account = o["account"]?.GetValue<string>();
            s.Time = o["time"] is { } t ? t.GetValueKind() == System.Text.Json.JsonValueKind.Number ? t.GetValue<int>().ToString(CultureInfo.InvariantCulture) : t.GetValue<string>() : null;
            s.Cpus = o["cpus"]?.GetValue<int>();
            s.Mem = o["mem"]?.GetValue<string>();
            s.Gpus = o["gpus"]?.GetValue<int>();
            s.GpuFlag = o["gpu_flag"]?.GetValue<string>() is { } f ? ParseGpuFlag(f) : SlurmGpuSyntax.Gres;
            s.Qos = o["qos"]?.GetValue<string>();
            s.Extra = o["sbatch"] is JsonArray a ? [.. a.Select(x => x!.GetValue<string>())] : [];
            s.Throttle = o["throttle"]?.GetValue<int>();
            s.MaxArraySize = o["max_array_size"]?.GetValue<int>();
            s.UseSacct = o["sacct"]?.GetValue<bool>();
            s.Lab = o["lab"]?.GetValue<string>();
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException)
        {
            throw new FormatException("\"slurm\": " + e.Message, e);
        }
        return s;
    }

    /// <summary>Parses <c>gres</c> or <c>gpus</c>.</summary>
    public static SlurmGpuSyntax ParseGpuFlag(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "gres" => SlurmGpuSyntax.Gres,
        "gpus" => SlurmGpuSyntax.Gpus,
        _ => throw new FormatException($"gpu flag '{text}': expected gres or gpus"),
    };

    /// <summary>
    /// The sbatch options for one item, as separate arguments: the defaults, then the item's GPUs
    /// and time limit (its <c>--timeout</c> plus a minute, so that lab's own limit ends it first
    /// and records a timeout), then raw options (defaults, then the item's: the last one wins in sbatch).
    /// </summary>
    /// <exception cref="ArgumentException">A value holds a control character or a raw option does not start with '-'.</exception>
    public List<string> OptionsFor(QueueItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var args = new List<string>();
        void Add(string flag, string? value)
        {
            if (value is not null)
            {
                args.Add(flag + "=" + value);
            }
        }
        Add("--partition", Partition);
        Add("--account", Account);
        Add("--qos", Qos);
        Add("--cpus-per-task", Cpus?.ToString(CultureInfo.InvariantCulture));
        Add("--mem", Mem);
        var timeLimit = item.TimeoutS is { } t ? Math.Max(1, (int)Math.Ceiling(t / 60.0) + 1).ToString(CultureInfo.InvariantCulture) : Time;
        Add("--time", timeLimit);
        var gpus = item.Gpus > 0 ? item.Gpus : Gpus ?? 0;
        if (gpus > 0)
        {
            args.Add(GpuFlag == SlurmGpuSyntax.Gpus ? "--gpus=" + gpus.ToString(CultureInfo.InvariantCulture) : "--gres=gpu:" + gpus.ToString(CultureInfo.InvariantCulture));
        }
        args.AddRange(Extra);
        args.AddRange(item.Sbatch ?? []);
        foreach (var a in args)
        {
            if (a.Any(char.IsControl))
            {
                throw new ArgumentException($"sbatch option '{a.Replace('\n', ' ')}' holds a control character");
            }
            if (!a.StartsWith('-'))
            {
                throw new ArgumentException($"sbatch option '{a}' does not start with '-'");
            }
        }
        return args;
    }
}
