using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// Headless Chromium driven over the DevTools protocol (a WebSocket): navigate, evaluate script,
/// wait for a condition, take a screenshot, and record console messages and dialogs. For pages that
/// stay connected (server-sent events), where <c>--dump-dom</c> with a virtual time budget never ends.
/// </summary>
internal sealed class Cdp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode?>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private string _session = "";
    private int _nextId;
    private Task? _reader;

    private Cdp(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Console messages and uncaught exceptions of the page, in order.</summary>
    public ConcurrentQueue<string> Console { get; } = new();

    /// <summary>Messages of alert/confirm/prompt dialogs the page opened (each dismissed at once).</summary>
    public ConcurrentQueue<string> Dialogs { get; } = new();

    public static async Task<Cdp> LaunchAsync(int width = 1400, int height = 900)
    {
        var profile = Path.Combine(Path.GetTempPath(), "lab-cdp-" + Guid.NewGuid().ToString("N")[..10]);
        var psi = new ProcessStartInfo(Browser.Executable ?? throw new InvalidOperationException(Browser.WhyMissing))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
            $"--user-data-dir={profile}", "--remote-debugging-port=0", $"--window-size={width},{height}", "about:blank"])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["HOME"] = profile;
        var process = Process.Start(psi)!;
        _ = process.StandardOutput.ReadToEndAsync();
        var cdp = new Cdp(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                var at = line.IndexOf("DevTools listening on ", StringComparison.Ordinal);
                if (at >= 0)
                {
                    endpoint.TrySetResult(line[(at + 22)..].Trim());
                }
            }
            endpoint.TrySetException(new InvalidOperationException("chromium exited before offering a DevTools endpoint"));
        });
        var url = await endpoint.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await cdp._socket.ConnectAsync(new Uri(url), CancellationToken.None);
        cdp._reader = Task.Run(cdp.ReadLoop);
        var target = await cdp.Send("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, session: false);
        var attached = await cdp.Send("Target.attachToTarget", new JsonObject { ["targetId"] = target!["targetId"]!.GetValue<string>(), ["flatten"] = true }, session: false);
        cdp._session = attached!["sessionId"]!.GetValue<string>();
        await cdp.Send("Page.enable");
        await cdp.Send("Runtime.enable");
        await cdp.Send("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false });
        return cdp;
    }

    /// <summary>Opens <paramref name="url"/> and waits until <paramref name="ready"/> (a script expression) is true.</summary>
    public async Task NavigateAsync(string url, string ready = "document.readyState === 'complete'")
    {
        await Send("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync(ready);
    }

    /// <summary>The value of a script expression (promises awaited).</summary>
    public async Task<JsonNode?> EvalAsync(string expression)
    {
        var result = await Send("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result?["exceptionDetails"] is { } error)
        {
            throw new InvalidOperationException($"script failed: {expression}: {error.ToJsonString()}");
        }
        return result?["result"]?["value"];
    }

    /// <summary>Polls a script expression until it is truthy; fails with the last value after <paramref name="timeout"/> (default 30 s: the machine may be loaded).</summary>
    public async Task<TimeSpan> WaitForAsync(string expression, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        JsonNode? last = null;
        while (clock.Elapsed < limit)
        {
            try
            {
                last = await EvalAsync($"!!({expression})");
                if (last?.GetValue<bool>() == true)
                {
                    return clock.Elapsed;
                }
            }
            catch (InvalidOperationException)
            {
                // The page may be between documents.
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"waited {limit.TotalSeconds:0} s for {expression}; console: {string.Join(" | ", Console)}");
    }

    /// <summary>Saves a PNG of the viewport and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string path)
    {
        var shot = await Send("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot!["data"]!.GetValue<string>()));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        _socket.Dispose();
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper process may still hold a file for a moment.
        }
    }

    private async Task<JsonNode?> Send(string method, JsonObject? parameters = null, bool session = true)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        if (session)
        {
            message["sessionId"] = _session;
        }
        var done = new TaskCompletionSource<JsonNode?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = done;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token);
        return await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private async Task ReadLoop()
    {
        var buffer = new byte[1 << 20];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var r = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                message.Write(buffer, 0, r.Count);
                if (!r.EndOfMessage)
                {
                    continue;
                }
                var node = JsonNode.Parse(message.ToArray());
                message.SetLength(0);
                if (node?["id"] is { } idNode && _pending.TryRemove(idNode.GetValue<int>(), out var waiter))
                {
                    if (node["error"] is { } error)
                    {
                        waiter.TrySetException(new InvalidOperationException(error.ToJsonString()));
                    }
                    else
                    {
                        waiter.TrySetResult(node["result"]);
                    }
                    continue;
                }
                switch (node?["method"]?.GetValue<string>())
                {
                    case "Runtime.consoleAPICalled":
                        Console.Enqueue(string.Join(' ', node["params"]!["args"]!.AsArray().Select(a => a?["value"]?.ToString() ?? a?["description"]?.ToString() ?? "")));
                        break;
                    case "Runtime.exceptionThrown":
                        Console.Enqueue("Uncaught: " + node["params"]!["exceptionDetails"]!.ToJsonString());
                        break;
                    case "Page.javascriptDialogOpening":
                        Dialogs.Enqueue(node["params"]!["message"]?.ToString() ?? "");
                        _ = Send("Page.handleJavaScriptDialog", new JsonObject { ["accept"] = false });
                        break;
                    default:
                        break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or JsonException)
        {
            foreach (var waiter in _pending.Values)
            {
                waiter.TrySetCanceled();
            }
        }
    }
}
