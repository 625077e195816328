using System.Diagnostics;
using System.Text;

namespace Labbook.Tests.Tuning;

/// <summary>Starts the helper programs of the process tests: the C# worker and Debian's Python Optuna.</summary>
internal static class Processes
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> OptunaProblem = new(() =>
    {
        try
        {
            var r = Run(Python, ["-c", "import optuna"], TimeSpan.FromSeconds(60));
            return r.ExitCode == 0 ? null : "'import optuna' failed: " + r.Stderr.Trim();
        }
        catch (Exception ex)
        {
            return $"{Python} cannot run: {ex.Message}";
        }
    });

    /// <summary>Why Optuna tests cannot run here, or null when they can.</summary>
    public static string? WhyNoOptuna => OptunaProblem.Value;

    public static bool InCi => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>The built worker (tests/Labbook.Tuning.Worker), found beside this test assembly's build folder.</summary>
    public static string WorkerDll
    {
        get
        {
            var baseDir = AppContext.BaseDirectory;
            var candidate = baseDir.Replace(
                Path.Combine("tests", "Labbook.Tests", "bin"),
                Path.Combine("tests", "Labbook.Tuning.Worker", "bin"),
                StringComparison.Ordinal);
            var dll = Path.Combine(candidate, "Labbook.Tuning.Worker.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"build tests/Labbook.Tuning.Worker first (looked for {dll})");
        }
    }

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Tuning", "Python", name);

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A running process whose stdout lines are collected as they come.</summary>
    public sealed class Live : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();
        private readonly List<string> _lines = [];

        public Live(string file, IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }
            _process = new Process { StartInfo = psi };
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (_lines)
                    {
                        _lines.Add(line);
                    }
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lock (_stderr)
                    {
                        _stderr.AppendLine(line);
                    }
                }
            };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                {
                    return _stderr.ToString();
                }
            }
        }

        public int ExitCode => _process.ExitCode;

        /// <summary>SIGKILL to the process and its children, then wait until they and their output are gone.</summary>
        public void KillHard()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
            _process.WaitForExit();
        }

        public bool WaitForExit(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                return false;
            }
            _process.WaitForExit();
            return true;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                KillHard();
            }
            _process.Dispose();
        }
    }
}

/// <summary>
/// A test that needs Debian's Python Optuna. Skipped with a clear message when <c>/usr/bin/python3 -c "import optuna"</c>
/// fails, unless the environment variable CI is "true": there it runs (and fails).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class OptunaFactAttribute : FactAttribute
{
    public OptunaFactAttribute()
    {
        if (!Processes.InCi && Processes.WhyNoOptuna is { } why)
        {
            Skip = $"needs Optuna 3.1 ({Processes.Python} with python3-optuna): {why}. Install python3-optuna; with CI=true this test runs and fails instead.";
        }
    }
}
