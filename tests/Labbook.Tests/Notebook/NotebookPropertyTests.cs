using CsCheck;
using Labbook.Notebook;

namespace Labbook.Tests.Notebook;

/// <summary>Hand edits outside managed blocks survive any number of Labbook writes, byte for byte.</summary>
public class NotebookPropertyTests
{
    // Lines a person might type between or inside entries (outside managed blocks). Code fences
    // are generated closed; raw HTML that could swallow a marker line is left out on purpose.
    private static readonly Gen<string> HandLine = Gen.OneOf(
        Gen.String[Gen.Char["abcdefghij XYZ.,;:!?é€😀*_[]()0123456789"], 0, 40],
        Gen.Const(""),
        Gen.Const("- a bullet"),
        Gen.Const("1. numbered"),
        Gen.Const("> a quote"),
        Gen.Const("### My own heading"),
        Gen.Const("| a | b |\n|---|---|\n| 1 | 2 |"),
        Gen.Const("```\n<!-- lab:results E1 -->\n```"),
        Gen.Const("    indented code"),
        Gen.Const("**Why:** a second why"),
        Gen.Const("trailing spaces   "),
        Gen.Const("\t tab"),
        Gen.Const("<!-- my own comment -->"));

    private static readonly Gen<(int Seed, List<(int Slot, string Text)> Edits, List<(int Entry, int Kind, string Content)> Writes)> Scenario =
        Gen.Select(
            Gen.Int[0, 1000],
            Gen.Select(Gen.Int[0, 1000], HandLine).List[0, 12],
            Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.String[Gen.Char["abc xyz-*`\n"], 0, 30]).List[1, 8]);

    [Fact]
    public void Hand_edits_survive_writes()
    {
        Scenario.Sample(s =>
        {
            // A notebook of three entries.
            var doc = NotebookDocument.Parse("");
            for (var i = 0; i < 3; i++)
            {
                var (t, _) = doc.WithNewEntry(new NewEntry { Title = $"entry {i}", Date = new DateOnly(2026, 11, 27), Why = "why " + i });
                doc = NotebookDocument.Parse(t);
            }

            // Hand edits: insert lines at places outside managed blocks.
            var lines = NotebookDocument.SplitLines(doc.Text);
            var outside = OutsideBlocks(lines);
            var inserted = new SortedDictionary<int, List<string>>();
            foreach (var (slot, text) in s.Edits)
            {
                var at = outside[slot % outside.Count];
                if (!inserted.TryGetValue(at, out var list))
                {
                    inserted[at] = list = [];
                }
                list.Add(text + "\n");
            }
            var edited = new List<string>();
            for (var l = 0; l <= lines.Count; l++)
            {
                if (inserted.TryGetValue(l, out var add))
                {
                    edited.AddRange(add);
                }
                if (l < lines.Count)
                {
                    edited.Add(lines[l]);
                }
            }
            var text0 = string.Concat(edited);
            doc = NotebookDocument.Parse(text0);
            var before = Outside(text0);

            // Any number of Labbook writes.
            foreach (var (entry, kind, content) in s.Writes)
            {
                var sanitized = content.Replace("`", "'", StringComparison.Ordinal);
                var next = doc.WithBlock(doc.Entries[entry].Id, (ManagedBlockKind)kind, sanitized);
                doc = NotebookDocument.Parse(next);
            }
            var (withNew, _) = doc.WithNewEntry(new NewEntry { Title = "later", Date = new DateOnly(2026, 11, 28) });
            Assert.StartsWith(doc.Text, withNew, StringComparison.Ordinal);
            Assert.Equal(before, Outside(doc.Text));
        }, iter: 300);
    }

    // Line indices where an insertion lands outside every managed block.
    private static List<int> OutsideBlocks(List<string> lines)
    {
        var result = new List<int>();
        var inside = false;
        var fence = false;
        for (var l = 0; l <= lines.Count; l++)
        {
            if (!inside && !fence)
            {
                result.Add(l);
            }
            if (l < lines.Count)
            {
                var t = lines[l].Trim();
                if (t.StartsWith("```", StringComparison.Ordinal))
                {
                    fence = !fence;
                }
                else if (fence)
                {
                    continue;
                }
                else if (t.StartsWith("<!-- lab:", StringComparison.Ordinal))
                {
                    inside = true;
                }
                else if (t.StartsWith("<!-- /lab:", StringComparison.Ordinal))
                {
                    inside = false;
                }
            }
        }
        return result;
    }

    // The text with each managed block's content cut out (markers kept).
    private static string Outside(string text)
    {
        var sb = new System.Text.StringBuilder();
        var inside = false;
        var fence = false;
        foreach (var line in NotebookDocument.SplitLines(text))
        {
            var t = line.Trim();
            if (!inside && t.StartsWith("```", StringComparison.Ordinal))
            {
                fence = !fence;
            }
            if (fence || t.StartsWith("```", StringComparison.Ordinal))
            {
                sb.Append(line);
                continue;
            }
            if (t.StartsWith("<!-- /lab:", StringComparison.Ordinal))
            {
                inside = false;
            }
            if (!inside)
            {
                sb.Append(line);
            }
            if (t.StartsWith("<!-- lab:", StringComparison.Ordinal))
            {
                inside = true;
            }
        }
        return sb.ToString();
    }
}
