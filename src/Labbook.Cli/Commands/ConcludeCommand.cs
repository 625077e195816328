using System.CommandLine;
using Labbook.Notebook;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab conclude</c>: write an entry's conclusion in the researcher's words.</summary>
internal static class ConcludeCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("entry") { Description = "The entry (E12)." };
        var text = new Argument<string?>("text") { Description = "The conclusion; without it, $EDITOR opens on the current one.", Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("conclude", "Write an entry's conclusion (replaces the Conclusion block of NOTEBOOK.md).") { id, text };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            var store = new NotebookStore(workspace);
            var entry = NotebookCli.RequireEntry(store.Read(), parse.GetValue(id)!);
            var conclusion = parse.GetValue(text);
            if (conclusion is null)
            {
                if (!Terminal.StdinIsTerminal)
                {
                    throw new UsageException($"give the conclusion as text: lab conclude {entry.Id} \"what you learned\"");
                }
                conclusion = NotebookCli.Edit(workspace, entry.Conclusion ?? "", ".md");
            }
            conclusion = NotebookCli.CheckText(conclusion, "conclusion")!;
            store.Update(doc =>
            {
                var e = NotebookCli.RequireEntry(doc, entry.Id);
                return (doc.WithBlock(e.Id, ManagedBlockKind.Conclusion, conclusion.Length == 0 ? "" : conclusion + "\n"), 0);
            });
            Terminal.Note(conclusion.Length == 0 ? $"cleared the conclusion of {entry.Id}" : $"concluded {entry.Id}");
            return 0;
        });
        return cmd;
    }
}
