namespace Labbook.EndToEnd.Tests;

/// <summary>lab compare in the terminal.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    [Fact]
    public void Shows_differing_params_metrics_and_curves()
    {
        Assert.Equal(0, _ws.Lab("note", "learning rate").ExitCode);
        Assert.Equal(0, _ws.Lab("run", "--name", "slow", "-p", "lr=0.001", "-p", "depth=4", "--", "sh", "-c", "for i in 1 2 3 4; do echo \"@lab loss=$((10 - i)) step=$i\"; done").ExitCode);
        Assert.Equal(0, _ws.Lab("run", "--name", "fast", "-p", "lr=0.01", "-p", "depth=4", "--", "sh", "-c", "for i in 1 2 3 4; do echo \"@lab loss=$((8 - 2 * i)) step=$i\"; done").ExitCode);

        var byName = _ws.Lab("compare", "slow", "fast");
        Assert.Equal(0, byName.ExitCode);
        Assert.Contains("params that differ", byName.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"lr\s+0\.001\s+0\.01", byName.Stdout);
        Assert.DoesNotContain("depth", byName.Stdout, StringComparison.Ordinal);
        // last, best (the min: lower is better for a loss), min, max, steps, curve.
        Assert.Matches(@"loss\s+slow \w+\s+6\s+6\s+6\s+9\s+4\s+█▆▃▁", byName.Stdout);
        Assert.Matches(@"fast \w+\s+0\s+0\s+0\s+6\s+4\s+█▆▃▁", byName.Stdout);

        var byEntry = _ws.Lab("compare", "--entry", "E1");
        Assert.Equal(byName.Stdout, byEntry.Stdout);

        var html = Path.Combine(_ws.Root, "compare.html");
        Assert.Equal(0, _ws.Lab("compare", "slow", "fast", "--html", html).ExitCode);
        var page = File.ReadAllText(html);
        Assert.Contains("<canvas id=\"chart0\"></canvas>", page, StringComparison.Ordinal);
        Assert.Contains("\"metric\":\"loss\"", page, StringComparison.Ordinal);
        Assert.Contains("\"points\":[[1,9],[2,8],[3,7],[4,6]]", page, StringComparison.Ordinal);
        Assert.Contains("Chart.js licence", page, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", page, StringComparison.Ordinal);

        var png = Path.Combine(_ws.Root, "compare.png");
        var wrote = _ws.Lab("compare", "--entry", "E1", "--png", png);
        Assert.Equal(0, wrote.ExitCode);
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);

        var none = _ws.Lab("compare");
        Assert.Equal(2, none.ExitCode);
        Assert.StartsWith("lab: name the runs to compare", none.Stderr, StringComparison.Ordinal);
    }
}
