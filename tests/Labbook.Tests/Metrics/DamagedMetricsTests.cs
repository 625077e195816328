using Labbook.Metrics;

namespace Labbook.Tests.Metrics;

/// <summary>metrics.csv damaged while a run writes and reads it: deleted, or a line cut mid-way.</summary>
public class DamagedMetricsTests
{
    [Fact]
    public void A_deleted_file_is_recreated_with_its_header_and_the_writer_says_so_once()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        using var writer = new MetricWriter(path);
        var recreated = 0;
        writer.Recreated += () => recreated++;
        writer.Log("x", 1, 0);
        writer.Flush();
        File.Delete(path);
        writer.Log("x", 2, 1);
        writer.Flush();
        writer.Log("x", 3, 2);
        writer.Flush();
        Assert.Equal(1, recreated);
        var lines = File.ReadAllLines(path);
        Assert.Equal("step,name,value,time", lines[0]);
        Assert.Equal(["1,x,2", "2,x,3"], lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));
        Assert.Null(writer.WriteError);
    }

    [Fact]
    public void An_incremental_read_names_a_bad_line_with_the_line_number_a_full_read_gives()
    {
        using var dir = new TempDir();
        var path = dir.File("metrics.csv");
        File.WriteAllText(path, "step,name,value,time\n0,a,1,t\n");
        var live = new MetricReader();
        long end = 0;
        _ = live.Read(path, 0, e => end = e).ToList();
        File.AppendAllText(path, "1,a,\n2,a,3,t\n");
        _ = live.Read(path, end, e => end = e).ToList();
        var full = new MetricReader();
        _ = full.Read(path).ToList();
        Assert.Equal(3, Assert.Single(full.Issues).Line);
        Assert.Equal(3, Assert.Single(live.Issues).Line);
    }
}
