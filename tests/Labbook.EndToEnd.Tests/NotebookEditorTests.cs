using System.Diagnostics;

namespace Labbook.EndToEnd.Tests;

/// <summary>
/// <c>lab note</c> and <c>lab conclude</c> on a terminal, with no text: they open $EDITOR. The
/// terminal is a real pseudo-terminal from util-linux <c>script</c>; the editor is a shell script
/// that keeps what it was given and writes what a person would type.
/// </summary>
public sealed class NotebookEditorTests : IDisposable
{
    private readonly NotebookWorkspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private string Seen => Path.Combine(_ws.Root, "seen.txt");

    // Runs lab in a pseudo-terminal with an editor that saves its input to seen.txt and writes typed.
    private (int Exit, string Output) OnTerminal(string typed, params string[] args)
    {
        File.WriteAllText(Path.Combine(_ws.Root, "typed.txt"), typed);
        File.WriteAllText(Path.Combine(_ws.Root, "editor.sh"), $"cp \"$1\" '{Seen}'\ncat '{Path.Combine(_ws.Root, "typed.txt")}' > \"$1\"\n");
        var command = string.Join(' ', new[] { TempWorkspace.LabBinary }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        var psi = new ProcessStartInfo("script") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false, WorkingDirectory = _ws.Root };
        foreach (var a in (string[])["-qec", command, "/dev/null"])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LAB_WORKSPACE"] = _ws.Root;
        psi.Environment["HOME"] = _ws.Root;
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["TZ"] = "UTC";
        psi.Environment["EDITOR"] = "sh " + Path.Combine(_ws.Root, "editor.sh");
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "lab on a terminal did not finish");
        p.WaitForExit();
        return (p.ExitCode, output.Result);
    }

    [Fact]
    public void Note_with_no_flags_on_a_terminal_opens_the_editor_on_a_template()
    {
        var (exit, output) = OnTerminal("Title: Is dropout needed?\nTesting: dropout 0.1\nWhy: overfits after epoch 5\nExpect: a smaller gap\nPredict: val_loss < 0.5\n", "note");
        Assert.True(exit == 0, output);
        Assert.Contains("Title: \nTesting:\nWhy:\nExpect:\nPredict:\n", File.ReadAllText(Seen), StringComparison.Ordinal);
        var text = File.ReadAllText(_ws.NotebookPath);
        Assert.Contains("## E1 · Is dropout needed?\n", text, StringComparison.Ordinal);
        Assert.Contains("- **Testing:** dropout 0.1\n- **Why:** overfits after epoch 5\n- **Expect:** a smaller gap\n- **Predict:** `val_loss < 0.5`\n", text, StringComparison.Ordinal);

        // A title on the command line is filled in.
        Assert.Equal(0, OnTerminal("Title: Second\n", "note", "Second").Exit);
        Assert.Contains("Title: Second\n", File.ReadAllText(Seen), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_edit_is_kept_and_reopened()
    {
        var typed = "Title: Keep my words\nWhy: a long paragraph I do not want to type again\nPredict: val_loss < < 2\n";
        var (exit, output) = OnTerminal(typed, "note");
        Assert.Equal(2, exit);
        Assert.Contains("--predict 'val_loss < < 2': column 12", output, StringComparison.Ordinal);
        Assert.Contains("your text is kept in", output, StringComparison.Ordinal);
        Assert.False(File.Exists(_ws.NotebookPath));

        // The next lab note opens the draft, not the template.
        var fixedText = typed.Replace("< < 2", "< 2", StringComparison.Ordinal);
        Assert.Equal(0, OnTerminal(fixedText, "note").Exit);
        Assert.Equal(typed, File.ReadAllText(Seen));
        Assert.Contains("- **Why:** a long paragraph I do not want to type again\n", File.ReadAllText(_ws.NotebookPath), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_ws.Root, ".labbook", "note-draft.txt")));
    }

    [Fact]
    public void Conclude_with_no_text_on_a_terminal_edits_the_conclusion()
    {
        Assert.Equal(2, _ws.Lab("conclude", "E1", "x").ExitCode);
        Assert.Equal(0, _ws.Lab("note", "question", "--why", "w").ExitCode);
        Assert.Equal(0, _ws.Lab("conclude", "E1", "first thoughts").ExitCode);
        var (exit, output) = OnTerminal("first thoughts\n\nand a second paragraph\n", "conclude", "E1");
        Assert.True(exit == 0, output);
        Assert.Equal("first thoughts\n", File.ReadAllText(Seen));
        Assert.Contains("<!-- lab:conclusion E1 -->\nfirst thoughts\n\nand a second paragraph\n<!-- /lab:conclusion E1 -->", File.ReadAllText(_ws.NotebookPath), StringComparison.Ordinal);

        // Off a terminal, no text is an error that says what to do.
        var piped = _ws.Lab("conclude", "E1");
        Assert.Equal(2, piped.ExitCode);
        Assert.Equal("lab: give the conclusion as text: lab conclude E1 \"what you learned\"\n", piped.Stderr);
    }
}
