namespace Labbook.EndToEnd.Tests;

public class SmokeTests
{
    [Fact]
    public void Version_prints_the_version()
    {
        using var ws = new TempWorkspace();
        var r = ws.Lab("--version");
        Assert.Equal(0, r.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", r.Stdout.Trim());
    }
}
