namespace Labbook.Notebook;

/// <summary>The parts of an entry that Labbook rewrites, each fenced by a pair of HTML-comment markers.</summary>
public enum ManagedBlockKind
{
    /// <summary>The runs, queue items and studies attached to the entry.</summary>
    Attached,

    /// <summary>The results, written by <c>lab morning</c>.</summary>
    Results,

    /// <summary>The researcher's conclusion, written by <c>lab conclude</c>.</summary>
    Conclusion,
}

/// <summary>What an attached item is.</summary>
public enum AttachmentKind
{
    /// <summary>A tracked run (by id).</summary>
    Run,

    /// <summary>A queue item (by id).</summary>
    Queue,

    /// <summary>A study (by name).</summary>
    Study,
}

/// <summary>One item listed in an entry's attached block.</summary>
/// <param name="Kind">Run, queue item or study.</param>
/// <param name="Id">Its id or name.</param>
public sealed record Attachment(AttachmentKind Kind, string Id);

/// <summary>One notebook entry as read back from <c>NOTEBOOK.md</c>.</summary>
public sealed class NotebookEntry
{
    /// <summary>The short id, such as <c>E12</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The number in the id (12 for <c>E12</c>).</summary>
    public required int Number { get; init; }

    /// <summary>The title from the heading.</summary>
    public required string Title { get; init; }

    /// <summary>The 1-based line of the entry's heading.</summary>
    public required int Line { get; init; }

    /// <summary>The date field, as written.</summary>
    public string? Date { get; set; }

    /// <summary>What is tested.</summary>
    public string? Testing { get; set; }

    /// <summary>Why it is tested.</summary>
    public string? Why { get; set; }

    /// <summary>Free-text expectations (one per <c>Expect</c> line).</summary>
    public List<string> Expect { get; } = [];

    /// <summary>Machine-checkable predictions (one per <c>Predict</c> line), as written.</summary>
    public List<string> Predictions { get; } = [];

    /// <summary>The items listed in the attached block.</summary>
    public List<Attachment> Attached { get; } = [];

    /// <summary>The text of the results block (without markers), or null when the entry has none.</summary>
    public string? Results { get; set; }

    /// <summary>The text of the conclusion block (without markers), or null when the entry has none.</summary>
    public string? Conclusion { get; set; }

    /// <summary>True when the conclusion block holds any non-blank text.</summary>
    public bool IsConcluded => !string.IsNullOrWhiteSpace(Conclusion);

    /// <summary>The ids of the attached runs.</summary>
    public IEnumerable<string> RunIds => Attached.Where(a => a.Kind == AttachmentKind.Run).Select(a => a.Id);
}

/// <summary>What a new entry says, before it has an id.</summary>
public sealed class NewEntry
{
    /// <summary>The title.</summary>
    public required string Title { get; init; }

    /// <summary>The date written into the entry (local date).</summary>
    public required DateOnly Date { get; init; }

    /// <summary>What is tested.</summary>
    public string? Testing { get; init; }

    /// <summary>Why.</summary>
    public string? Why { get; init; }

    /// <summary>Free-text expectations.</summary>
    public IReadOnlyList<string> Expect { get; init; } = [];

    /// <summary>Machine-checkable predictions (already checked by <see cref="Prediction.Parse"/>).</summary>
    public IReadOnlyList<string> Predictions { get; init; } = [];
}
