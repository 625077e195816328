using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Labbook.EndToEnd.Tests;

/// <summary>The result of running the real <c>lab</c> binary.</summary>
public sealed record LabResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// A throwaway workspace in a temp folder and the real <c>lab</c> binary: the Native AOT one when
/// <c>LAB_BIN</c> names it (CI), else the apphost built next to the CLI project.
/// </summary>
public sealed class TempWorkspace : IDisposable
{
    public TempWorkspace()
    {
        Root = Path.Combine(Path.GetTempPath(), "lab-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The workspace (and working) folder.</summary>
    public string Root { get; }

    public string RunsDirectory => Path.Combine(Root, "runs");

    /// <summary>The repository root (found from the test assembly's folder).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The build configuration the tests were built in (Debug or Release).</summary>
    public static string Configuration { get; } =
        typeof(TempWorkspace).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration is { Length: > 0 } built
            ? built
            : new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The lab binary under test.</summary>
    public static string LabBinary { get; } = FindBinary();

    /// <summary>The built output of a project under the repository, e.g. ("examples/LoggingExample", "LoggingExample.dll").</summary>
    public static string BuiltFile(string projectFolder, string file) =>
        Path.Combine(RepoRoot, projectFolder, "bin", Configuration, "net10.0", file);

    /// <summary>Reads a run's run.json.</summary>
    public System.Text.Json.JsonElement RunJson(string id) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RunsDirectory, id, "run.json"))).RootElement;

    /// <summary>Runs lab with <paramref name="args"/> in the workspace and waits (at most <paramref name="timeout"/>).</summary>
    public LabResult Lab(IEnumerable<string> args, IDictionary<string, string?>? env = null, TimeSpan? timeout = null, string? stdin = null)
    {
        using var process = Start(args, env, redirectStdin: stdin is not null);
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lab {string.Join(' ', args)} did not finish in time");
        }
        return new LabResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs lab with the given arguments.</summary>
    public LabResult Lab(params string[] args) => Lab((IEnumerable<string>)args);

    /// <summary>Starts lab (or <paramref name="binary"/>, e.g. a wrapper that then runs lab) without waiting, output redirected.</summary>
    public Process Start(IEnumerable<string> args, IDictionary<string, string?>? env = null, bool redirectStdin = false, string? binary = null)
    {
        var psi = new ProcessStartInfo(binary ?? LabBinary)
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectStdin,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = Root;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["HOME"] = Root;
        psi.Environment.Remove("LAB_RUN_DIR");
        psi.Environment.Remove("LAB_RUN_ID");
        psi.Environment.Remove("LAB_PARAMS");
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                if (v is null)
                {
                    psi.Environment.Remove(k);
                }
                else
                {
                    psi.Environment[k] = v;
                }
            }
        }
        return Process.Start(psi)!;
    }

    /// <summary>Writes a file in the workspace and returns its path.</summary>
    public string WriteFile(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The ids of the runs in the workspace, oldest first (by recorded start: ids order runs only to the second).</summary>
    public List<string> RunIds() =>
        Directory.Exists(RunsDirectory)
            ? [.. Directory.GetDirectories(RunsDirectory).Select(d => Path.GetFileName(d)).OrderBy(StartOf).ThenBy(id => id, StringComparer.Ordinal)]
            : [];

    private DateTime StartOf(string id)
    {
        var path = Path.Combine(RunsDirectory, id, "run.json");
        try
        {
            return File.Exists(path) && System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement.TryGetProperty("started", out var s)
                ? s.GetDateTime()
                : DateTime.MinValue;
        }
        catch (System.Text.Json.JsonException)
        {
            return DateTime.MinValue;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindBinary()
    {
        var fromEnv = Environment.GetEnvironmentVariable("LAB_BIN");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return Path.GetFullPath(fromEnv);
        }
        // tests/Labbook.EndToEnd.Tests/bin/<Configuration>/net10.0 → src/Labbook.Cli/bin/<Configuration>/net10.0/lab
        var path = BuiltFile(Path.Combine("src", "Labbook.Cli"), "lab");
        return File.Exists(path) ? path : throw new InvalidOperationException($"lab binary not found at {path}; build the solution or set LAB_BIN");
    }

    private static string FindRepoRoot()
    {
        var here = AppContext.BaseDirectory;
        var repo = new DirectoryInfo(here);
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "Labbook.slnx")))
        {
            repo = repo.Parent;
        }
        return repo?.FullName ?? throw new InvalidOperationException("cannot find the repository root from " + here);
    }
}
