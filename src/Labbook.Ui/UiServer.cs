using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Labbook.Runs;
using Labbook.Workspaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Labbook.Ui;

/// <summary>
/// The <c>lab ui</c> server: ASP.NET Core (Kestrel, slim builder, Native AOT) serving the embedded
/// single-page dashboard and the read-only JSON API under <c>/api/</c> over one workspace.
/// </summary>
public sealed class UiServer : IAsyncDisposable
{
    private const string TokenCookie = "lab_ui_token";

    /// <summary>The Content-Security-Policy of every response: only this origin's own scripts, styles and data.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private readonly WebApplication _app;
    private readonly ChangeFeed? _feed;
    private readonly CancellationTokenSource _stopFeed = new();
    private Task? _feedTask;

    private UiServer(WebApplication app, ChangeFeed? feed, string url)
    {
        _app = app;
        _feed = feed;
        Url = url;
    }

    /// <summary>The address to open, with <c>?token=</c> when a token is required.</summary>
    public string Url { get; }

    /// <summary>
    /// Loads the workspace's runs and starts listening. With no port given, the default port is tried
    /// and a free one taken when it is busy.
    /// </summary>
    /// <exception cref="IOException">The given port is taken or the address cannot be bound (the message says which).</exception>
    public static async Task<UiServer> StartAsync(Workspace workspace, UiOptions options, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsLoopback && string.IsNullOrEmpty(options.Token))
        {
            throw new ArgumentException("a non-loopback host needs a token", nameof(options));
        }
        var runs = new RunsSource(new RunStore(workspace));
        runs.Rescan();
        var ports = options.Port is { } p ? [p] : new[] { UiOptions.DefaultPort, 0 };
        foreach (var port in ports)
        {
            var feed = options.Live ? new ChangeFeed(workspace, runs) : null;
            var app = Build(workspace, options, runs, feed, port);
            try
            {
                await app.StartAsync(cancel).ConfigureAwait(false);
            }
            catch (IOException e) when (port == UiOptions.DefaultPort && options.Port is null)
            {
                _ = e;
                feed?.Dispose();
                await app.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            catch (IOException e)
            {
                feed?.Dispose();
                await app.DisposeAsync().ConfigureAwait(false);
                throw new IOException($"cannot listen on {Endpoint(options.Host, port)}: {(e.InnerException as SocketException)?.Message ?? e.Message}", e);
            }
            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var actualPort = new Uri(bound).Port;
            var url = $"http://{Endpoint(options.Host, actualPort)}/" + (options.Token is { } t ? "?token=" + t : "");
            var server = new UiServer(app, feed, url);
            if (feed is not null)
            {
                server._feedTask = Task.Run(() => feed.RunAsync(server._stopFeed.Token), CancellationToken.None);
            }
            return server;
        }
        throw new IOException("no free port");
    }

    /// <summary>Serves until <paramref name="stop"/> is cancelled or the server stops of itself.</summary>
    public async Task WaitAsync(CancellationToken stop)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stop, _app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopFeed.CancelAsync().ConfigureAwait(false);
        if (_feedTask is not null)
        {
            await _feedTask.ConfigureAwait(false);
        }
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _feed?.Dispose();
        _stopFeed.Dispose();
    }

    private static string Endpoint(IPAddress host, int port) =>
        host.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]:{port}" : $"{host}:{port}";

    private static WebApplication Build(Workspace workspace, UiOptions options, RunsSource runs, ChangeFeed? feed, int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(3));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(options.Host, port);
        });
        var app = builder.Build();
        app.Use((context, next) => Guard(context, next, options));
        var api = new ApiEndpoints(workspace, runs, feed, app.Lifetime.ApplicationStopping);
        api.Map(app);
        foreach (var (route, asset) in Assets.Routes)
        {
            app.MapGet(route, (RequestDelegate)(context => Assets.Serve(context, asset)));
        }
        return app;
    }

    /// <summary>Security headers on every response; the Host check (against DNS rebinding) and the token check on every request.</summary>
    private static Task Guard(HttpContext context, Func<Task> next, UiOptions options)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (options.IsLoopback && !IsLoopbackHostHeader(context.Request.Host))
        {
            return Refuse(context, StatusCodes.Status403Forbidden, "this dashboard only answers requests addressed to a loopback host (127.0.0.1, localhost or [::1])");
        }
        if (options.Token is { } token)
        {
            var query = context.Request.Query["token"].ToString();
            if (query.Length > 0 && SameToken(query, token))
            {
                // The page's own requests then carry the cookie; it never leaves this origin.
                context.Response.Cookies.Append(TokenCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            }
            else if (!(context.Request.Cookies.TryGetValue(TokenCookie, out var cookie) && SameToken(cookie, token))
                && !(context.Request.Headers.Authorization.ToString() is { Length: > 7 } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) && SameToken(auth[7..], token)))
            {
                return Refuse(context, StatusCodes.Status401Unauthorized, "a token is required: open the address that lab ui printed (it ends with ?token=...)");
            }
        }
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            return Refuse(context, StatusCodes.Status405MethodNotAllowed, "this dashboard is read-only: only GET requests are answered");
        }
        return next();
    }

    private static bool IsLoopbackHostHeader(HostString host)
    {
        var name = host.Host;
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(name.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    private static bool SameToken(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));

    internal static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(ApiEndpoints.ErrorJson(message));
    }
}

/// <summary>The embedded front end: a fixed list of files, served from memory.</summary>
internal static class Assets
{
    private static readonly Assembly Self = typeof(Assets).Assembly;

    public static readonly (string Route, string Resource)[] Routes =
    [
        ("/", "index.html"),
        ("/assets/app.js", "app.js"),
        ("/assets/app.css", "app.css"),
        ("/assets/uplot.js", "vendor/uplot.iife.min.js"),
        ("/assets/uplot.css", "vendor/uplot.min.css"),
        ("/assets/uplot-LICENSE.txt", "vendor/uplot-LICENSE"),
    ];

    private static readonly Dictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    public static Task Serve(HttpContext context, string resource)
    {
        byte[] bytes;
        lock (Cache)
        {
            if (!Cache.TryGetValue(resource, out bytes!))
            {
                using var stream = Self.GetManifestResourceStream("ui/" + resource) ?? throw new InvalidOperationException($"the front end file {resource} is missing from the build");
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                bytes = memory.ToArray();
                Cache[resource] = bytes;
            }
        }
        context.Response.ContentType = Path.GetExtension(resource) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        context.Response.Headers.CacheControl = "no-cache";
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }
}
