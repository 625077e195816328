using System.Globalization;
using System.Text;
using Labbook.Runs;

namespace Labbook.Executors.Slurm;

/// <summary>One item of a batch script: array task <see cref="Task"/> runs item <see cref="ItemId"/> under <see cref="Lease"/>.</summary>
/// <param name="Task">The array task id (0 for a plain job).</param>
/// <param name="ItemId">The queue item.</param>
/// <param name="Lease">The lease the attempt runs under.</param>
public sealed record SlurmTaskLine(int Task, string ItemId, string Lease);

/// <summary>
/// Writes the batch script of one submission: a plain job or an array. It holds its sbatch options
/// as <c>#SBATCH</c> lines as well (sbatch gets them as arguments too; the lines are for a person
/// who resubmits it by hand) and runs <c>lab queue slurm-task ITEM LEASE</c>, which does the work.
/// </summary>
public static class SlurmBatchScript
{
    /// <summary>The script's text.</summary>
    /// <param name="lab">The lab binary on the nodes.</param>
    /// <param name="workspace">The workspace root (on the shared file system).</param>
    /// <param name="options">Every sbatch option, one argument each.</param>
    /// <param name="tasks">The tasks; more than one makes an array.</param>
    /// <param name="utcNow">The time written in the header.</param>
    public static string Render(string lab, string workspace, IReadOnlyList<string> options, IReadOnlyList<SlurmTaskLine> tasks, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tasks);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"# Written by Labbook (lab queue start --executor slurm) at {utcNow:yyyy-MM-ddTHH:mm:ssZ} for queue item(s) {string.Join(", ", tasks.Select(t => t.ItemId))}.\n");
        s.Append("# Each task runs its item with `lab queue slurm-task ITEM LEASE`: the run folder is written by this\n");
        s.Append("# job, and the end is recorded in queue.jsonl. Resubmitting by hand (sbatch THIS_FILE, with the same\n");
        s.Append("# --array=... for an array) runs an item again if it is pending; a finished item is left alone.\n");
        foreach (var o in options)
        {
            s.Append("#SBATCH ").Append(o).Append('\n');
        }
        s.Append("export LAB_WORKSPACE=").Append(ShellQuote.Quote(workspace)).Append('\n');
        if (tasks.Count == 1 && tasks[0].Task == 0)
        {
            s.Append("item=").Append(ShellQuote.Quote(tasks[0].ItemId)).Append(" lease=").Append(ShellQuote.Quote(tasks[0].Lease)).Append('\n');
        }
        else
        {
            s.Append("case \"${SLURM_ARRAY_TASK_ID:-}\" in\n");
            foreach (var t in tasks)
            {
                s.Append(CultureInfo.InvariantCulture, $"  {t.Task}) item={ShellQuote.Quote(t.ItemId)} lease={ShellQuote.Quote(t.Lease)} ;;\n");
            }
            s.Append("  *) echo \"lab: no queue item for array task '${SLURM_ARRAY_TASK_ID:-}'\" >&2; exit 2 ;;\n");
            s.Append("esac\n");
        }
        s.Append("exec ").Append(ShellQuote.Quote(lab)).Append(" queue slurm-task \"$item\" \"$lease\"\n");
        return s.ToString();
    }

    /// <summary>
    /// The script of identical workers (a sweep on Slurm): every array task runs the same
    /// <c>lab</c> command line, e.g. <c>lab sweep --study s --trials 40 -j 1 -- ...</c>.
    /// </summary>
    public static string RenderWorkers(string lab, string workspace, IReadOnlyList<string> options, IReadOnlyList<string> labArgs, string what, DateTime utcNow)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(labArgs);
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append(CultureInfo.InvariantCulture, $"# Written by Labbook at {utcNow:yyyy-MM-ddTHH:mm:ssZ}: {what}.\n");
        s.Append("# Every array task runs the same worker on the shared journal; resubmitting it (sbatch THIS_FILE)\n");
        s.Append("# adds workers, never work beyond the total the command line names.\n");
        foreach (var o in options)
        {
            s.Append("#SBATCH ").Append(o).Append('\n');
        }
        s.Append("export LAB_WORKSPACE=").Append(ShellQuote.Quote(workspace)).Append('\n');
        s.Append("exec ").Append(ShellQuote.Quote(lab));
        foreach (var a in labArgs)
        {
            s.Append(' ').Append(ShellQuote.Quote(a));
        }
        s.Append('\n');
        return s.ToString();
    }
}
