namespace Labbook;

/// <summary>The time source of scheduling, estimates and deadlines; tests pass a fixed or stepped one.</summary>
public interface IClock
{
    /// <summary>The current time, UTC.</summary>
    DateTime UtcNow { get; }
}

/// <summary>The system clock.</summary>
public sealed class SystemClock : IClock
{
    /// <summary>The shared instance.</summary>
    public static readonly SystemClock Instance = new();

    /// <inheritdoc/>
    public DateTime UtcNow => DateTime.UtcNow;
}
