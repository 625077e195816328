using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Syntax;

namespace Labbook.Notebook;

/// <summary>
/// <c>NOTEBOOK.md</c> parsed with Markdig. Entries are level-2 headings <c>## E12 · title</c>; the
/// parts Labbook rewrites sit between HTML-comment markers (<c>&lt;!-- lab:results E12 --&gt;</c> …
/// <c>&lt;!-- /lab:results E12 --&gt;</c>). Every edit replaces the lines between one pair of markers,
/// inserts a missing block at the end of its entry, or appends a new entry: all other bytes of the
/// file are kept as they are. Markers inside code blocks are text, not markers (the real parser
/// tells them apart), so a notebook may quote its own format.
/// </summary>
public sealed partial class NotebookDocument
{
    private readonly List<string> _lines;
    private readonly List<ManagedSpan> _blocks;
    private readonly List<Section> _sections;
    private readonly string _newline;

    private NotebookDocument(string text, string path, List<string> lines, List<ManagedSpan> blocks, List<Section> sections, List<NotebookEntry> entries)
    {
        Text = text;
        Path = path;
        _lines = lines;
        _blocks = blocks;
        _sections = sections;
        Entries = entries;
        _newline = lines.Count > 0 && lines[0].EndsWith("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
    }

    /// <summary>The whole text, exactly as it will be written.</summary>
    public string Text { get; }

    /// <summary>The file the text came from (used in messages).</summary>
    public string Path { get; }

    /// <summary>The entries, in file order.</summary>
    public IReadOnlyList<NotebookEntry> Entries { get; }

    /// <summary>The heading a new notebook starts with.</summary>
    public const string NewNotebookHeader = "# Lab notebook\n";

    /// <summary>Finds an entry by id (case-insensitive: <c>e12</c> finds <c>E12</c>).</summary>
    public NotebookEntry? Find(string id) =>
        Entries.FirstOrDefault(e => string.Equals(e.Id, NormalizeId(id), StringComparison.Ordinal));

    /// <summary>Turns <c>e12</c> or <c>12</c> into <c>E12</c>; returns the input unchanged when it is not an entry id.</summary>
    public static string NormalizeId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var t = id.Trim();
        if (t.Length > 0 && (t[0] == 'e' || t[0] == 'E'))
        {
            t = t[1..];
        }
        return t.Length > 0 && t.Length < 10 && t.All(char.IsAsciiDigit) ? "E" + int.Parse(t, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture) : id;
    }

    /// <summary>Parses notebook text.</summary>
    /// <exception cref="FormatException">The text cannot be read; the message names the file and the 1-based line.</exception>
    public static NotebookDocument Parse(string text, string path = "NOTEBOOK.md")
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = SplitLines(text);
        var lineStarts = new int[lines.Count + 1];
        for (var i = 0; i < lines.Count; i++)
        {
            lineStarts[i + 1] = lineStarts[i] + lines[i].Length;
        }
        var markdown = Markdown.Parse(text);

        // Lines that Markdown treats as code: nothing there is a marker or a field.
        var code = new bool[lines.Count];
        foreach (var block in markdown.Descendants<CodeBlock>())
        {
            var (from, to) = LineRange(block, lineStarts);
            for (var l = from; l <= to && l < lines.Count; l++)
            {
                code[l] = true;
            }
        }

        var markers = new List<Marker>();
        foreach (var html in markdown.Descendants<HtmlBlock>())
        {
            var (from, to) = LineRange(html, lineStarts);
            for (var l = from; l <= to && l < lines.Count; l++)
            {
                var raw = lines[l].TrimEnd('\r', '\n');
                if (!MarkerHint().IsMatch(raw))
                {
                    continue;
                }
                var m = MarkerPattern().Match(raw.Trim());
                if (!m.Success || from != to)
                {
                    throw Error(path, l, "a Labbook marker must stand alone on its line, as <!-- lab:KIND E1 --> or <!-- /lab:KIND E1 -->");
                }
                if (!TryParseKind(m.Groups["kind"].Value, out var kind))
                {
                    throw Error(path, l, $"unknown block '{m.Groups["kind"].Value}' in marker (known: attached, results, conclusion)");
                }
                markers.Add(new Marker(l, m.Groups["end"].Success && m.Groups["end"].Value == "/", kind, NormalizeId(m.Groups["id"].Value)));
            }
        }
        markers.Sort((a, b) => a.Line.CompareTo(b.Line));

        var blocks = new List<ManagedSpan>();
        Marker? open = null;
        foreach (var marker in markers)
        {
            if (!marker.IsEnd)
            {
                if (open is { } o)
                {
                    throw Error(path, marker.Line, $"block lab:{KindText(marker.Kind)} {marker.Id} starts before lab:{KindText(o.Kind)} {o.Id} (line {o.Line + 1}) is closed");
                }
                open = marker;
                continue;
            }
            if (open is not { } start)
            {
                throw Error(path, marker.Line, $"end of block lab:{KindText(marker.Kind)} {marker.Id} without its start");
            }
            if (start.Kind != marker.Kind || start.Id != marker.Id)
            {
                throw Error(path, marker.Line, $"end of block lab:{KindText(marker.Kind)} {marker.Id} closes lab:{KindText(start.Kind)} {start.Id} (line {start.Line + 1})");
            }
            if (blocks.Any(b => b.Kind == start.Kind && b.EntryId == start.Id))
            {
                throw Error(path, start.Line, $"second lab:{KindText(start.Kind)} block for {start.Id}");
            }
            blocks.Add(new ManagedSpan(start.Kind, start.Id, start.Line, marker.Line));
            open = null;
        }
        if (open is { } unclosed)
        {
            throw Error(path, unclosed.Line, $"block lab:{KindText(unclosed.Kind)} {unclosed.Id} is never closed (expected <!-- /lab:{KindText(unclosed.Kind)} {unclosed.Id} -->)");
        }

        var inBlock = new bool[lines.Count];
        foreach (var b in blocks)
        {
            for (var l = b.Start; l <= b.End; l++)
            {
                inBlock[l] = true;
            }
        }

        // Sections: every top-level heading of level 1 or 2 ends the previous entry.
        var headings = markdown.OfType<HeadingBlock>().Where(h => h.Level <= 2).Select(h => LineRange(h, lineStarts).From).ToList();
        var sections = new List<Section>();
        var entries = new List<NotebookEntry>();
        for (var i = 0; i < headings.Count; i++)
        {
            var line = headings[i];
            var end = i + 1 < headings.Count ? headings[i + 1] : lines.Count;
            var m = HeadingPattern().Match(lines[line].TrimEnd('\r', '\n'));
            if (!m.Success || inBlock[line])
            {
                continue;
            }
            if (!int.TryParse(m.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }
            var id = "E" + number.ToString(CultureInfo.InvariantCulture);
            if (entries.FirstOrDefault(e => e.Id == id) is { } twin)
            {
                throw Error(path, line, $"entry {id} appears twice (first at line {twin.Line})");
            }
            var title = m.Groups["title"].Value.Trim();
            var closing = ClosingHashes().Match(title);
            if (closing.Success)
            {
                title = title[..closing.Index];
            }
            var entry = new NotebookEntry { Id = id, Number = number, Title = title, Line = line + 1 };
            ReadFields(entry, lines, line + 1, end, code, inBlock);
            entries.Add(entry);
            sections.Add(new Section(id, line, end));
        }

        foreach (var b in blocks)
        {
            var entry = entries.FirstOrDefault(e => e.Id == b.EntryId)
                ?? throw Error(path, b.Start, $"block lab:{KindText(b.Kind)} {b.EntryId} belongs to no entry (no heading '## {b.EntryId} · title')");
            var content = string.Concat(lines.Skip(b.Start + 1).Take(b.End - b.Start - 1));
            switch (b.Kind)
            {
                case ManagedBlockKind.Attached:
                    var known = new HashSet<Attachment>(entry.Attached);
                    foreach (var l in lines.Skip(b.Start + 1).Take(b.End - b.Start - 1))
                    {
                        var a = AttachmentPattern().Match(l.TrimEnd('\r', '\n'));
                        if (a.Success)
                        {
                            var kind = a.Groups["kind"].Value switch { "queue" => AttachmentKind.Queue, "study" => AttachmentKind.Study, _ => AttachmentKind.Run };
                            var item = new Attachment(kind, a.Groups["id"].Value);
                            if (known.Add(item))
                            {
                                entry.Attached.Add(item);
                            }
                        }
                    }
                    break;
                case ManagedBlockKind.Results:
                    entry.Results = content;
                    break;
                case ManagedBlockKind.Conclusion:
                    entry.Conclusion = content;
                    break;
            }
        }
        return new NotebookDocument(text, path, lines, blocks, sections, entries);
    }

    /// <summary>The text with a new entry appended; its id is one more than the highest so far.</summary>
    public (string Text, string Id) WithNewEntry(NewEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var number = Entries.Count == 0 ? 1 : Entries.Max(e => e.Number) + 1;
        var id = "E" + number.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(Text);
        if (sb.Length == 0)
        {
            sb.Append(NewNotebookHeader.Replace("\n", _newline, StringComparison.Ordinal));
        }
        else if (!Text.EndsWith('\n') && !Text.EndsWith('\r'))
        {
            sb.Append(_newline);
        }
        var nl = _newline;
        sb.Append(nl).Append("## ").Append(id).Append(" · ").Append(OneLine(entry.Title)).Append(nl).Append(nl);
        sb.Append("- **Date:** ").Append(entry.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(nl);
        if (!string.IsNullOrWhiteSpace(entry.Testing))
        {
            sb.Append("- **Testing:** ").Append(OneLine(entry.Testing)).Append(nl);
        }
        if (!string.IsNullOrWhiteSpace(entry.Why))
        {
            sb.Append("- **Why:** ").Append(OneLine(entry.Why)).Append(nl);
        }
        foreach (var e in entry.Expect)
        {
            sb.Append("- **Expect:** ").Append(OneLine(e)).Append(nl);
        }
        foreach (var p in entry.Predictions)
        {
            sb.Append("- **Predict:** `").Append(OneLine(p)).Append('`').Append(nl);
        }
        foreach (var kind in Enum.GetValues<ManagedBlockKind>())
        {
            sb.Append(nl).Append(BlockSection(kind, id, kind == ManagedBlockKind.Results ? ResultsPlaceholder + nl : ""));
        }
        var text = sb.ToString();
        Revalidate(text);
        return (text, id);
    }

    /// <summary>What an entry's results block says until <c>lab morning</c> first fills it.</summary>
    public const string ResultsPlaceholder = "_Not yet: `lab morning` fills this in._";

    /// <summary>
    /// The text with the content of one managed block replaced (or the block added at the end of
    /// its entry when it is missing). <paramref name="content"/> is a whole number of lines.
    /// </summary>
    /// <exception cref="FormatException">The result would not read back (e.g. the content holds a marker).</exception>
    public string WithBlock(string entryId, ManagedBlockKind kind, string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var id = NormalizeId(entryId);
        var section = _sections.FirstOrDefault(s => s.EntryId == id) ?? throw new KeyNotFoundException($"{Path}: no entry {id}");
        var body = Body(content);
        var sb = new StringBuilder(Text.Length + body.Length + 64);
        if (_blocks.FirstOrDefault(b => b.EntryId == id && b.Kind == kind) is { } block)
        {
            for (var l = 0; l <= block.Start; l++)
            {
                sb.Append(_lines[l]);
            }
            sb.Append(body);
            for (var l = block.End; l < _lines.Count; l++)
            {
                sb.Append(_lines[l]);
            }
        }
        else
        {
            // Insert before the trailing blank lines of the entry's section.
            var at = section.End;
            while (at > section.Heading + 1 && string.IsNullOrWhiteSpace(_lines[at - 1]))
            {
                at--;
            }
            for (var l = 0; l < at; l++)
            {
                sb.Append(_lines[l]);
            }
            if (at > 0 && !_lines[at - 1].EndsWith('\n') && !_lines[at - 1].EndsWith('\r'))
            {
                sb.Append(_newline);
            }
            sb.Append(_newline).Append(BlockSection(kind, id, body));
            if (at < _lines.Count)
            {
                sb.Append(_newline);
            }
            for (var l = at; l < _lines.Count; l++)
            {
                sb.Append(_lines[l]);
            }
        }
        var text = sb.ToString();
        Revalidate(text);
        return text;
    }

    /// <summary>
    /// The text with several blocks' contents replaced in one pass (one parse to check the result,
    /// however many blocks change); blocks that are missing are added as <see cref="WithBlock"/> does.
    /// </summary>
    /// <exception cref="FormatException">The result would not read back.</exception>
    public string WithBlocks(IEnumerable<(string EntryId, ManagedBlockKind Kind, string Content)> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var replace = new Dictionary<int, string>();
        var missing = new List<(string, ManagedBlockKind, string)>();
        foreach (var (entryId, kind, content) in changes)
        {
            var id = NormalizeId(entryId);
            if (!_sections.Any(s => s.EntryId == id))
            {
                throw new KeyNotFoundException($"{Path}: no entry {id}");
            }
            if (_blocks.FirstOrDefault(b => b.EntryId == id && b.Kind == kind) is { } block)
            {
                replace[block.Start] = Body(content);
            }
            else
            {
                missing.Add((id, kind, content));
            }
        }
        // Missing blocks go before the trailing blank lines of their entry, in the order asked.
        var inserts = new Dictionary<int, List<string>>();
        foreach (var (id, kind, content) in missing)
        {
            var section = _sections.First(x => x.EntryId == id);
            var at = section.End;
            while (at > section.Heading + 1 && string.IsNullOrWhiteSpace(_lines[at - 1]))
            {
                at--;
            }
            if (!inserts.TryGetValue(at, out var list))
            {
                inserts[at] = list = [];
            }
            list.Add(_newline + BlockSection(kind, id, Body(content)));
        }
        var sb = new StringBuilder(Text.Length + 1024);
        for (var l = 0; l <= _lines.Count; l++)
        {
            if (inserts.TryGetValue(l, out var added))
            {
                if (l > 0 && !_lines[l - 1].EndsWith('\n') && !_lines[l - 1].EndsWith('\r'))
                {
                    sb.Append(_newline);
                }
                foreach (var a in added)
                {
                    sb.Append(a);
                }
                if (l < _lines.Count)
                {
                    sb.Append(_newline);
                }
            }
            if (l == _lines.Count)
            {
                break;
            }
            sb.Append(_lines[l]);
            if (replace.TryGetValue(l, out var body))
            {
                sb.Append(body);
                l = _blocks.First(b => b.Start == l).End - 1;
            }
        }
        var text = sb.ToString();
        Revalidate(text);
        return text;
    }

    private string Body(string content)
    {
        var body = content.Length == 0 || content.EndsWith('\n') ? content : content + "\n";
        if (_newline != "\n")
        {
            body = body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", _newline, StringComparison.Ordinal);
        }
        return body;
    }

    /// <summary>The attached block's content listing <paramref name="items"/> with an optional note per item.</summary>
    public static string AttachedContent(IEnumerable<(Attachment Item, string? Note)> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sb = new StringBuilder();
        foreach (var (item, note) in items)
        {
            var kind = item.Kind switch { AttachmentKind.Queue => "queue", AttachmentKind.Study => "study", _ => "run" };
            sb.Append("- ").Append(kind).Append(" `").Append(item.Id).Append('`');
            if (!string.IsNullOrEmpty(note))
            {
                // A note quotes commands and names: it must never carry a marker or a control character into the file.
                sb.Append(" · ").Append(Workspaces.Names.Escape(OneLine(note)).Replace("<!--", "&lt;!--", StringComparison.Ordinal));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string BlockSection(ManagedBlockKind kind, string id, string body)
    {
        var heading = kind switch { ManagedBlockKind.Attached => "### Attached", ManagedBlockKind.Results => "### Results", _ => "### Conclusion" };
        var k = KindText(kind);
        var nl = _newline;
        return $"{heading}{nl}<!-- lab:{k} {id} -->{nl}{body}<!-- /lab:{k} {id} -->{nl}";
    }

    private void Revalidate(string text)
    {
        try
        {
            Parse(text, Path);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{e.Message} (after the change; nothing was written: does the text contain a Labbook marker or an unclosed code fence?)", e);
        }
    }

    private static void ReadFields(NotebookEntry entry, List<string> lines, int from, int to, bool[] code, bool[] inBlock)
    {
        for (var l = from; l < to; l++)
        {
            if (code[l] || inBlock[l])
            {
                continue;
            }
            var m = FieldPattern().Match(lines[l].TrimEnd('\r', '\n'));
            if (!m.Success)
            {
                continue;
            }
            var value = new StringBuilder(m.Groups["value"].Value.Trim());
            // Lazy continuation lines belong to the field.
            while (l + 1 < to && !code[l + 1] && !inBlock[l + 1] && IsContinuation(lines[l + 1]))
            {
                l++;
                value.Append(' ').Append(lines[l].Trim());
            }
            var text = value.ToString();
            switch (m.Groups["name"].Value.ToLowerInvariant())
            {
                case "date": entry.Date = text; break;
                case "testing": entry.Testing = text; break;
                case "why": entry.Why = text; break;
                case "expect": entry.Expect.Add(text); break;
                default:
                    var p = text.Length >= 2 && text[0] == '`' && text[^1] == '`' ? text[1..^1].Trim() : text;
                    entry.Predictions.Add(p);
                    break;
            }
        }
    }

    private static bool IsContinuation(string line)
    {
        var t = line.Trim();
        return t.Length > 0 && t[0] is not ('-' or '*' or '+' or '#' or '<' or '>' or '|' or '`' or '~') && !char.IsAsciiDigit(t[0]);
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static (int From, int To) LineRange(Markdig.Syntax.Block block, int[] lineStarts)
    {
        var start = Math.Max(0, block.Span.Start);
        var end = Math.Max(start, block.Span.End);
        return (LineOf(start, lineStarts), LineOf(end, lineStarts));
    }

    private static int LineOf(int offset, int[] lineStarts)
    {
        var i = Array.BinarySearch(lineStarts, offset);
        var line = i >= 0 ? i : ~i - 1;
        return Math.Clamp(line, 0, Math.Max(0, lineStarts.Length - 2));
    }

    /// <summary>Splits text into lines that keep their terminators (\n, \r\n or \r), as Markdig counts them.</summary>
    internal static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n')))
            {
                lines.Add(text[start..(i + 1)]);
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return lines;
    }

    private static FormatException Error(string path, int line, string message) =>
        new($"{path}: line {(line + 1).ToString(CultureInfo.InvariantCulture)}: {message}");

    private static string KindText(ManagedBlockKind kind) => kind switch
    {
        ManagedBlockKind.Attached => "attached",
        ManagedBlockKind.Results => "results",
        _ => "conclusion",
    };

    private static bool TryParseKind(string text, out ManagedBlockKind kind)
    {
        switch (text)
        {
            case "attached": kind = ManagedBlockKind.Attached; return true;
            case "results": kind = ManagedBlockKind.Results; return true;
            case "conclusion": kind = ManagedBlockKind.Conclusion; return true;
            default: kind = default; return false;
        }
    }

    [GeneratedRegex(@"<!--\s*/?lab:")]
    private static partial Regex MarkerHint();

    [GeneratedRegex(@"^<!--\s*(?<end>/)?lab:(?<kind>[A-Za-z]+)\s+(?<id>[Ee]\d{1,9})\s*-->$")]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"^ {0,3}##[ \t]+E(?<n>\d{1,9})(?=$|[\s:·—–-])[ \t]*[·:—–-]?[ \t]*(?<title>.*)$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"[ \t]+#+[ \t]*$")]
    private static partial Regex ClosingHashes();

    [GeneratedRegex(@"^\s{0,3}(?:[-*+][ \t]+)?\*\*(?<name>Date|Testing|Why|Expect|Predict):\*\*(?<value>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"^\s*[-*+]\s+(?<kind>run|queue|study)\s+`(?<id>[^`]+)`")]
    private static partial Regex AttachmentPattern();

    private sealed record Marker(int Line, bool IsEnd, ManagedBlockKind Kind, string Id);

    private sealed record ManagedSpan(ManagedBlockKind Kind, string EntryId, int Start, int End);

    private sealed record Section(string EntryId, int Heading, int End);
}
