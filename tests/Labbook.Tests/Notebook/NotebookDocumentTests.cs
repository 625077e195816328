using Labbook.Notebook;

namespace Labbook.Tests.Notebook;

public class NotebookDocumentTests
{
    private static readonly NewEntry Warmup = new()
    {
        Title = "Does warmup fix the divergence?",
        Date = new DateOnly(2026, 11, 27),
        Testing = "500 warmup steps",
        Why = "loss spikes at step 2k",
        Expect = ["smoother curves"],
        Predictions = ["val_loss < baseline - 0.02"],
    };

    internal const string Expected =
        """
        # Lab notebook

        ## E1 · Does warmup fix the divergence?

        - **Date:** 2026-11-27
        - **Testing:** 500 warmup steps
        - **Why:** loss spikes at step 2k
        - **Expect:** smoother curves
        - **Predict:** `val_loss < baseline - 0.02`

        ### Attached
        <!-- lab:attached E1 -->
        <!-- /lab:attached E1 -->

        ### Results
        <!-- lab:results E1 -->
        _Not yet: `lab morning` fills this in._
        <!-- /lab:results E1 -->

        ### Conclusion
        <!-- lab:conclusion E1 -->
        <!-- /lab:conclusion E1 -->

        """;

    [Fact]
    public void New_entry_round_trips()
    {
        var (text, id) = NotebookDocument.Parse("").WithNewEntry(Warmup);
        Assert.Equal("E1", id);
        Assert.Equal(Expected, text);
        var e = Assert.Single(NotebookDocument.Parse(text).Entries);
        Assert.Equal("E1", e.Id);
        Assert.Equal("Does warmup fix the divergence?", e.Title);
        Assert.Equal("2026-11-27", e.Date);
        Assert.Equal("500 warmup steps", e.Testing);
        Assert.Equal("loss spikes at step 2k", e.Why);
        Assert.Equal(["smoother curves"], e.Expect);
        Assert.Equal(["val_loss < baseline - 0.02"], e.Predictions);
        Assert.Equal(NotebookDocument.ResultsPlaceholder + "\n", e.Results);
        Assert.False(e.IsConcluded);
        Assert.Equal(3, e.Line);
    }

    [Fact]
    public void Ids_grow_from_the_highest()
    {
        var text = "# Notes\n\n## E7 · old\n\nhand text\n";
        var (next, id) = NotebookDocument.Parse(text).WithNewEntry(Warmup);
        Assert.Equal("E8", id);
        Assert.StartsWith(text, next, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_a_block_changes_only_its_content()
    {
        var text = Expected.Replace("- **Why:**", "Some hand-written note.\n\n- **Why:**", StringComparison.Ordinal) + "\n## Unrelated\n\ntrailing words";
        var doc = NotebookDocument.Parse(text);
        var after = doc.WithBlock("E1", ManagedBlockKind.Results, "- **Best:** `abc`\n");
        Assert.Equal(text.Replace("_Not yet: `lab morning` fills this in._\n", "- **Best:** `abc`\n", StringComparison.Ordinal), after);
        var concluded = NotebookDocument.Parse(after).WithBlock("e1", ManagedBlockKind.Conclusion, "Warmup works.");
        Assert.Equal("Warmup works.\n", NotebookDocument.Parse(concluded).Find("E1")!.Conclusion);
    }

    [Fact]
    public void A_missing_block_is_inserted_at_the_end_of_its_entry()
    {
        var text = "## E2 · hand made\n\n- **Why:** because\n\n\n## E3 · next\n";
        var after = NotebookDocument.Parse(text).WithBlock("E2", ManagedBlockKind.Results, "done\n");
        Assert.Equal("## E2 · hand made\n\n- **Why:** because\n\n### Results\n<!-- lab:results E2 -->\ndone\n<!-- /lab:results E2 -->\n\n\n\n## E3 · next\n", after);
        Assert.Equal("done\n", NotebookDocument.Parse(after).Find("E2")!.Results);
    }

    [Fact]
    public void Crlf_files_stay_crlf()
    {
        var text = Expected.Replace("\n", "\r\n", StringComparison.Ordinal);
        var after = NotebookDocument.Parse(text).WithBlock("E1", ManagedBlockKind.Conclusion, "a\nb\n");
        Assert.Equal(text.Replace("<!-- lab:conclusion E1 -->\r\n", "<!-- lab:conclusion E1 -->\r\na\r\nb\r\n", StringComparison.Ordinal), after);
    }

    [Fact]
    public void Markers_inside_code_are_text()
    {
        var text = Expected + "\n```markdown\n<!-- lab:results E9 -->\n```\n";
        var doc = NotebookDocument.Parse(text);
        Assert.Single(doc.Entries);
    }

    [Fact]
    public void Attached_items_are_read()
    {
        var text = Expected.Replace("<!-- lab:attached E1 -->\n", "<!-- lab:attached E1 -->\n- run `6abc` · completed\n- queue `q12`\n- study `lr-search`\n* run `6abd`\n", StringComparison.Ordinal);
        var e = NotebookDocument.Parse(text).Entries[0];
        Assert.Equal(
            [new Attachment(AttachmentKind.Run, "6abc"), new Attachment(AttachmentKind.Queue, "q12"), new Attachment(AttachmentKind.Study, "lr-search"), new Attachment(AttachmentKind.Run, "6abd")],
            e.Attached);
        Assert.Equal(["6abc", "6abd"], e.RunIds);
    }

    [Theory]
    [InlineData("<!-- /lab:results E1 -->\n", 24, "end of block lab:results E1 without its start")]
    [InlineData("<!-- lab:results E1 -->\nx\n", 24, "block lab:results E1 is never closed")]
    [InlineData("<!-- lab:notes E1 -->\n", 24, "unknown block 'notes'")]
    [InlineData("<!-- lab:results E1 --> extra\n", 24, "must stand alone on its line")]
    [InlineData("## E1 · again\n", 24, "entry E1 appears twice (first at line 3)")]
    [InlineData("<!-- lab:results E4 -->\n<!-- /lab:results E4 -->\n", 24, "belongs to no entry")]
    [InlineData("<!-- lab:results E1 -->\n<!-- /lab:results E1 -->\n", 24, "second lab:results block for E1")]
    public void Unreadable_files_name_the_line(string appended, int line, string message)
    {
        var text = Expected + "\n" + appended;
        var e = Assert.Throws<FormatException>(() => NotebookDocument.Parse(text, "NOTEBOOK.md"));
        Assert.StartsWith($"NOTEBOOK.md: line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_inside_an_open_block_names_both_lines()
    {
        var text = Expected.Replace("<!-- /lab:attached E1 -->\n", "", StringComparison.Ordinal);
        var e = Assert.Throws<FormatException>(() => NotebookDocument.Parse(text, "NOTEBOOK.md"));
        Assert.Equal("NOTEBOOK.md: line 15: block lab:results E1 starts before lab:attached E1 (line 12) is closed", e.Message);
    }

    [Fact]
    public void Content_that_would_break_the_file_is_refused()
    {
        var doc = NotebookDocument.Parse(Expected);
        Assert.Throws<FormatException>(() => doc.WithBlock("E1", ManagedBlockKind.Conclusion, "<!-- /lab:conclusion E1 -->\n"));
        Assert.Throws<FormatException>(() => doc.WithBlock("E1", ManagedBlockKind.Conclusion, "```\nunclosed fence\n"));
    }

    [Fact]
    public void Fields_continue_on_lazy_lines_and_accept_other_bullets()
    {
        var text = "## E5: hand written ##\n\n* **Why:** a long reason\n  that wraps\n**Predict:** acc > 0.5\n";
        var e = NotebookDocument.Parse(text).Entries[0];
        Assert.Equal("hand written", e.Title);
        Assert.Equal("a long reason that wraps", e.Why);
        Assert.Equal(["acc > 0.5"], e.Predictions);
    }

    [Fact]
    public void Writing_many_blocks_at_once_equals_writing_them_one_by_one()
    {
        var text = Expected + "\n## E2 · hand made\n\n- **Why:** because\n\n\n## E3 · last, no newline at the end";
        (string, ManagedBlockKind, string)[] changes =
        [
            ("E1", ManagedBlockKind.Results, "r1\n"),
            ("E2", ManagedBlockKind.Attached, "- run `x`\n"),
            ("E1", ManagedBlockKind.Attached, "- run `y`\n"),
            ("E2", ManagedBlockKind.Results, "r2"),
            ("E3", ManagedBlockKind.Results, "r3\n"),
        ];
        var oneByOne = text;
        foreach (var (id, kind, content) in changes)
        {
            oneByOne = NotebookDocument.Parse(oneByOne).WithBlock(id, kind, content);
        }
        // The same blocks with the same content, the same text apart from blank lines between
        // inserted blocks (one pass adds one separator where one-by-one adds one per insertion).
        var batched = NotebookDocument.Parse(text).WithBlocks(changes);
        static string Collapse(string t) => System.Text.RegularExpressions.Regex.Replace(t, "\n{3,}", "\n\n");
        Assert.Equal(Collapse(oneByOne), Collapse(batched));
        Assert.StartsWith(Expected.Replace("_Not yet: `lab morning` fills this in._\n", "r1\n", StringComparison.Ordinal).Replace("<!-- lab:attached E1 -->\n", "<!-- lab:attached E1 -->\n- run `y`\n", StringComparison.Ordinal), batched, StringComparison.Ordinal);
    }
}
