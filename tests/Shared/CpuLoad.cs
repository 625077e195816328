using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Labbook.Testing;

/// <summary>
/// The load run (docs/decisions/0028-load-runs.md): with <c>LAB_LOAD=1</c>, the test assembly saturates the CPU for
/// its whole life with more busy processes than cores (2 × cores + 1), so that timing defects that only show on a
/// loaded machine show in the tests. The processes are started when the assembly loads and killed by pid when it
/// exits, pass or fail; each one also ends by itself once the test host is gone (it polls the host's pid) and after
/// 20 minutes at most, so none is ever left behind.
/// </summary>
internal static class CpuLoad
{
    /// <summary>The environment variable that turns the load on.</summary>
    public const string Variable = "LAB_LOAD";

    // A busy loop in bash: a few thousand empty iterations, then a check that the host is alive and the time cap.
    internal const string BusyLoop = "while kill -0 \"$1\" 2>/dev/null && [ \"$SECONDS\" -lt 1200 ]; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done";

    private static readonly Lock Gate = new();
    private static readonly List<Process> Busy = [];
    private static bool _started;

    /// <summary>True when this test run was asked to run under load.</summary>
    public static bool Requested => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>How many busy processes a load run starts: more than there are cores.</summary>
    public static int ProcessCount => (2 * Environment.ProcessorCount) + 1;

    /// <summary>The busy processes' pids (empty when no load was asked for).</summary>
    public static IReadOnlyList<int> Pids
    {
        get
        {
            lock (Gate)
            {
                return [.. Busy.Select(p => p.Id)];
            }
        }
    }

#pragma warning disable CA2255 // A test assembly's own start-up: the load must exist before the first test starts.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void StartWhenRequested()
    {
        if (Requested)
        {
            Start();
        }
    }

    /// <summary>Starts the busy processes once; they are stopped when this process exits.</summary>
    public static void Start()
    {
        lock (Gate)
        {
            if (_started)
            {
                return;
            }
            _started = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
            var host = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            for (var i = 0; i < ProcessCount; i++)
            {
                var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardInput = true };
                foreach (var arg in new[] { "-c", BusyLoop, "lab-test-load", host })
                {
                    psi.ArgumentList.Add(arg);
                }
                Busy.Add(Process.Start(psi)!);
            }
        }
    }

    /// <summary>Kills every busy process by its pid and waits for it.</summary>
    public static void Stop()
    {
        lock (Gate)
        {
            foreach (var p in Busy)
            {
                try
                {
                    if (!p.HasExited)
                    {
                        p.Kill();
                        p.WaitForExit(5000);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Already gone.
                }
                p.Dispose();
            }
            Busy.Clear();
        }
    }
}
