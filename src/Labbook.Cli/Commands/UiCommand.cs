using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Labbook.Ui;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab ui</c>: serve the live dashboard over the current workspace until Ctrl-C.</summary>
internal static class UiCommand
{
    public static Command Build()
    {
        var port = new Option<int?>("--port") { Description = $"The port (default {UiOptions.DefaultPort}, or a free one when that is taken; 0 picks a free one)." };
        var host = new Option<string>("--host") { Description = "The address to listen on (default 127.0.0.1). Any other than loopback requires the printed token on every request.", DefaultValueFactory = _ => "127.0.0.1" };
        var open = new Option<bool>("--open") { Description = "Open the dashboard in the default browser." };
        var noLive = new Option<bool>("--no-live") { Description = "Do not watch the workspace: pages show what was there when they loaded." };
        var cmd = new Command("ui", "Serve a live dashboard of the workspace: runs, curves, notebook, queue, studies (read-only).") { port, host, open, noLive };
        cmd.SetAction(async (parse, cancel) =>
        {
            var hostText = parse.GetValue(host)!;
            if (!IPAddress.TryParse(hostText.Trim('[', ']'), out var address))
            {
                address = hostText.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                    ? IPAddress.Loopback
                    : throw new UsageException($"--host: '{hostText}' is not an IP address (try 127.0.0.1, or 0.0.0.0 for every interface)");
            }
            var portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                throw new UsageException($"--port: {portValue} is not a port (0 to 65535; 0 picks a free one)");
            }
            var options = new UiOptions
            {
                Host = address,
                Port = portValue,
                Live = !parse.GetValue(noLive),
                Token = IPAddress.IsLoopback(address) ? null : UiOptions.NewToken(),
            };
            var workspace = Workspace.FromEnvironment(create: false);
            await using var server = await UiServer.StartAsync(workspace, options, cancel).ConfigureAwait(false);
            Console.Out.WriteLine($"Labbook UI: {server.Url}");
            Console.Out.Flush();
            Terminal.Note($"serving {workspace.Root}{(options.Live ? "" : " (not live)")}; Ctrl-C stops");
            if (parse.GetValue(open))
            {
                OpenBrowser(server.Url);
            }
            await server.WaitAsync(cancel).ConfigureAwait(false);
            return 0;
        });
        return cmd;
    }

    private static void OpenBrowser(string url)
    {
        try
        {
            var psi = new ProcessStartInfo("xdg-open") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(url);
            using var _ = Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Terminal.Warn("could not open a browser (no xdg-open): open the address above yourself");
        }
    }
}
