using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Labbook.IO;
using Labbook.Native;
using Labbook.Workspaces;

namespace Labbook.Notebook;

/// <summary>
/// Reads and writes <c>NOTEBOOK.md</c> and the notebook's state in <c>.labbook/</c>. Every write is
/// read-modify-write under an exclusive <c>flock</c> on <c>.labbook/notebook.lock</c> (released by
/// the kernel when the process dies, so a killed writer never leaves it stuck) and lands with a
/// temp-file rename, so concurrent <c>lab</c> processes lose nothing and readers never see half a file.
/// </summary>
public sealed class NotebookStore
{
    private const string LockFileName = "notebook.lock";
    private const string CurrentFileName = "current-entry";
    private const string MorningFileName = "last-morning";
    private const string SettingsFileName = "settings.json";

    /// <summary>Opens the notebook of <paramref name="workspace"/>.</summary>
    public NotebookStore(Workspace workspace)
    {
        Workspace = workspace ?? throw new ArgumentNullException(nameof(workspace));
    }

    /// <summary>The workspace.</summary>
    public Workspace Workspace { get; }

    /// <summary>The notebook file.</summary>
    public string Path => Workspace.NotebookPath;

    /// <summary>Reads the notebook (an empty one when the file does not exist). Never writes.</summary>
    /// <exception cref="FormatException">The file cannot be read (the message names the file and line).</exception>
    public NotebookDocument Read() => NotebookDocument.Parse(ReadText(out _), Path);

    /// <summary>The notebook's text without a UTF-8 byte order mark; <paramref name="hasBom"/> says whether it had one.</summary>
    private string ReadText(out bool hasBom)
    {
        hasBom = false;
        if (!File.Exists(Path))
        {
            return "";
        }
        var bytes = File.ReadAllBytes(Path);
        var bom = Encoding.UTF8.Preamble;
        hasBom = bytes.AsSpan().StartsWith(bom);
        return Encoding.UTF8.GetString(hasBom ? bytes.AsSpan(bom.Length) : bytes);
    }

    /// <summary>
    /// Reads the notebook under the lock, lets <paramref name="change"/> compute the new text, and
    /// writes it atomically when it differs. Nothing is written when the file cannot be read or
    /// <paramref name="change"/> throws.
    /// </summary>
    public T Update<T>(Func<NotebookDocument, (string? Text, T Result)> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Workspace.EnsureCreated();
        using var held = FileLock.Acquire(System.IO.Path.Combine(Workspace.StateDirectory, LockFileName));
        AtomicFile.RemoveStaleTemps(Path);
        var document = NotebookDocument.Parse(ReadText(out var hasBom), Path);
        var (text, result) = change(document);
        if (text is not null && !string.Equals(text, document.Text, StringComparison.Ordinal))
        {
            // A byte order mark the user's editor wrote stays: the file is theirs, byte for byte where we change nothing.
            var body = Encoding.UTF8.GetBytes(text);
            AtomicFile.Write(Path, hasBom ? [.. Encoding.UTF8.Preamble, .. body] : body);
        }
        return result;
    }

    /// <summary>Adds an entry and makes it current; returns its id.</summary>
    public string AddEntry(NewEntry entry)
    {
        var id = Update(doc =>
        {
            var (text, newId) = doc.WithNewEntry(entry);
            return (text, newId);
        });
        SetCurrent(id);
        return id;
    }

    /// <summary>Adds items to an entry's attached block (items already there stay once).</summary>
    public void Attach(string entryId, IEnumerable<Attachment> items, Func<Attachment, string?>? note = null)
    {
        var list = items.ToList();
        Update(doc =>
        {
            var entry = doc.Find(entryId) ?? throw new KeyNotFoundException($"{Path}: no entry {NotebookDocument.NormalizeId(entryId)}");
            var all = entry.Attached.ToList();
            foreach (var item in list)
            {
                if (!all.Contains(item))
                {
                    all.Add(item);
                }
            }
            if (all.Count == entry.Attached.Count)
            {
                return ((string?)null, 0);
            }
            return (doc.WithBlock(entry.Id, ManagedBlockKind.Attached, NotebookDocument.AttachedContent(all.Select(a => (a, note?.Invoke(a))))), 0);
        });
    }

    /// <summary>The current entry's id, or null when none is set.</summary>
    public string? Current()
    {
        var path = System.IO.Path.Combine(Workspace.StateDirectory, CurrentFileName);
        if (!File.Exists(path))
        {
            return null;
        }
        var text = File.ReadAllText(path).Trim();
        return text.Length == 0 ? null : NotebookDocument.NormalizeId(text);
    }

    /// <summary>Makes an entry current (null clears it).</summary>
    public void SetCurrent(string? entryId)
    {
        Workspace.EnsureCreated();
        var path = System.IO.Path.Combine(Workspace.StateDirectory, CurrentFileName);
        // Under the notebook's lock, like every write of the notebook's state, so a temp file found there is stale.
        using var held = FileLock.Acquire(System.IO.Path.Combine(Workspace.StateDirectory, LockFileName));
        AtomicFile.RemoveStaleTemps(path);
        if (entryId is null)
        {
            File.Delete(path);
            return;
        }
        AtomicFile.WriteText(path, NotebookDocument.NormalizeId(entryId) + "\n");
    }

    /// <summary>When the last morning report was made (UTC), or null.</summary>
    public DateTime? LastMorning()
    {
        var path = System.IO.Path.Combine(Workspace.StateDirectory, MorningFileName);
        if (!File.Exists(path))
        {
            return null;
        }
        return DateTime.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    /// <summary>Remembers when the morning report was made.</summary>
    public void SetLastMorning(DateTime utc)
    {
        Workspace.EnsureCreated();
        AtomicFile.WriteText(System.IO.Path.Combine(Workspace.StateDirectory, MorningFileName), utc.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>
    /// Reads a boolean workspace setting from <c>.labbook/settings.json</c> (a flat JSON object);
    /// <paramref name="fallback"/> when the file, the key or a boolean value is missing.
    /// </summary>
    /// <exception cref="FormatException">The settings file is not valid JSON (the message names file and line).</exception>
    public bool Setting(string key, bool fallback)
    {
        var path = System.IO.Path.Combine(Workspace.StateDirectory, SettingsFileName);
        if (!File.Exists(path))
        {
            return fallback;
        }
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(key, out var value))
            {
                return value.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => fallback };
            }
            return fallback;
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: line {(e.LineNumber ?? 0) + 1}: not valid JSON", e);
        }
    }
}

/// <summary>An exclusive advisory lock (flock) held while the object lives, released by the kernel if the process dies.</summary>
internal sealed class FileLock : IDisposable
{
    private int _fd;

    private FileLock(int fd)
    {
        _fd = fd;
    }

    public static FileLock Acquire(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0b110_100_100);
        if (fd < 0)
        {
            throw new IOException($"{path}: cannot open lock file (errno {Marshal.GetLastPInvokeError()})");
        }
        while (Libc.Flock(fd, Libc.LOCK_EX) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                Libc.Close(fd);
                throw new IOException($"{path}: cannot lock (errno {errno})");
            }
        }
        return new FileLock(fd);
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Libc.Close(_fd);
            _fd = -1;
        }
    }
}
