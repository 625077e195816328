using System.Runtime.InteropServices;
using System.Text;
using Labbook.Native;
using Microsoft.Win32.SafeHandles;

namespace Labbook.Processes;

/// <summary>How a child process is started.</summary>
public sealed class ChildStartInfo
{
    /// <summary>The argument vector; the first element is the program, looked up on PATH when it has no '/'.</summary>
    public required IReadOnlyList<string> Argv { get; init; }

    /// <summary>The working directory, or null for the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Variables to set (a null value removes the variable) on top of this process's environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Put the child in a process group of its own, so that signals can reach it and everything it
    /// started. Leave off for an interactive child that reads the terminal: it stays in the
    /// terminal's foreground group, and Ctrl-C reaches it directly.
    /// </summary>
    public bool NewProcessGroup { get; init; } = true;

    /// <summary>Give the child /dev/null as stdin instead of this process's stdin.</summary>
    public bool NullStdin { get; init; }

    /// <summary>Capture stdout and stderr, merged in the order printed, through <see cref="ChildProcess.Output"/>.</summary>
    public bool CaptureOutput { get; init; } = true;

    /// <summary>Send stdout and stderr to this file (appending; created when missing) instead; needs <see cref="CaptureOutput"/> off.</summary>
    public string? OutputFile { get; init; }
}

/// <summary>
/// A child process started with posix_spawn: argv as given (never a shell), stdout and stderr
/// merged into one pipe so the log keeps the order in which lines were printed, and every signal
/// reset to its default (a .NET host ignores SIGPIPE, which children would otherwise inherit).
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private int _exitStatus = -1;
    private readonly Lock _gate = new();

    private ChildProcess(int pid, bool ownGroup, Stream? output)
    {
        Pid = pid;
        OwnsProcessGroup = ownGroup;
        Output = output;
    }

    /// <summary>The child's process id.</summary>
    public int Pid { get; }

    /// <summary>True when the child leads its own process group.</summary>
    public bool OwnsProcessGroup { get; }

    /// <summary>The merged stdout and stderr of the child, when captured.</summary>
    public Stream? Output { get; }

    /// <summary>Starts a child.</summary>
    /// <exception cref="ChildStartException">The program was not found or could not be executed.</exception>
    public static unsafe ChildProcess Start(ChildStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Argv.Count == 0 || string.IsNullOrEmpty(info.Argv[0]))
        {
            throw new ChildStartException("no command given");
        }
        var program = info.Argv[0];
        if (info.WorkingDirectory is not null && !Directory.Exists(info.WorkingDirectory))
        {
            // posix_spawn would fail with ENOENT, which reads as a missing program.
            throw new ChildStartException($"the working folder {info.WorkingDirectory} does not exist (deleted or moved?)");
        }
        if (!program.Contains('/', StringComparison.Ordinal) && ResolveOnPath(program) is null)
        {
            throw new ChildStartException($"command not found: {program}");
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            var full = info.WorkingDirectory is not null && !Path.IsPathRooted(program) ? Path.Combine(info.WorkingDirectory, program) : program;
            if (!File.Exists(full))
            {
                throw new ChildStartException($"no such file: {program}");
            }
        }

        var env = BuildEnvironment(info.Environment);
        using var argvBlock = new NativeStringArray(info.Argv);
        using var envBlock = new NativeStringArray(env);
        var fileActions = stackalloc byte[512];
        var attr = stackalloc byte[1024];
        var sigDefault = stackalloc byte[256];
        var sigMask = stackalloc byte[256];
        int* fds = stackalloc int[2];
        int readFd = -1, writeFd = -1;
        if (info.CaptureOutput)
        {
            if (Libc.Pipe2(fds, Libc.O_CLOEXEC) != 0)
            {
                throw new ChildStartException($"cannot create a pipe (errno {Marshal.GetLastPInvokeError()})");
            }
            readFd = fds[0];
            writeFd = fds[1];
        }
        Check(Libc.FileActionsInit(fileActions), "FileActionsInit");
        Check(Libc.SpawnAttrInit(attr), "SpawnAttrInit");
        try
        {
            if (info.CaptureOutput)
            {
                Check(Libc.FileActionsAddDup2(fileActions, writeFd, 1), "FileActionsAddDup2");
                Check(Libc.FileActionsAddDup2(fileActions, writeFd, 2), "FileActionsAddDup2");
            }
            if (info.OutputFile is not null && !info.CaptureOutput)
            {
                Check(Libc.FileActionsAddOpen(fileActions, 1, info.OutputFile, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND, 0b110_100_100), "FileActionsAddOpen");
                Check(Libc.FileActionsAddDup2(fileActions, 1, 2), "FileActionsAddDup2");
            }
            if (info.NullStdin)
            {
                Check(Libc.FileActionsAddOpen(fileActions, 0, "/dev/null", 0, 0), "FileActionsAddOpen");
            }
            if (info.WorkingDirectory is not null)
            {
                Check(Libc.FileActionsAddChdir(fileActions, info.WorkingDirectory), "FileActionsAddChdir");
            }
            Check(Libc.SigFillSet(sigDefault), "SigFillSet");
            Check(Libc.SigEmptySet(sigMask), "SigEmptySet");
            Check(Libc.SpawnAttrSetSigDefault(attr, sigDefault), "SpawnAttrSetSigDefault");
            Check(Libc.SpawnAttrSetSigMask(attr, sigMask), "SpawnAttrSetSigMask");
            short flags = Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK;
            if (info.NewProcessGroup)
            {
                flags |= Libc.POSIX_SPAWN_SETPGROUP;
                Check(Libc.SpawnAttrSetPgroup(attr, 0), "SpawnAttrSetPgroup");
            }
            Check(Libc.SpawnAttrSetFlags(attr, flags), "SpawnAttrSetFlags");
            int pid;
            var programBytes = Encoding.UTF8.GetBytes(program + "\0");
            int rc;
            fixed (byte* programPtr = programBytes)
            {
                rc = Libc.PosixSpawnP(&pid, programPtr, fileActions, attr, argvBlock.Pointer, envBlock.Pointer);
            }
            if (rc != 0)
            {
                if (readFd >= 0)
                {
                    _ = Libc.Close(readFd);
                }
                throw new ChildStartException(rc switch
                {
                    Libc.ENOENT => $"command not found: {program}",
                    13 => $"permission denied: {program}",
                    8 => $"not an executable: {program}",
                    _ => $"cannot start {program} (errno {rc})",
                });
            }
            Stream? output = null;
            if (readFd >= 0)
            {
                output = new FileStream(new SafeFileHandle(readFd, ownsHandle: true), FileAccess.Read, 1);
            }
            return new ChildProcess(pid, info.NewProcessGroup, output);
        }
        finally
        {
            if (writeFd >= 0)
            {
                _ = Libc.Close(writeFd);
            }
            _ = Libc.FileActionsDestroy(fileActions);
            _ = Libc.SpawnAttrDestroy(attr);
        }
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to the child and everything it started: its whole group when
    /// it owns one, else the child and its live descendants. Works until the child is reaped, even
    /// after it exited (see <see cref="WaitForExitWithoutReaping"/>).
    /// </summary>
    public void Signal(int signal)
    {
        lock (_gate)
        {
            if (_exitStatus >= 0)
            {
                return;
            }
            if (OwnsProcessGroup)
            {
                _ = Libc.Kill(-Pid, signal);
                return;
            }
            _ = Libc.Kill(Pid, signal);
            foreach (var pid in LiveProcesses.DescendantsOf(Pid))
            {
                _ = Libc.Kill(pid, signal);
            }
        }
    }

    /// <summary>
    /// The processes the child started that still run, other than the child itself: the live
    /// members of its group when it owns one, else its live descendants.
    /// </summary>
    public IReadOnlyList<int> Leftovers() => OwnsProcessGroup ? LiveProcesses.InGroup(Pid, except: Pid) : LiveProcesses.DescendantsOf(Pid);

    /// <summary>
    /// Blocks until the child has ended but leaves it unreaped: while it is a zombie its pid, and so
    /// its process group id, cannot be reused, so <see cref="Signal"/> still reaches exactly the
    /// processes it left behind. Call <see cref="WaitForExit"/> afterwards to reap it.
    /// </summary>
    public unsafe void WaitForExitWithoutReaping()
    {
        var siginfo = stackalloc byte[128];
        while (true)
        {
            if (Libc.WaitId(Libc.P_PID, Pid, siginfo, Libc.WEXITED | Libc.WNOWAIT) == 0)
            {
                return;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                // Already reaped (ECHILD) or not ours: WaitForExit reports it.
                return;
            }
        }
    }

    /// <summary>
    /// Reads captured output: waits up to <paramref name="timeoutMs"/> for some, then returns the
    /// number of bytes read, 0 at the end of the output (every writer closed it), or -1 when none
    /// came in time.
    /// </summary>
    public unsafe int ReadOutput(Span<byte> buffer, int timeoutMs)
    {
        if (Output is not FileStream stream)
        {
            throw new InvalidOperationException("the output is not captured");
        }
        var fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        var poll = new Libc.PollFd { Fd = fd, Events = Libc.POLLIN };
        while (true)
        {
            var ready = Libc.Poll(&poll, 1, timeoutMs);
            if (ready < 0 && Marshal.GetLastPInvokeError() == Libc.EINTR)
            {
                continue;
            }
            if (ready == 0)
            {
                return -1;
            }
            fixed (byte* p = buffer)
            {
                var n = Libc.Read(fd, p, buffer.Length);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    throw new IOException($"cannot read the child's output (errno {errno})");
                }
                return (int)n;
            }
        }
    }

    /// <summary>Waits for the child to end (blocking) and returns how it ended.</summary>
    public unsafe (int? ExitCode, int? Signal) WaitForExit()
    {
        int status;
        while (true)
        {
            var rc = Libc.WaitPid(Pid, &status, 0);
            if (rc == Pid)
            {
                break;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (rc < 0 && errno == Libc.EINTR)
            {
                continue;
            }
            throw new InvalidOperationException($"waitpid({Pid}) failed (errno {errno})");
        }
        lock (_gate)
        {
            _exitStatus = status;
        }
        return Libc.DecodeWaitStatus(status);
    }

    /// <summary>Waits on a background thread.</summary>
    public Task<(int? ExitCode, int? Signal)> WaitForExitAsync()
    {
        var tcs = new TaskCompletionSource<(int?, int?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                tcs.SetResult(WaitForExit());
            }
            catch (Exception e)
            {
                tcs.SetException(e);
            }
        })
        { IsBackground = true, Name = "lab-wait" };
        thread.Start();
        return tcs.Task;
    }

    /// <inheritdoc/>
    public void Dispose() => Output?.Dispose();

    private static void Check(int rc, string what)
    {
        if (rc != 0)
        {
            throw new ChildStartException($"cannot prepare the child process ({what}: error {rc})");
        }
    }

    /// <summary>Finds an executable on PATH, as execvp would.</summary>
    public static string? ResolveOnPath(string program)
    {
        var path = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static List<string> BuildEnvironment(IReadOnlyDictionary<string, string?> overrides)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            merged[(string)e.Key] = (string?)e.Value ?? "";
        }
        foreach (var (k, v) in overrides)
        {
            if (v is null)
            {
                merged.Remove(k);
            }
            else
            {
                merged[k] = v;
            }
        }
        return merged.Select(p => $"{p.Key}={p.Value}").ToList();
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings in unmanaged memory.</summary>
    private sealed unsafe class NativeStringArray : IDisposable
    {
        private readonly nint[] _strings;

        public NativeStringArray(IReadOnlyList<string> values)
        {
            _strings = new nint[values.Count];
            Pointer = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(nint));
            for (var i = 0; i < values.Count; i++)
            {
                var bytes = Encoding.UTF8.GetBytes(values[i]);
                var p = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
                bytes.CopyTo(new Span<byte>(p, bytes.Length));
                p[bytes.Length] = 0;
                _strings[i] = (nint)p;
                Pointer[i] = p;
            }
            Pointer[values.Count] = null;
        }

        public byte** Pointer { get; }

        public void Dispose()
        {
            foreach (var p in _strings)
            {
                NativeMemory.Free((void*)p);
            }
            NativeMemory.Free(Pointer);
        }
    }
}

/// <summary>Live processes found through /proc: by process group, or by parentage.</summary>
internal static class LiveProcesses
{
    /// <summary>Live (not zombie) processes whose process group is <paramref name="group"/>, except <paramref name="except"/>.</summary>
    public static List<int> InGroup(int group, int except)
    {
        var found = new List<int>();
        foreach (var (pid, parent, pgrp) in All())
        {
            _ = parent;
            if (pgrp == group && pid != except)
            {
                found.Add(pid);
            }
        }
        return found;
    }

    /// <summary>Live descendants of <paramref name="root"/> (children, their children...).</summary>
    public static List<int> DescendantsOf(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var (pid, parent, _) in All())
        {
            if (!children.TryGetValue(parent, out var list))
            {
                list = [];
                children[parent] = list;
            }
            list.Add(pid);
        }
        var found = new List<int>();
        var pending = new Stack<int>();
        pending.Push(root);
        while (pending.Count > 0 && found.Count < 100_000)
        {
            if (children.TryGetValue(pending.Pop(), out var list))
            {
                foreach (var child in list)
                {
                    found.Add(child);
                    pending.Push(child);
                }
            }
        }
        return found;
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsRunning(int pid) => Stat(pid) is { } s && s.State != 'Z';

    private static IEnumerable<(int Pid, int Parent, int Group)> All()
    {
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories("/proc");
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var dir in dirs)
        {
            if (int.TryParse(Path.GetFileName(dir), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } s && s.State != 'Z')
            {
                yield return (pid, s.Parent, s.Group);
            }
        }
    }

    private static (char State, int Parent, int Group)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so parse after the last ')'.
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 3
            || !int.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out var parent)
            || !int.TryParse(fields[2], System.Globalization.CultureInfo.InvariantCulture, out var group))
        {
            return null;
        }
        return (fields[0][0], parent, group);
    }
}

/// <summary>A child could not be started; the message is one line for the user.</summary>
public sealed class ChildStartException(string message) : Exception(message);
