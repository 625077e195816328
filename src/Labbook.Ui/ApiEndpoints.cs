using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Notebook;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Sweeps;
using Labbook.Tuning;
using Labbook.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Labbook.Ui;

/// <summary>The read-only JSON API under <c>/api/</c> (documented in docs/ui.md). Every answer comes from the library.</summary>
internal sealed class ApiEndpoints(Workspace workspace, RunsSource runs, ChangeFeed? feed, CancellationToken stopping)
{
    private const int MaxBuckets = 10_000;
    private readonly SeriesCache _series = new();
    private (long Version, string Json)? _allRuns;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/info", (RequestDelegate)Info);
        app.MapGet("/api/runs", (RequestDelegate)Runs);
        app.MapGet("/api/runs/{id}", (RequestDelegate)OneRun);
        app.MapGet("/api/runs/{id}/metrics", (RequestDelegate)Metrics);
        app.MapGet("/api/runs/{id}/log", (RequestDelegate)Log);
        app.MapGet("/api/runs/{id}/files/{**path}", (RequestDelegate)File);
        app.MapGet("/api/notebook", (RequestDelegate)Notebook);
        app.MapGet("/api/queue", (RequestDelegate)Queue);
        app.MapGet("/api/studies", (RequestDelegate)Studies);
        app.MapGet("/api/studies/{name}", (RequestDelegate)OneStudy);
        app.MapGet("/api/events", (RequestDelegate)Events);
        app.Map("/api/{**rest}", (RequestDelegate)(c => UiServer.Refuse(c, StatusCodes.Status404NotFound, "no such API endpoint (see docs/ui.md)")));
    }

    public static string ErrorJson(string message) => Json(w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    });

    private Task Info(HttpContext c) => Send(c, w =>
    {
        w.WriteStartObject();
        w.WriteString("workspace", workspace.Root);
        w.WriteString("version", LabbookInfo.Version);
        w.WriteBoolean("live", feed is not null);
        w.WriteNumber("runs", runs.All().Count);
        w.WriteEndObject();
    });

    private Task Runs(HttpContext c)
    {
        var q = c.Request.Query;
        // The page's first request (every run, unfiltered) is answered from the last answer while no run changed.
        var version = runs.Version;
        if (q.Count == 0 && _allRuns is { } cached && cached.Version == version)
        {
            return SendText(c, cached.Json);
        }
        RunFilter filter;
        try
        {
            filter = RunFilter.Parse(q["where"].ToString());
        }
        catch (FormatException e)
        {
            return UiServer.Refuse(c, StatusCodes.Status400BadRequest, e.Message);
        }
        IEnumerable<RunInfo> selected = runs.All();
        var all = selected.Count();
        if (q["ids"].ToString() is { Length: > 0 } ids)
        {
            var wanted = new HashSet<string>(ids.Split(','), StringComparer.Ordinal);
            selected = selected.Where(r => wanted.Contains(r.Id));
        }
        foreach (var status in q["status"])
        {
            if (!RunStatusText.TryParse(status ?? "", out var st))
            {
                return UiServer.Refuse(c, StatusCodes.Status400BadRequest, $"status: unknown status '{status}'");
            }
            selected = selected.Where(r => r.Status == st);
        }
        selected = selected.Where(filter.Matches);
        if (q["sort"].ToString() is { Length: > 0 } sort)
        {
            var descending = sort.StartsWith('-');
            var key = descending ? sort[1..] : sort;
            var ordered = selected.Where(r => r.Summary?.Final(key) is { } v && !double.IsNaN(v)).OrderBy(r => r.Summary!.Final(key)!.Value).ToList();
            if (descending)
            {
                ordered.Reverse();
            }
            selected = ordered;
        }
        if (int.TryParse(q["limit"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) && limit > 0)
        {
            selected = selected.Take(limit);
        }
        var idsOnly = q["fields"].ToString() == "id";
        var list = selected.ToList();
        var json = Json(w =>
        {
            w.WriteStartObject();
            w.WriteNumber("version", version);
            w.WriteNumber("total", all);
            w.WriteNumber("count", list.Count);
            w.WriteStartArray("runs");
            foreach (var run in list)
            {
                if (idsOnly)
                {
                    w.WriteStringValue(run.Id);
                }
                else
                {
                    WriteRow(w, run);
                }
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
        if (q.Count == 0)
        {
            _allRuns = (version, json);
        }
        return SendText(c, json);
    }

    /// <summary>One row of the runs table: what a listing needs, from run.json and the summary.</summary>
    private static void WriteRow(Utf8JsonWriter w, RunInfo run)
    {
        var r = run.Record;
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        WriteOptional(w, "name", r.Name);
        w.WriteString("status", run.Status.ToText());
        WriteOptional(w, "entry", r.Entry);
        WriteOptional(w, "study", r.Study);
        if (r.Trial is { } trial)
        {
            w.WriteNumber("trial", trial);
        }
        if (r.Tags.Count > 0)
        {
            w.WriteStartArray("tags");
            foreach (var t in r.Tags)
            {
                w.WriteStringValue(t);
            }
            w.WriteEndArray();
        }
        if (r.Started is { } started)
        {
            w.WriteString("started", started);
        }
        if (r.Ended is { } ended)
        {
            w.WriteString("ended", ended);
        }
        if (run.Duration(DateTime.UtcNow) is { } d)
        {
            w.WriteNumber("duration_s", Math.Round(d.TotalSeconds, 3));
        }
        w.WriteStartObject("params");
        foreach (var (k, v) in r.Params)
        {
            w.WritePropertyName(k);
            if (v is null)
            {
                w.WriteNullValue();
            }
            else
            {
                v.WriteTo(w);
            }
        }
        w.WriteEndObject();
        w.WriteStartObject("metrics");
        if (run.Summary is { } s)
        {
            foreach (var (name, m) in s.Metrics)
            {
                w.WriteStartObject(name);
                Number(w, "last", m.Last);
                Number(w, "min", m.Min);
                Number(w, "max", m.Max);
                w.WriteNumber("count", m.Count);
                w.WriteEndObject();
            }
            foreach (var (name, v) in s.Values)
            {
                if (!s.Metrics.ContainsKey(name))
                {
                    w.WriteStartObject(name);
                    Number(w, "last", v);
                    w.WriteEndObject();
                }
            }
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private Task OneRun(HttpContext c)
    {
        if (FindRun(c) is not { } run)
        {
            return NoRun(c);
        }
        var node = RunJson.ToNode(run);
        var artifacts = new JsonArray();
        var artifactsDir = Path.Combine(run.Directory, RunFiles.Artifacts);
        if (Directory.Exists(artifactsDir))
        {
            foreach (var file in Directory.EnumerateFiles(artifactsDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint }).Take(1000))
            {
                var relative = Path.GetRelativePath(run.Directory, file);
                artifacts.Add((JsonNode)new JsonObject { ["path"] = relative, ["size"] = new FileInfo(file).Length });
            }
        }
        node["artifacts"] = artifacts;
        var log = new FileInfo(run.OutputPath);
        node["log_bytes"] = log.Exists ? log.Length : 0;
        var diff = Path.Combine(run.Directory, RunFiles.GitDiff);
        node["has_git_diff"] = System.IO.File.Exists(diff);
        return SendText(c, node.ToJsonString(LabJson.CompactNodeOptions));
    }

    private Task Metrics(HttpContext c)
    {
        if (FindRun(c) is not { } run)
        {
            return NoRun(c);
        }
        var q = c.Request.Query;
        var buckets = 1000;
        if (q["buckets"].ToString() is { Length: > 0 } b && (!int.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out buckets) || buckets < 1 || buckets > MaxBuckets))
        {
            return UiServer.Refuse(c, StatusCodes.Status400BadRequest, $"buckets: give a whole number from 1 to {MaxBuckets}, not '{b}'");
        }
        var x = q["x"].ToString() is { Length: > 0 } xs ? xs : "step";
        if (x is not ("step" or "time"))
        {
            return UiServer.Refuse(c, StatusCodes.Status400BadRequest, $"x: give step or time, not '{x}'");
        }
        var names = q["names"].ToString() is { Length: > 0 } n ? new HashSet<string>(n.Split(','), StringComparer.Ordinal) : null;
        var all = _series.Get(run, out var issues);
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", run.Id);
            w.WriteString("x", x);
            w.WriteNumber("buckets", buckets);
            w.WriteStartObject("metrics");
            foreach (var (name, s) in all.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                if (names is not null && !names.Contains(name))
                {
                    continue;
                }
                var count = s.Values.Count;
                var steps = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Steps)[..count];
                var values = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Values)[..count];
                var times = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Times)[..count];
                var keep = Downsampling.MinMaxIndices(x == "step" ? steps : times, values, buckets);
                w.WriteStartObject(name);
                w.WriteNumber("count", count);
                w.WriteNumber("kept", keep.Length);
                WriteColumn(w, "step", steps, keep);
                WriteColumn(w, "value", values, keep);
                WriteColumn(w, "time", times, keep);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartArray("issues");
            foreach (var issue in issues.Take(20))
            {
                w.WriteStringValue(issue.ToString());
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteColumn(Utf8JsonWriter w, string name, ReadOnlySpan<double> column, int[] keep)
    {
        w.WriteStartArray(name);
        foreach (var i in keep)
        {
            NumberValue(w, column[i]);
        }
        w.WriteEndArray();
    }

    private Task Log(HttpContext c)
    {
        if (FindRun(c) is not { } run)
        {
            return NoRun(c);
        }
        var tail = 200;
        if (c.Request.Query["tail"].ToString() is { Length: > 0 } t && (!int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out tail) || tail < 1 || tail > 100_000))
        {
            return UiServer.Refuse(c, StatusCodes.Status400BadRequest, $"tail: give a whole number from 1 to 100000, not '{t}'");
        }
        var (lines, size) = TailLines(run.OutputPath, tail);
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("bytes", size);
            w.WriteStartArray("lines");
            foreach (var line in lines)
            {
                w.WriteStringValue(line);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>The last <paramref name="count"/> lines of a log, reading at most its last 4 MB.</summary>
    private static (List<string> Lines, long Size) TailLines(string path, int count)
    {
        if (!System.IO.File.Exists(path))
        {
            return ([], 0);
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var size = stream.Length;
        var start = Math.Max(0, size - (4 << 20));
        stream.Seek(start, SeekOrigin.Begin);
        var bytes = new byte[size - start];
        stream.ReadExactly(bytes);
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n').ToList();
        if (start > 0)
        {
            lines.RemoveAt(0);
        }
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }
        return (lines.Count > count ? lines[^count..] : lines, size);
    }

    private Task File(HttpContext c)
    {
        if (FindRun(c) is not { } run)
        {
            return NoRun(c);
        }
        var relative = c.Request.RouteValues["path"] as string ?? "";
        if (SafeFiles.Resolve(run.Directory, relative) is not { } path)
        {
            return UiServer.Refuse(c, StatusCodes.Status404NotFound, "no such file inside this run's folder");
        }
        var ext = Path.GetExtension(path).ToLowerInvariant();
        var type = ext switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".gif" => "image/gif",
            ".webp" => "image/webp",
            ".json" or ".jsonl" => "application/json",
            ".txt" or ".log" or ".csv" or ".md" or ".diff" or ".yaml" or ".yml" => "text/plain; charset=utf-8",
            _ => "application/octet-stream",
        };
        c.Response.ContentType = type;
        // Whatever a run wrote is data, never a page: no script runs from it even when opened directly.
        c.Response.Headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";
        if (type == "application/octet-stream")
        {
            c.Response.Headers.ContentDisposition = "attachment; filename=\"" + Path.GetFileName(path).Replace("\"", "", StringComparison.Ordinal) + "\"";
        }
        return c.Response.SendFileAsync(path, c.RequestAborted);
    }

    private Task Notebook(HttpContext c)
    {
        var document = new NotebookStore(workspace).Read();
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("entries");
            foreach (var e in document.Entries)
            {
                w.WriteStartObject();
                w.WriteString("id", e.Id);
                w.WriteString("title", e.Title);
                WriteOptional(w, "date", e.Date);
                WriteOptional(w, "testing", e.Testing);
                WriteOptional(w, "why", e.Why);
                Strings(w, "expect", e.Expect);
                Strings(w, "predictions", e.Predictions);
                w.WriteStartArray("attached");
                foreach (var a in e.Attached)
                {
                    w.WriteStartObject();
                    w.WriteString("kind", a.Kind.ToString().ToLowerInvariant());
                    w.WriteString("id", a.Id);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                WriteOptional(w, "results", e.Results);
                WriteOptional(w, "conclusion", e.Conclusion);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Task Queue(HttpContext c)
    {
        using var journal = workspace.OpenQueue();
        var now = journal.UtcNow;
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("items");
            foreach (var v in journal.State.Items.Values.OrderBy(v => v.Added))
            {
                if (v.State == ItemState.Removed)
                {
                    continue;
                }
                w.WriteStartObject();
                w.WriteString("id", v.Id);
                WriteOptional(w, "name", v.Item.Name);
                w.WriteString("state", v.State.ToText());
                WriteOptional(w, "why", v.Item.Why);
                WriteOptional(w, "entry", v.Item.Entry);
                w.WriteString("command", string.Join(' ', v.Item.ResolvedArgv().Select(ShellQuote.Quote)));
                w.WriteString("added", v.Added);
                if (v.LastStarted is { } started)
                {
                    w.WriteString("started", started);
                }
                if (v.Ended is { } ended)
                {
                    w.WriteString("ended", ended);
                }
                w.WriteNumber("attempts", v.Attempts);
                WriteOptional(w, "slot", v.Lease?.Slot);
                WriteOptional(w, "reason", v.LastReason);
                Strings(w, "runs", v.Runs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("runners");
            foreach (var r in journal.State.LiveRunners(now))
            {
                w.WriteStartObject();
                w.WriteString("id", r.Id);
                w.WriteString("host", r.Host);
                w.WriteNumber("pid", r.Pid);
                Strings(w, "slots", r.Slots);
                w.WriteString("started", r.Started);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Task Studies(HttpContext c)
    {
        var studies = StudyCatalog.List(workspace);
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("studies");
            foreach (var s in studies)
            {
                var trials = s.Trials;
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteString("direction", s.Direction.ToString().ToLowerInvariant());
                w.WriteNumber("trials", trials.Count);
                w.WriteNumber("complete", trials.Count(t => t.State == TrialState.Complete));
                if (s.Best is { } best)
                {
                    w.WriteNumber("best_trial", best.Number);
                    Number(w, "best_value", best.Value ?? double.NaN);
                }
                w.WriteString("last_activity", s.LastActivityUtc);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Task OneStudy(HttpContext c)
    {
        var name = c.Request.RouteValues["name"] as string ?? "";
        StudyEntry study;
        try
        {
            study = StudyCatalog.Find(workspace, name);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or FormatException)
        {
            return UiServer.Refuse(c, StatusCodes.Status404NotFound, e.Message);
        }
        var byTrial = runs.All().Where(r => r.Record.Study == study.Name && r.Record.Trial is not null)
            .GroupBy(r => r.Record.Trial!.Value).ToDictionary(g => g.Key, g => g.Last().Id);
        return Send(c, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", study.Name);
            w.WriteString("direction", study.Direction.ToString().ToLowerInvariant());
            if (study.Best is { } best)
            {
                w.WriteNumber("best_trial", best.Number);
            }
            w.WriteStartArray("trials");
            foreach (var t in study.Trials)
            {
                w.WriteStartObject();
                w.WriteNumber("number", t.Number);
                w.WriteString("state", t.State.ToString().ToLowerInvariant());
                if (t.Value is { } value)
                {
                    Number(w, "value", value);
                }
                if (byTrial.TryGetValue(t.Number, out var runId))
                {
                    w.WriteString("run", runId);
                }
                w.WriteStartObject("params");
                foreach (var (k, v) in t.Params)
                {
                    switch (v)
                    {
                        case double d:
                            Number(w, k, d);
                            break;
                        case int i:
                            w.WriteNumber(k, i);
                            break;
                        case long l:
                            w.WriteNumber(k, l);
                            break;
                        case bool flag:
                            w.WriteBoolean(k, flag);
                            break;
                        case null:
                            w.WriteNull(k);
                            break;
                        default:
                            w.WriteString(k, Convert.ToString(v, CultureInfo.InvariantCulture));
                            break;
                    }
                }
                w.WriteEndObject();
                w.WriteStartObject("intermediate");
                foreach (var (step, v) in t.IntermediateValues.OrderBy(kv => kv.Key))
                {
                    Number(w, step.ToString(CultureInfo.InvariantCulture), v);
                }
                w.WriteEndObject();
                if (t.DatetimeStart is { } ds)
                {
                    w.WriteString("started", ds);
                }
                if (t.DatetimeComplete is { } dc)
                {
                    w.WriteString("completed", dc);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Server-sent events: one <c>change</c> event per batch of changes, a comment every 15 s to keep proxies from closing the stream.</summary>
    private async Task Events(HttpContext c)
    {
        if (feed is null)
        {
            await UiServer.Refuse(c, StatusCodes.Status404NotFound, "live updates are off (lab ui --no-live)").ConfigureAwait(false);
            return;
        }
        c.Response.ContentType = "text/event-stream";
        c.Response.Headers.CacheControl = "no-cache";
        using var both = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, stopping);
        var (events, leave) = feed.Subscribe();
        using (leave)
        {
            await c.Response.WriteAsync("retry: 1000\n: connected\n\n", both.Token).ConfigureAwait(false);
            await c.Response.Body.FlushAsync(both.Token).ConfigureAwait(false);
            try
            {
                while (!both.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(both.Token);
                    wait.CancelAfter(TimeSpan.FromSeconds(15));
                    string message;
                    try
                    {
                        if (!await events.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        {
                            return;
                        }
                        message = await events.ReadAsync(both.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!both.IsCancellationRequested)
                    {
                        await c.Response.WriteAsync(": keep-alive\n\n", both.Token).ConfigureAwait(false);
                        await c.Response.Body.FlushAsync(both.Token).ConfigureAwait(false);
                        continue;
                    }
                    await c.Response.WriteAsync("event: change\ndata: " + message + "\n\n", both.Token).ConfigureAwait(false);
                    await c.Response.Body.FlushAsync(both.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The page went away or the server is stopping.
            }
        }
    }

    private RunInfo? FindRun(HttpContext c)
    {
        var id = c.Request.RouteValues["id"] as string ?? "";
        return RunId.IsWellFormed(id) ? runs.Find(id) : null;
    }

    private static Task NoRun(HttpContext c) =>
        UiServer.Refuse(c, StatusCodes.Status404NotFound, $"no run with id '{c.Request.RouteValues["id"]}'");

    private static Task Send(HttpContext c, Action<Utf8JsonWriter> body) => SendText(c, Json(body));

    private static Task SendText(HttpContext c, string json)
    {
        c.Response.ContentType = "application/json; charset=utf-8";
        c.Response.Headers.CacheControl = "no-store";
        return c.Response.WriteAsync(json);
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 14);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }))
        {
            body(w);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    /// <summary>A number, or "nan", "inf", "-inf" (strict JSON, as every --json output of lab).</summary>
    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        NumberValue(w, value);
    }

    private static void NumberValue(Utf8JsonWriter w, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumberValue(value);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf");
        }
    }
}
