using System.Diagnostics;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// A test of the published Native AOT binary itself (LAB_BIN). Skipped with a message when LAB_BIN is unset or names a
/// framework-dependent apphost (a lab.dll beside it), unless CI is "true": there it runs (and fails).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PublishedBinaryFactAttribute : FactAttribute
{
    public PublishedBinaryFactAttribute()
    {
        var bin = Environment.GetEnvironmentVariable("LAB_BIN");
        var why = string.IsNullOrEmpty(bin) ? "LAB_BIN is not set"
            : File.Exists(Path.Combine(Path.GetDirectoryName(bin) ?? ".", "lab.dll")) ? $"{bin} is an apphost, not the Native AOT binary"
            : null;
        if (why is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"needs the published Native AOT lab: {why}. scripts/test.sh publishes it and sets LAB_BIN.";
        }
    }
}

/// <summary>The install the README gives: one file, <c>lab</c>, copied alone anywhere, and every chart it draws works.</summary>
public sealed class OneFileInstallTests : IDisposable
{
    private const string Curve = """
        import sys, math
        x = float(sys.argv[1])
        for s in range(12):
            print(f"@lab loss={(1 + x * x) * math.exp(-s / 6)} acc={1 - math.exp(-s / (4 + x))} step={s}")
        """;

    private readonly string _bin = Path.Combine(Path.GetTempPath(), "lab-onefile-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _ws = Path.Combine(Path.GetTempPath(), "lab-onefile-ws-" + Guid.NewGuid().ToString("N")[..10]);

    public OneFileInstallTests()
    {
        Directory.CreateDirectory(_bin);
        Directory.CreateDirectory(_ws);
    }

    [PublishedBinaryFact]
    public void The_lab_binary_copied_alone_draws_every_chart()
    {
        var lab = Path.Combine(_bin, "lab");
        File.Copy(TempWorkspace.LabBinary, lab);
        Assert.Equal(["lab"], Directory.GetFiles(_bin).Select(Path.GetFileName));
        File.WriteAllText(Path.Combine(_ws, "curve.py"), Curve);

        Run(lab, "note", "does x matter?", "--expect", "loss < 0.5");
        Run(lab, "run", "-n", "base", "--tag", "baseline", "--", "python3", "curve.py", "0.1");
        Run(lab, "run", "-n", "wide", "--", "python3", "curve.py", "0.9");
        Run(lab, "sweep", "--study", "s", "-s", "x=-1..1", "--objective", "loss", "--direction", "minimize", "--trials", "4",
            "--sampler", "random", "--seed", "1", "--pruner", "median", "--", "python3", "curve.py", "{x}");

        Run(lab, "compare", "base", "wide", "--png", "c.png", "--html", "c.html");
        Run(lab, "compare", "base", "wide", "--png", "c.svg");
        Run(lab, "morning", "--html", "m.html");
        Run(lab, "study", "show", "s", "--html", "s.html", "--plots", "png");
        Run(lab, "study", "show", "s", "--plots", "svg", "--format", "svg");

        // Coloured pixels: the curves and markers (a chart without its data has none; 4 trials make a few dozen dots).
        foreach (var png in new[] { "c.png", "png/history.png", "png/slices.png", "png/parallel.png", "png/intermediate.png" })
        {
            var image = PngImage.Read(Path.Combine(_ws, png));
            Assert.True(image.CountColoured() > 50, $"{png}: only {image.CountColoured()} coloured pixels");
        }
        foreach (var svg in new[] { "c.svg", "svg/history.svg", "svg/slices.svg", "svg/parallel.svg", "svg/intermediate.svg" })
        {
            var text = File.ReadAllText(Path.Combine(_ws, svg));
            Assert.StartsWith("<?xml", text, StringComparison.Ordinal);
            Assert.Contains("<polyline", text, StringComparison.Ordinal);
        }
        foreach (var html in new[] { "c.html", "m.html", "s.html" })
        {
            Assert.Contains("Chart.js v4", File.ReadAllText(Path.Combine(_ws, html)), StringComparison.Ordinal);
        }
    }

    private string Run(string lab, params string[] args)
    {
        var psi = new ProcessStartInfo(lab) { WorkingDirectory = _ws, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = _ws;
        psi.Environment["HOME"] = _ws;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment.Remove("LD_LIBRARY_PATH");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(180)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"lab {string.Join(' ', args)} did not finish in time");
        }
        Assert.True(p.ExitCode == 0, $"lab {string.Join(' ', args)}: exit {p.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        foreach (var dir in new[] { _bin, _ws })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
