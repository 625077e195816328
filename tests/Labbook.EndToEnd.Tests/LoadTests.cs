using System.Diagnostics;
using System.Globalization;
using Labbook.Testing;

namespace Labbook.EndToEnd.Tests;

/// <summary>The load run itself (docs/decisions/0028-load-runs.md): on when asked, off otherwise, never left behind.</summary>
public sealed class LoadTests
{
    [Fact]
    public void The_cpu_is_saturated_exactly_when_the_load_run_is_asked_for()
    {
        var pids = CpuLoad.Pids;
        if (!CpuLoad.Requested)
        {
            Assert.Empty(pids);
            return;
        }
        Assert.True(CpuLoad.ProcessCount > Environment.ProcessorCount);
        Assert.Equal(CpuLoad.ProcessCount, pids.Count);
        Assert.All(pids, pid => Assert.False(Process.GetProcessById(pid).HasExited, $"busy process {pid} is gone"));
    }

    [Fact]
    public void A_busy_process_ends_by_itself_when_its_test_host_is_gone()
    {
        using var host = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", CpuLoad.BusyLoop, "lab-test-load", host.Id.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }
        using var busy = Process.Start(psi)!;
        try
        {
            Assert.False(busy.WaitForExit(500), "the busy loop ended while its host was alive");
            host.Kill();
            host.WaitForExit();
            Assert.True(busy.WaitForExit(60_000), "the busy loop outlived its host");
        }
        finally
        {
            if (!busy.HasExited)
            {
                busy.Kill();
            }
        }
    }
}
