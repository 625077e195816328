using System.Net;

namespace Labbook.Ui;

/// <summary>How <c>lab ui</c> serves the dashboard.</summary>
public sealed class UiOptions
{
    /// <summary>The port tried first when none is given; documented in docs/ui.md.</summary>
    public const int DefaultPort = 6070;

    /// <summary>The address to listen on; loopback by default.</summary>
    public IPAddress Host { get; init; } = IPAddress.Loopback;

    /// <summary>The port; null means <see cref="DefaultPort"/>, or a free port when that one is taken.</summary>
    public int? Port { get; init; }

    /// <summary>Whether open pages are pushed changes (server-sent events); false serves snapshots only.</summary>
    public bool Live { get; init; } = true;

    /// <summary>
    /// The token every request must carry (query <c>token=</c>, then a cookie); null for none. Required
    /// when <see cref="Host"/> is not a loopback address.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>Whether <see cref="Host"/> is a loopback address (127.0.0.0/8 or ::1).</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Host);

    /// <summary>A new random token (32 bytes, URL-safe base64).</summary>
    public static string NewToken() =>
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
