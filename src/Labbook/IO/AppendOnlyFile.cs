using System.Runtime.InteropServices;
using Labbook.Native;

namespace Labbook.IO;

/// <summary>
/// A file opened with O_APPEND. Each <see cref="Append"/> is one write(2) call, so lines from
/// several processes never interleave inside a line, and a crash loses at most the bytes of the
/// write in progress.
/// </summary>
internal sealed class AppendOnlyFile : IDisposable
{
    private int _fd;

    private AppendOnlyFile(string path, int fd)
    {
        Path = path;
        _fd = fd;
        _crashSite = System.IO.Path.GetFileName(path);
    }

    // The file's name, which names its crash points (metrics.csv.torn): see CrashPoints.
    private readonly string _crashSite;

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Opens (creating when missing) a file for appending.</summary>
    public static AppendOnlyFile Open(string path)
    {
        var fd = Libc.Open(path, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_110_100);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open for appending (errno {Marshal.GetLastPInvokeError()})");
        }
        return new AppendOnlyFile(path, fd);
    }

    /// <summary>The raw descriptor, for flock.</summary>
    public int Descriptor => _fd;

    /// <summary>Writes all of <paramref name="bytes"/> at the end of the file.</summary>
    public unsafe void Append(ReadOnlySpan<byte> bytes)
    {
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        CrashPoints.Tear(_crashSite, _fd, bytes);
        fixed (byte* p = bytes)
        {
            var offset = 0;
            while (offset < bytes.Length)
            {
                var n = Libc.Write(_fd, p + offset, bytes.Length - offset);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Libc.EINTR)
                    {
                        continue;
                    }
                    throw new IOException($"{Path}: write failed (errno {errno})", errno);
                }
                offset += (int)n;
            }
        }
        CrashPoints.ReachedFile(Path, CrashPoints.Appended);
    }

    /// <summary>Forces written bytes to stable storage.</summary>
    public void Sync()
    {
        if (_fd >= 0 && Libc.Fsync(_fd) != 0)
        {
            throw new IOException($"{Path}: fsync failed (errno {Marshal.GetLastPInvokeError()})");
        }
        CrashPoints.ReachedFile(Path, CrashPoints.Synced);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = Libc.Close(_fd);
            _fd = -1;
        }
    }
}
