using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Labbook.EndToEnd.Tests;

/// <summary>A generated workspace and a running <c>lab ui</c> over it, stopped with SIGINT at the end.</summary>
internal sealed class UiSession : IAsyncDisposable
{
    private static readonly DateTime Start = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly List<string> _ids = [];
    private Process? _server;
    private int _serial;

    public UiSession()
    {
        Harness = new LabHarness();
        Directory.CreateDirectory(Path.Combine(Harness.Root, "runs"));
    }

    public LabHarness Harness { get; }

    public string Url { get; private set; } = "";

    /// <summary>The origin, e.g. http://127.0.0.1:41234.</summary>
    public string Origin => new Uri(Url).GetLeftPart(UriPartial.Authority);

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Where screenshots go: the test's output folder (kept), one file per view.</summary>
    public static string ArtifactPath(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "ui-screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    /// <summary>Writes a finished (or running) run as `lab run` leaves it: run.json, metrics.csv and, when finished, summary.json.</summary>
    public string AddRun(string name, IReadOnlyDictionary<string, object> parameters, IReadOnlyDictionary<string, double[]> metrics, string status = "completed")
    {
        var i = _serial++;
        var started = status == "running" ? DateTime.UtcNow : Start.AddSeconds(i * 10);
        var id = NewId(started, i);
        var dir = Path.Combine(Harness.Root, "runs", id);
        Directory.CreateDirectory(dir);
        var csv = new StringBuilder("step,name,value,time\n");
        var summary = new JsonObject();
        foreach (var (metric, values) in metrics)
        {
            for (var s = 0; s < values.Length; s++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{s},{metric},{values[s].ToString("R", CultureInfo.InvariantCulture)},{started.AddSeconds(s):yyyy-MM-ddTHH:mm:ss.fffZ}\n");
            }
            summary[metric] = new JsonObject
            {
                ["last"] = values[^1],
                ["last_step"] = values.Length - 1,
                ["min"] = values.Min(),
                ["max"] = values.Max(),
                ["count"] = values.Length,
                ["nan_count"] = 0,
            };
        }
        File.WriteAllText(Path.Combine(dir, "metrics.csv"), csv.ToString());
        var p = new JsonObject();
        foreach (var (k, v) in parameters)
        {
            p[k] = JsonValue.Create(v);
        }
        var record = new JsonObject
        {
            ["format"] = 1,
            ["id"] = id,
            ["name"] = name,
            ["status"] = status,
            ["command"] = "python train.py",
            ["argv"] = new JsonArray("python", "train.py"),
            ["params"] = p,
            ["tags"] = new JsonArray(),
            ["started"] = started.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        if (status != "running")
        {
            record["ended"] = started.AddSeconds(60).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            record["exit_code"] = 0;
            File.WriteAllText(Path.Combine(dir, "summary.json"), new JsonObject { ["metrics"] = summary, ["values"] = new JsonObject(), ["metrics_bytes"] = Encoding.UTF8.GetByteCount(csv.ToString()) }.ToJsonString());
        }
        else
        {
            File.WriteAllText(Path.Combine(dir, "heartbeat"), "");
        }
        File.WriteAllText(Path.Combine(dir, "run.json"), record.ToJsonString());
        _ids.Add(id);
        return id;
    }

    /// <summary>Starts <c>lab ui</c> and reads the address from its first line.</summary>
    public async Task StartAsync(params string[] extra)
    {
        _server = Harness.Start(["ui", "--port", "0", .. extra]);
        var first = await _server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.NotNull(first);
        Assert.StartsWith("Labbook UI: http://", first, StringComparison.Ordinal);
        Url = first["Labbook UI: ".Length..];
        _ = _server.StandardOutput.ReadToEndAsync();
        _ = _server.StandardError.ReadToEndAsync();
    }

    /// <summary>Sends SIGINT (Ctrl-C) and returns the exit code.</summary>
    public async Task<int> InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _server!.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _server.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        try
        {
            Directory.Delete(Harness.Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp folder is cleaned anyway.
        }
    }

    /// <summary>A raw HTTP/1.1 GET, path sent exactly as given (no client-side normalization of ../).</summary>
    public async Task<(int Status, string Body)> RawGetAsync(string path, string? host = null)
    {
        var uri = new Uri(Url);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, uri.Port);
        await using var stream = client.GetStream();
        var request = $"GET {path} HTTP/1.1\r\nHost: {host ?? uri.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ', 3)[1], CultureInfo.InvariantCulture);
        return (status, response);
    }

    private static string NewId(DateTime t, int serial)
    {
        const string alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
        var seconds = (long)(t - new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds;
        var chars = new char[9];
        for (var i = 5; i >= 0; i--)
        {
            chars[i] = alphabet[(int)(seconds & 31)];
            seconds >>= 5;
        }
        for (var i = 8; i >= 6; i--)
        {
            chars[i] = alphabet[serial & 31];
            serial >>= 5;
        }
        return new string(chars);
    }
}

public sealed class UiTests
{
    private static Dictionary<string, double[]> Curves(int seed, int steps = 20)
    {
        var rnd = new Random(seed);
        var final = 0.05 + (rnd.NextDouble() * 0.5);
        return new()
        {
            ["loss"] = [.. Enumerable.Range(0, steps).Select(s => final + (1.0 / (s + 1)) + (rnd.NextDouble() * 0.01))],
            ["val_loss"] = [.. Enumerable.Range(0, steps).Select(s => final + 0.02 + (1.0 / (s + 1)))],
        };
    }

    [BrowserFact]
    public async Task RunsViewShowsTwoThousandRunsSortsFiltersByAMetricConditionAndComparesThree()
    {
        await using var ui = new UiSession();
        var finals = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 0; i < 2000; i++)
        {
            var curves = Curves(i, steps: 5);
            var id = ui.AddRun($"run-{i}", new Dictionary<string, object> { ["lr"] = Math.Round(0.001 * (1 + (i % 7)), 4), ["layers"] = 1 + (i % 4) }, curves);
            finals[id] = curves["val_loss"][^1];
        }
        await ui.StartAsync();
        await using var page = await Cdp.LaunchAsync();
        await page.NavigateAsync(ui.Url + "#/runs", "document.getElementById('count') && document.getElementById('count').textContent === '2000 runs'");
        // Virtualised: a page of rows in the DOM, not 2,000.
        var rowsInDom = (await page.EvalAsync("document.querySelectorAll('#runs-grid .row').length"))!.GetValue<int>();
        Assert.InRange(rowsInDom, 10, 100);
        await page.ScreenshotAsync(UiSession.ArtifactPath("runs.png"));

        // Filter by a metric condition: the count is what the test computes, the rows are those runs.
        var expected = finals.Count(kv => kv.Value < 0.3);
        Assert.InRange(expected, 1, 1999);
        await page.EvalAsync("(() => { const f = document.getElementById('filter'); f.value = 'val_loss < 0.3'; f.dispatchEvent(new Event('input')); })()");
        await page.WaitForAsync($"document.getElementById('count').textContent === '{expected} of 2000 runs'");
        Assert.Contains("where=val_loss", (await page.EvalAsync("location.hash"))!.GetValue<string>(), StringComparison.Ordinal);

        // Sort by val_loss (click its header twice: descending), then the first row is the worst of the filtered runs.
        await page.EvalAsync("document.querySelector('.hrow .cell[data-key=\"m:val_loss\"]').click()");
        await page.WaitForAsync("document.querySelector('.hrow .cell.sorted-asc')");
        var firstAscending = (await page.EvalAsync("document.querySelector('#runs-grid .row').dataset.id"))!.GetValue<string>();
        Assert.Equal(finals.Where(kv => kv.Value < 0.3).MinBy(kv => kv.Value).Key, firstAscending);
        await page.EvalAsync("document.querySelector('.hrow .cell[data-key=\"m:val_loss\"]').click()");
        await page.WaitForAsync("document.querySelector('.hrow .cell.sorted-desc')");
        var firstDescending = (await page.EvalAsync("document.querySelector('#runs-grid .row').dataset.id"))!.GetValue<string>();
        Assert.Equal(finals.Where(kv => kv.Value < 0.3).MaxBy(kv => kv.Value).Key, firstDescending);
        await page.ScreenshotAsync(UiSession.ArtifactPath("runs-filtered-sorted.png"));

        // Select three runs and compare them: one chart per metric, lines drawn.
        await page.EvalAsync("[...document.querySelectorAll('#runs-grid .row input.pick')].slice(0, 3).forEach(c => c.click())");
        await page.WaitForAsync("document.getElementById('compare').textContent === 'Compare 3 selected'");
        await page.EvalAsync("document.getElementById('compare').click()");
        await page.WaitForAsync("document.getElementById('compare-view') && document.getElementById('compare-view').dataset.drawn === '2'");
        Assert.Equal(2, (await page.EvalAsync("document.querySelectorAll('#compare-charts canvas').length"))!.GetValue<int>());
        Assert.Equal(3, (await page.EvalAsync("document.querySelectorAll('#legend .item').length"))!.GetValue<int>());
        var shot = await page.ScreenshotAsync(UiSession.ArtifactPath("compare.png"));
        // Three coloured lines on white: plenty of clearly coloured pixels (a blank canvas has none).
        Assert.True(PngImage.Read(shot).CountColoured() > 500, "the compare charts look blank");
        Assert.DoesNotContain(page.Console, m => m.Contains("Uncaught", StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task NewMetricLinesOfARunningRunReachTheOpenPageWithoutReload()
    {
        await using var ui = new UiSession();
        ui.AddRun("finished", new Dictionary<string, object> { ["lr"] = 0.1 }, Curves(1));
        var running = ui.AddRun("live-one", new Dictionary<string, object> { ["lr"] = 0.01 }, new Dictionary<string, double[]> { ["loss"] = [1.0, 0.9, 0.8] }, status: "running");
        await ui.StartAsync();
        await using var page = await Cdp.LaunchAsync();
        await page.NavigateAsync(ui.Url + "#/run/" + running, "document.querySelector('#run-charts .chart') && document.querySelector('#run-charts .chart').chart");
        await page.WaitForAsync("document.getElementById('live').textContent === 'live'");
        Assert.Equal(3, (await page.EvalAsync("document.querySelector('#run-charts .chart').chart.data[0].length"))!.GetValue<int>());

        var clock = Stopwatch.StartNew();
        var metrics = Path.Combine(ui.Harness.Root, "runs", running, "metrics.csv");
        await File.AppendAllTextAsync(metrics, $"3,loss,0.75,{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\n");
        await page.WaitForAsync("document.querySelector('#run-charts .chart').chart.data[0].length === 4");
        var seen = clock.Elapsed;
        await page.ScreenshotAsync(UiSession.ArtifactPath("run-live.png"));
        // The target is 2 s; the bound is looser because the test machine may be heavily loaded.
        Assert.True(seen < TimeSpan.FromSeconds(6), $"the new point took {seen.TotalSeconds:0.0} s to show");

        // A new run appears in the open runs view too.
        await page.NavigateAsync(ui.Url + "#/runs", "document.getElementById('count').textContent === '2 runs'");
        ui.AddRun("late", new Dictionary<string, object> { ["lr"] = 0.5 }, Curves(3));
        await page.WaitForAsync("document.getElementById('count').textContent === '3 runs'", TimeSpan.FromSeconds(20));
    }

    [BrowserFact]
    public async Task ARunNamedLikeMarkupIsShownAsTextAndRunsNoScript()
    {
        const string evil = "<img src=x onerror=alert(1)>";
        await using var ui = new UiSession();
        var id = ui.AddRun(evil, new Dictionary<string, object> { ["<b>p</b>"] = "<script>alert(2)</script>" }, new Dictionary<string, double[]> { ["<i>m</i>"] = [1, 2] });
        await ui.StartAsync();
        await using var page = await Cdp.LaunchAsync();
        await page.NavigateAsync(ui.Url + "#/runs", "document.getElementById('count') && document.getElementById('count').textContent === '1 run'");
        Assert.Equal(evil, (await page.EvalAsync("document.querySelector('#runs-grid .row a').textContent"))!.GetValue<string>());
        Assert.Equal(0, (await page.EvalAsync("document.querySelectorAll('main img, main script, main b, main i').length"))!.GetValue<int>());
        await page.NavigateAsync(ui.Url + "#/run/" + id, "document.querySelector('#params td')");
        Assert.StartsWith(evil, (await page.EvalAsync("document.querySelector('h1').textContent"))!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, (await page.EvalAsync("document.querySelectorAll('main img, main script, main b, main i').length"))!.GetValue<int>());
        await page.ScreenshotAsync(UiSession.ArtifactPath("run-markup-name.png"));
        await Task.Delay(500);
        Assert.Empty(page.Dialogs);
    }

    [Fact]
    public async Task FilesAreServedOnlyFromInsideTheRunFolder()
    {
        await using var ui = new UiSession();
        var id = ui.AddRun("files", new Dictionary<string, object>(), Curves(1));
        var runDir = Path.Combine(ui.Harness.Root, "runs", id);
        Directory.CreateDirectory(Path.Combine(runDir, "artifacts", "samples"));
        File.WriteAllText(Path.Combine(runDir, "artifacts", "samples", "3.txt"), "inside");
        var outside = Path.Combine(ui.Harness.Root, "secret.txt");
        File.WriteAllText(outside, "root:x:0:0:secret");
        File.CreateSymbolicLink(Path.Combine(runDir, "artifacts", "link.txt"), outside);
        Directory.CreateSymbolicLink(Path.Combine(runDir, "artifacts", "up"), ui.Harness.Root);
        await ui.StartAsync();

        var ok = await ui.RawGetAsync($"/api/runs/{id}/files/artifacts/samples/3.txt");
        Assert.Equal(200, ok.Status);
        Assert.Contains("\r\ninside\r\n", ok.Body, StringComparison.Ordinal);
        foreach (var path in (string[])[
            $"/api/runs/{id}/files/../../secret.txt",
            $"/api/runs/{id}/files/..%2F..%2Fsecret.txt",
            $"/api/runs/{id}/files/%2e%2e/%2e%2e/secret.txt",
            $"/api/runs/{id}/files/artifacts/link.txt",
            $"/api/runs/{id}/files/artifacts/up/secret.txt",
            $"/api/runs/{id}/files/%2Fetc%2Fpasswd",
            $"/api/runs/{id}/files/../../../../../../etc/passwd",
            "/api/runs/..%2F..%2F..%2Fetc/files/passwd",
            "/api/../../../etc/passwd",
            "/../../../../etc/passwd"])
        {
            var (status, body) = await ui.RawGetAsync(path);
            Assert.True(status is 400 or 404, $"{path}: HTTP {status}");
            Assert.DoesNotContain("root:x:0:0", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ANonLoopbackHostRequiresTheTokenOnEveryRequestAndCtrlCStopsCleanly()
    {
        await using var ui = new UiSession();
        ui.AddRun("one", new Dictionary<string, object>(), Curves(1));
        await ui.StartAsync("--host", "0.0.0.0");
        Assert.Matches(@"^http://0\.0\.0\.0:\d+/\?token=[A-Za-z0-9_-]{20,}$", ui.Url);
        var token = ui.Url[(ui.Url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        var port = new Uri(ui.Url).Port;

        Assert.Equal(401, (await ui.RawGetAsync("/api/runs", host: $"127.0.0.1:{port}")).Status);
        Assert.Equal(401, (await ui.RawGetAsync("/", host: $"127.0.0.1:{port}")).Status);
        Assert.Equal(401, (await ui.RawGetAsync("/api/runs?token=wrong" + token[5..], host: $"127.0.0.1:{port}")).Status);
        var withToken = await ui.RawGetAsync("/api/runs?token=" + token, host: $"127.0.0.1:{port}");
        Assert.Equal(200, withToken.Status);
        Assert.Contains("\"total\":1", withToken.Body, StringComparison.Ordinal);

        Assert.Equal(0, await ui.InterruptAsync());
    }

    [Fact]
    public async Task ALoopbackServerRefusesForeignHostNamesAndWrites()
    {
        await using var ui = new UiSession();
        ui.AddRun("one", new Dictionary<string, object>(), Curves(1));
        await ui.StartAsync();
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", ui.Url);
        Assert.Equal(200, (await ui.RawGetAsync("/api/runs")).Status);
        // DNS rebinding: a page of another site that resolves its name to 127.0.0.1 must get nothing.
        Assert.Equal(403, (await ui.RawGetAsync("/api/runs", host: "attacker.example:80")).Status);
        using var http = new HttpClient();
        var post = await http.PostAsync(ui.Origin + "/api/runs", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        var page = await http.GetAsync(ui.Url);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var info = JsonDocument.Parse(await http.GetStringAsync(ui.Origin + "/api/info")).RootElement;
        Assert.Equal(1, info.GetProperty("runs").GetInt32());
    }
}
