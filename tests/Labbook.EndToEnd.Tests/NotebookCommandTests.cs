using System.Text.Json;

namespace Labbook.EndToEnd.Tests;

/// <summary>lab note / use / attach / conclude, lab run --entry, the nudge, and broken notebooks.</summary>
public sealed class NotebookCommandTests : IDisposable
{
    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private const string Tip = "lab: tip: no --why and no notebook entry;";

    [Fact]
    public void A_notebook_that_starts_with_a_byte_order_mark_keeps_it_and_its_text()
    {
        // Issue 12: the BOM an editor wrote was dropped on the first write.
        byte[] bom = [0xEF, 0xBB, 0xBF];
        var original = "# My notebook\n\nSome notes.\n"u8.ToArray();
        File.WriteAllBytes(_ws.NotebookPath, [.. bom, .. original]);
        Assert.Equal(0, _ws.Lab("note", "first question", "--testing", "t", "--why", "w").ExitCode);
        Assert.Equal(0, _ws.Lab("conclude", "E1", "it works").ExitCode);
        var bytes = File.ReadAllBytes(_ws.NotebookPath);
        Assert.Equal(bom, bytes[..3]);
        Assert.Equal(original, bytes[3..(3 + original.Length)]);
        var text = System.Text.Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        Assert.DoesNotContain("\uFEFF", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\n\n\n", text, StringComparison.Ordinal);
        Assert.Contains("<!-- lab:conclusion E1 -->\nit works\n<!-- /lab:conclusion E1 -->", text, StringComparison.Ordinal);
        Assert.StartsWith("E1 · first question", _ws.Lab("note", "show").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_attach_to_the_current_entry_unless_told_otherwise()
    {
        var first = _ws.Lab("run", "--", "true");
        Assert.Contains(Tip, first.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Tip, _ws.Lab("run", "--why", "checking", "--", "true").Stderr, StringComparison.Ordinal);

        Assert.Equal(0, _ws.Lab("note", "first question").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "second question").ExitCode);
        var attached = _ws.Lab("run", "--", "true");
        Assert.DoesNotContain(Tip, attached.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _ws.Lab("run", "--entry", "e1", "--", "true").ExitCode);
        Assert.Equal(0, _ws.Lab("run", "--no-entry", "--why", "unrelated", "--", "true").ExitCode);

        var runs = _ws.Runs();
        string? Entry(JsonElement r) => r.TryGetProperty("entry", out var e) ? e.GetString() : null;
        Assert.Equal([null, null, "E2", "E1", null], runs.Select(Entry));
        var notebook = File.ReadAllText(_ws.NotebookPath);
        Assert.Contains($"<!-- lab:attached E2 -->\n- run `{runs[2].GetProperty("id").GetString()}`\n<!-- /lab:attached E2 -->", notebook, StringComparison.Ordinal);
        Assert.Contains($"<!-- lab:attached E1 -->\n- run `{runs[3].GetProperty("id").GetString()}`\n<!-- /lab:attached E1 -->", notebook, StringComparison.Ordinal);

        Assert.Equal(0, _ws.Lab("note", "use", "E1").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "attach", "E1", runs[0].GetProperty("id").GetString()!).ExitCode);
        var show = _ws.Lab("note", "show");
        Assert.StartsWith("E1 · first question  (current)\n", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("runs:     2 completed", show.Stdout, StringComparison.Ordinal);

        var ls = _ws.Lab("note", "ls");
        Assert.Matches(@"\*\s+E1\s+\d{4}-\d\d-\d\d\s+first question\s+2\s+needs a conclusion", ls.Stdout);
        Assert.Matches(@"\n\s+E2\s+\d{4}-\d\d-\d\d\s+second question\s+1\s+needs a conclusion", ls.Stdout);

        var missing = _ws.Lab("run", "--entry", "E9", "--", "true");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("lab: no notebook entry 'E9'", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_nudge_can_be_silenced_in_the_settings()
    {
        Directory.CreateDirectory(Path.Combine(_ws.Root, ".labbook"));
        File.WriteAllText(Path.Combine(_ws.Root, ".labbook", "settings.json"), "{ \"nudge\": false }\n");
        Assert.DoesNotContain(Tip, _ws.Lab("run", "--", "true").Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Predictions_that_do_not_parse_name_the_column()
    {
        var r = _ws.Lab("note", "bad", "--predict", "val_loss < < 2");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("lab: --predict 'val_loss < < 2': column 12: expected a number, a metric, baseline or run:NAME, found '<'\n", r.Stderr);
        Assert.False(File.Exists(_ws.NotebookPath));

        var kept = _ws.Lab("note", "free text", "--expect", "loss < baseline by a lot");
        Assert.Equal(0, kept.ExitCode);
        Assert.Contains("kept as free text", kept.Stderr, StringComparison.Ordinal);
        Assert.Contains("- **Expect:** loss < baseline by a lot\n", File.ReadAllText(_ws.NotebookPath), StringComparison.Ordinal);
    }

    [Fact]
    public void A_notebook_labbook_cannot_read_is_named_and_left_alone()
    {
        Assert.Equal(0, _ws.Lab("note", "question").ExitCode);
        var broken = File.ReadAllText(_ws.NotebookPath).Replace("<!-- /lab:results E1 -->\n", "", StringComparison.Ordinal);
        File.WriteAllText(_ws.NotebookPath, broken);
        foreach (var args in new[] { new[] { "note", "another" }, ["morning"], ["conclude", "E1", "x"], ["note", "ls"], ["run", "--entry", "E1", "--", "true"] })
        {
            var r = _ws.Lab(args);
            Assert.Equal(2, r.ExitCode);
            var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"lab: {_ws.NotebookPath}: line 16: block lab:conclusion E1 starts before lab:results E1 (line 12) is closed", line);
            Assert.Equal(broken, File.ReadAllText(_ws.NotebookPath));
        }
    }

    [Fact]
    public async Task Concurrent_notes_from_several_processes_lose_nothing()
    {
        const int processes = 4, each = 6;
        var workers = Enumerable.Range(0, processes).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < each; i++)
            {
                var r = _ws.Lab("note", $"question {p}-{i}", "--why", "load");
                Assert.Equal(0, r.ExitCode);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var text = File.ReadAllText(_ws.NotebookPath);
        for (var p = 0; p < processes; p++)
        {
            for (var i = 0; i < each; i++)
            {
                Assert.Contains($" · question {p}-{i}\n", text, StringComparison.Ordinal);
            }
        }
        for (var n = 1; n <= processes * each; n++)
        {
            Assert.Single(text.Split('\n'), l => l.StartsWith($"## E{n} · ", StringComparison.Ordinal));
        }
    }
}
