using System.Text;
using Labbook.Processes;

namespace Labbook.Executors.Slurm;

/// <summary>What a Slurm command printed (stdout and stderr merged) and its exit code.</summary>
/// <param name="ExitCode">The exit code (-1 when it was killed or could not be started).</param>
/// <param name="Output">Its output.</param>
public sealed record SlurmCommandResult(int ExitCode, string Output)
{
    /// <summary>The first non-empty line, for error messages.</summary>
    public string FirstLine => Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(no output)";
}

/// <summary>Runs Slurm's commands (<c>sbatch</c>, <c>squeue</c>, <c>sacct</c>, <c>scontrol</c>, <c>scancel</c>). One job, so tests can stand in for the cluster.</summary>
public interface ISlurmCli
{
    /// <summary>Runs <paramref name="argv"/> (the program first) and returns what it printed.</summary>
    SlurmCommandResult Run(IReadOnlyList<string> argv);
}

/// <summary>
/// Runs Slurm's commands as child processes (posix_spawn with an argv, never a shell), stdin from
/// /dev/null, with a time limit: a controller that does not answer must not hang <c>lab</c>.
/// </summary>
public sealed class SlurmCli : ISlurmCli
{
    /// <summary>A command still running after this long is killed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc/>
    public SlurmCommandResult Run(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(new ChildStartInfo
            {
                Argv = argv,
                NullStdin = true,
                // Slurm's commands print dates and numbers for people; keep them parseable.
                Environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["LC_ALL"] = "C", ["SLURM_TIME_FORMAT"] = "standard" },
            });
        }
        catch (ChildStartException e)
        {
            return new SlurmCommandResult(-1, $"{argv[0]}: {e.Message} (is Slurm installed and on PATH?)");
        }
        using (child)
        {
            var read = Task.Run(() =>
            {
                using var reader = new StreamReader(child.Output!, Encoding.UTF8);
                return reader.ReadToEnd();
            });
            var wait = child.WaitForExitAsync();
            if (!wait.Wait(Timeout))
            {
                child.Signal(Native.Libc.SIGKILL);
                wait.Wait(TimeSpan.FromSeconds(5));
                return new SlurmCommandResult(-1, $"{argv[0]} did not answer within {Timeout.TotalSeconds:0} s");
            }
            var text = read.Wait(TimeSpan.FromSeconds(5)) ? read.Result : "";
            var (code, _) = wait.Result;
            return new SlurmCommandResult(code ?? -1, text);
        }
    }
}
