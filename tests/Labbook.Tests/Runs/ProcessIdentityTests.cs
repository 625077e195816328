using System.Diagnostics;
using System.Globalization;
using Labbook.Processes;

namespace Labbook.Tests.Runs;

public class ProcessIdentityTests
{
    [Fact]
    public void A_killed_process_not_yet_reaped_is_not_alive()
    {
        // Issue 12: a sweep killed with -9 stays a zombie until its parent reaps it, with its pid and start time in
        // /proc; the next sweep took it for alive and left its trials' children running. Here the zombie is a child
        // of `sleep`, which never reaps.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("sh -c 'exit 0' & echo $!; exec sleep 60");
        using var parent = Process.Start(start)!;
        try
        {
            var pid = int.Parse(parent.StandardOutput.ReadLine()!, CultureInfo.InvariantCulture);
            var waited = Stopwatch.StartNew();
            while (!ProcessIdentity.IsZombie(pid))
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the child never became a zombie");
                Thread.Sleep(10);
            }
            var ticks = ProcessIdentity.StartTicks(pid);
            Assert.NotNull(ticks);
            Assert.False(ProcessIdentity.IsAlive(ProcessIdentity.HostName, pid, ticks.Value, ProcessIdentity.BootId));
            // And a live one is alive: the check above can tell them apart.
            Assert.True(ProcessIdentity.IsAlive(ProcessIdentity.HostName, parent.Id, ProcessIdentity.StartTicks(parent.Id)!.Value, ProcessIdentity.BootId));
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }
}
