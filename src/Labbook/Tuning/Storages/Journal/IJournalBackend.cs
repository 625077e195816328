namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// Where a journal's bytes live, as Optuna splits it: the operation log (<see cref="JournalStorage"/>) says
/// what happened; a backend only stores lines. A new backend costs three members (and <see cref="Flush"/> when it defers durability).
/// </summary>
public interface IJournalBackend : IDisposable
{
    /// <summary>
    /// The complete lines (each ending in <c>\n</c>) that start at byte <paramref name="offset"/> or later.
    /// A torn last line (no newline yet) is not returned; it is read again once complete.
    /// </summary>
    ReadOnlyMemory<byte> ReadLogs(long offset);

    /// <summary>
    /// Appends complete lines: visible to every reader when it returns, and durable then or soon after (see
    /// <see cref="JournalDurability"/>). Called only while holding <see cref="Lock"/>.
    /// </summary>
    void AppendLogs(ReadOnlySpan<byte> lines);

    /// <summary>Returns once every line appended so far is durable. Default: nothing (appends are durable when they return).</summary>
    void Flush()
    {
    }

    /// <summary>
    /// Takes the writers' lock, excluding writers in other processes (and machines, where the file system
    /// supports it); disposing the result releases it. Must never be left held by a dead process.
    /// Callers serialize their own threads.
    /// </summary>
    IDisposable Lock();
}
