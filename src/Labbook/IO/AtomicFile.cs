using System.Runtime.InteropServices;
using System.Text;
using Labbook.Native;

namespace Labbook.IO;

/// <summary>Whole-file writes that readers see either before or after, never half done.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="bytes"/> to a temporary file beside <paramref name="path"/>, then renames it over.</summary>
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool durable = false)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.Write(bytes);
                if (durable)
                {
                    stream.Flush(flushToDisk: true);
                }
            }
            CrashPoints.ReachedFile(path, CrashPoints.TempWritten);
            File.Move(temp, path, overwrite: true);
            CrashPoints.ReachedFile(path, CrashPoints.Renamed);
        }
        catch (IOException)
        {
            // A full disk fails the write (or the close): no half-written temporary file stays behind.
            TryDelete(temp);
            throw;
        }
        catch (UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Deletes the temporary files that writers of <paramref name="path"/> killed between their write and their rename
    /// left beside it. Call only while holding a lock that every writer of <paramref name="path"/> holds while it writes,
    /// so that no temporary file found is still being written.
    /// </summary>
    public static void RemoveStaleTemps(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var prefix = System.IO.Path.GetFileName(path) + ".";
        if (!Directory.Exists(dir))
        {
            return;
        }
        foreach (var temp in Directory.EnumerateFiles(dir, prefix + "*.tmp"))
        {
            // <name>.<pid>.<thread>.tmp, as Write names them: other files that merely start with the name stay.
            var middle = System.IO.Path.GetFileName(temp)[prefix.Length..^".tmp".Length].Split('.');
            if (middle.Length == 2 && middle.All(part => part.Length > 0 && part.All(char.IsAsciiDigit)))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Writes text as UTF-8 atomically.</summary>
    public static void WriteText(string path, string text, bool durable = false) => Write(path, Encoding.UTF8.GetBytes(text), durable);

    /// <summary>
    /// Creates <paramref name="path"/> with <paramref name="content"/> only if it does not exist yet,
    /// atomically: a concurrent creator either wins whole or finds the file complete.
    /// </summary>
    /// <returns>True when this call created the file.</returns>
    public static bool CreateIfMissing(string path, ReadOnlySpan<byte> content)
    {
        if (File.Exists(path))
        {
            return false;
        }
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, content.ToArray());
            // link(2) fails with EEXIST instead of replacing: the first creator wins.
            if (Libc.Link(temp, path) == 0)
            {
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EEXIST)
            {
                return false;
            }
            throw new IOException($"{path}: cannot create (errno {errno})");
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Creates a directory that must not exist yet; false when it already exists.</summary>
    public static bool CreateDirectoryExclusive(string path)
    {
        if (Libc.Mkdir(path, 0b111_101_101) == 0)
        {
            return true;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == Libc.EEXIST)
        {
            return false;
        }
        throw new IOException($"{path}: cannot create directory (errno {errno})");
    }
}
