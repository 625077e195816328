namespace Labbook.EndToEnd.Tests;

/// <summary>
/// The HTML pages lab writes (morning report, compare, study show), opened in a real headless
/// browser: the scripts run without a console error, the charts are really drawn (canvas or SVG
/// elements after the scripts ran, coloured curve pixels in the screenshot), the page is not blank.
/// Screenshots are left beside each page in the test's temp workspace while it runs.
/// </summary>
public sealed class HtmlPageTests : IDisposable
{
    private static readonly (byte, byte, byte) White = (255, 255, 255);

    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private string File(string name) => Path.Combine(_ws.Root, name);

    // Two runs with 40 steps each of two metrics, and one failing run.
    private void Evening()
    {
        Assert.Equal(0, _ws.Lab("note", "Does warmup help?", "--why", "the loss spikes", "--predict", "val_loss < baseline - 0.02").ExitCode);
        const string Curve = "i=1; while [ $i -le 40 ]; do echo \"@lab val_loss=$(awk -v i=$i -v o=$1 'BEGIN{print 1/(i+1)+o}') acc=$(awk -v i=$i -v o=$1 'BEGIN{print 1-1/(i+1)-o/10}') step=$i\"; i=$((i+1)); done";
        Assert.Equal(0, _ws.Lab("run", "--name", "base", "--tag", "baseline", "-p", "warmup=0", "--", "sh", "-c", Curve, "sh", "0.4").ExitCode);
        Assert.Equal(0, _ws.Lab("run", "--name", "warm", "-p", "warmup=500", "--", "sh", "-c", Curve, "sh", "0.3").ExitCode);
        Assert.Equal(3, _ws.Lab("run", "--name", "oom", "--", "sh", "-c", "echo 'CUDA out of memory' >&2; exit 3").ExitCode);
    }

    [BrowserFact]
    public void The_checks_catch_a_broken_or_blank_page()
    {
        System.IO.File.WriteAllText(File("broken.html"), "<!DOCTYPE html><html><body><canvas id=c></canvas><script>drawChart(document.getElementById('c'));</script></body></html>");
        var broken = Browser.Render(File("broken.html"));
        Assert.Contains(broken.Errors, e => e.Contains("drawChart is not defined", StringComparison.Ordinal));
        Assert.True(broken.Screenshot.CountDifferent(White) < 100, "a page that draws nothing has no ink");
        Assert.Equal(0, broken.Screenshot.CountColoured());

        System.IO.File.WriteAllText(File("drawn.html"), "<!DOCTYPE html><html><body><svg width=300 height=100><rect width=200 height=50 fill=\"#1f77b4\"/></svg></body></html>");
        var drawn = Browser.Render(File("drawn.html"));
        Assert.Empty(drawn.Errors);
        Assert.Equal(1, drawn.Count("svg"));
        Assert.InRange(drawn.Screenshot.CountColoured(), 9000, 11000);
        Assert.Equal((1200, 900), (drawn.Screenshot.Width, drawn.Screenshot.Height));
    }

    [BrowserFact]
    public void Morning_report_html_draws_each_key_metric()
    {
        Evening();
        Assert.Equal(0, _ws.Lab("morning", "--since", "1h", "--html", File("morning.html")).ExitCode);
        var page = Browser.Render(File("morning.html"));

        Assert.Empty(page.Errors);
        Assert.Contains("E1 · Does warmup help?", page.Dom, StringComparison.Ordinal);
        Assert.Contains("CUDA out of memory", page.Dom, StringComparison.Ordinal);
        Assert.Contains("<li class=\"met\">Met: val_loss &lt; baseline - 0.02: ", page.Dom, StringComparison.Ordinal);
        // Chart.js sized and drew every canvas: it sets the canvas's pixel size and style when it renders.
        Assert.Equal(2, page.Count("canvas"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page.Dom, @"<canvas id=""chart\d"" [^>]*style=""display: block; box-sizing: border-box;"));
        AssertInked(page, minColoured: 1500);
    }

    [BrowserFact]
    public void Compare_html_and_png_draw_the_overlaid_curves()
    {
        Evening();
        Assert.Equal(0, _ws.Lab("compare", "base", "warm", "--html", File("compare.html"), "--png", File("compare-curves.png")).ExitCode);
        var page = Browser.Render(File("compare.html"));

        Assert.Empty(page.Errors);
        Assert.Equal(2, page.Count("canvas"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(page.Dom, @"<canvas id=""chart\d"" [^>]*style=""display: block; box-sizing: border-box;"));
        Assert.Matches(@"<caption>params that differ</caption>\n<tbody><tr><th>param</th><th>base</th><th>warm</th></tr>\n<tr><td>warmup</td><td>0</td><td>500</td></tr>", page.Dom);
        // acc rises: its best is its max, which is also its last value.
        Assert.Matches(@"<caption>metrics</caption>\n<tbody><tr><th>metric</th><th>run</th><th>last</th><th>best</th><th>min</th><th>max</th><th>steps</th></tr>\n<tr><td>acc</td><td>base</td><td>(0\.9\d+)</td><td>\1</td><td>0\.4\d+</td><td>\1</td>", page.Dom);
        AssertInked(page, minColoured: 1500);

        // The PNG: one 900x320 panel per metric, with coloured curves on a white background.
        var png = PngImage.Read(File("compare-curves.png"));
        Assert.Equal((900, 640), (png.Width, png.Height));
        Assert.True(png.CountColoured() > 1500, $"compare --png: only {png.CountColoured()} coloured pixels");
    }

    [BrowserFact]
    public void Compare_html_of_twelve_runs_tells_them_apart()
    {
        const string Curve = "i=1; while [ $i -le 20 ]; do echo \"@lab loss=$(awk -v i=$i -v o=$1 'BEGIN{print 1/(i+1)+o}') step=$i\"; i=$((i+1)); done";
        for (var i = 0; i < 12; i++)
        {
            var name = i < 3 ? "abl" : $"run{i}";
            Assert.Equal(0, _ws.Lab("run", "--name", name, "-p", $"a_rather_long_parameter_name_{i % 2}=value-{i}", "-p", $"seed={i}", "--", "sh", "-c", Curve, "sh", (i * 0.1).ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
        }
        var ids = _ws.Runs().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(0, _ws.Lab(["compare", .. ids, "--html", File("twelve.html")]).ExitCode);
        var page = Browser.Render(File("twelve.html"), height: 3200);
        Assert.Empty(page.Errors);
        // The title fits a line; the three runs named abl are told apart by their ids; wide tables scroll in their box.
        Assert.Contains("<h1>lab compare: 12 runs</h1>", page.Dom, StringComparison.Ordinal);
        Assert.Contains($"<th>abl ({ids[0]})</th><th>abl ({ids[1]})</th><th>abl ({ids[2]})</th>", page.Dom, StringComparison.Ordinal);
        Assert.Contains("<div class=\"scroll\"><table>\n<caption>params that differ</caption>", page.Dom, StringComparison.Ordinal);
        // Each of the 12 runs has its own palette colour on the chart (Chart.js's default palette repeats after 7).
        string[] palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];
        foreach (var hex in palette)
        {
            var (r, g, b) = (Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));
            var count = 0;
            for (var y = 0; y < page.Screenshot.Height; y++)
            {
                for (var x = 0; x < page.Screenshot.Width; x++)
                {
                    var p = page.Screenshot[x, y];
                    if (Math.Abs(p.R - r) <= 8 && Math.Abs(p.G - g) <= 8 && Math.Abs(p.B - b) <= 8)
                    {
                        count++;
                    }
                }
            }
            Assert.True(count >= 5, $"{page.ScreenshotPath}: colour {hex} drawn on {count} pixels");
        }
    }

    [BrowserFact]
    public void Study_show_html_draws_its_plots()
    {
        var sweep = _ws.Lab(["sweep", "--study", "quad", "-s", "x=-2..2", "-s", "lr=log:1e-4..1e-1", "--objective", "loss", "--direction", "minimize",
            "--trials", "10", "--sampler", "random", "--seed", "4", "--no-entry", "--why", "plots", "--",
            "sh", "-c", "awk -v x=$1 'BEGIN{print \"@lab loss=\" x*x+0.1}'", "sh", "{x}"], TimeSpan.FromSeconds(120));
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        Assert.Equal(0, _ws.Lab("study", "show", "quad", "--html", File("study.html")).ExitCode);
        // "best so far" holds each best until the trial that beats it (Chart.js's 'after' stepped a trial early).
        Assert.Contains("label: 'best so far', type: 'line', data: d.history.map(p => ({ x: p[0], y: p[2] })), borderColor: d.colors.pruned, backgroundColor: d.colors.pruned, stepped: 'before'",
            System.IO.File.ReadAllText(File("study.html")), StringComparison.Ordinal);
        var page = Browser.Render(File("study.html"));

        Assert.Empty(page.Errors);
        // History and one slice per parameter: whatever draws them, the plots end up as SVG or canvas.
        Assert.True(page.Count("svg") + page.Count("canvas") >= 3, $"study show --html: {page.Count("svg")} svg and {page.Count("canvas")} canvas elements");
        AssertInked(page, minColoured: 200);
    }

    private static void AssertInked(BrowserPage page, int minColoured)
    {
        var shot = page.Screenshot;
        var background = shot[shot.Width - 2, shot.Height - 2];
        var ink = shot.CountDifferent(background);
        Assert.True(ink > shot.Width * shot.Height / 100, $"{page.ScreenshotPath}: the page looks blank ({ink} pixels differ from the background)");
        var coloured = shot.CountColoured();
        Assert.True(coloured >= minColoured, $"{page.ScreenshotPath}: only {coloured} coloured pixels: the charts were not drawn");
    }
}
