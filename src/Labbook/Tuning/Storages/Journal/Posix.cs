using System.Runtime.InteropServices;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// The few libc calls the journal needs that .NET does not expose: <c>O_APPEND</c> writes (atomic
/// positioning against other appenders), <c>fsync</c>, <c>ftruncate</c> and a blocking-free <c>flock</c>.
/// Linux only (Labbook is a Linux tool); the flag values are Linux's.
/// </summary>
internal static partial class Posix
{
    public const int ORdWr = 0x2;
    public const int OCreat = 0x40;
    public const int OAppend = 0x400;
    public const int OCloExec = 0x80000;
    public const int LockEx = 2;
    public const int LockNb = 4;
    public const int LockUn = 8;
    public const int EIntr = 4;
    public const int EWouldBlock = 11;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static unsafe partial nint PRead(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int FLock(int fd, int operation);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    public static IOException Error(string what, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{path}: {what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
