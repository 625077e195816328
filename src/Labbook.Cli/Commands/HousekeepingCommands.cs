using System.CommandLine;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab rm</c>, <c>lab tag</c>, <c>lab untag</c>, <c>lab rename</c>: the CLI over <see cref="RunHousekeeping"/>.</summary>
internal static class HousekeepingCommands
{
    public static Command BuildRm()
    {
        var runs = new Argument<string[]>("runs") { Description = "Runs by id, id prefix or name.", Arity = ArgumentArity.ZeroOrMore };
        var restore = new Option<bool>("--restore") { Description = "Move removed runs back from the trash." };
        var purge = new Option<bool>("--purge") { Description = "Delete the runs for good (from runs/ or from the trash)." };
        var cmd = new Command("rm", "Remove runs: they move to the workspace's trash (.labbook/trash/), from which --restore brings them back; --purge deletes.")
        {
            runs, restore, purge,
        };
        cmd.SetAction(parse =>
        {
            var (store, keeper) = Open();
            var queries = parse.GetValue(runs) ?? [];
            if (parse.GetValue(restore) && parse.GetValue(purge))
            {
                throw new UsageException("give --restore or --purge, not both");
            }
            if (queries.Length == 0)
            {
                var trashed = keeper.Trashed();
                var listing = trashed.Count == 0 ? "the trash is empty" : "in the trash: " + string.Join(", ", trashed.TakeLast(10).Select(Label));
                throw new UsageException($"name the runs (lab rm RUN...); {listing}");
            }
            var ids = queries.Select(q => parse.GetValue(restore) ? keeper.ResolveTrashed(q)
                : parse.GetValue(purge) ? ResolveAnywhere(store, keeper, q)
                : store.Resolve(q)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var id in ids)
            {
                if (parse.GetValue(restore))
                {
                    var record = keeper.Restore(id);
                    Terminal.Note($"restored run {Label(record)}");
                }
                else if (parse.GetValue(purge))
                {
                    keeper.Purge(id);
                    Terminal.Note($"deleted run {id} for good");
                }
                else
                {
                    var record = keeper.Remove(id);
                    Terminal.Note($"removed run {Label(record)} to the trash; lab rm --restore {id} brings it back");
                }
            }
            return 0;
        });
        return cmd;
    }

    public static Command BuildTag() => TagCommand("tag", "Add tags to a run.", (keeper, id, tags) => keeper.Tag(id, tags));

    public static Command BuildUntag() => TagCommand("untag", "Remove tags from a run.", (keeper, id, tags) => keeper.Untag(id, tags));

    public static Command BuildRename()
    {
        var run = new Argument<string>("run") { Description = "The run by id, id prefix or name." };
        var name = new Argument<string>("name") { Description = "Its new name (\"\" clears it)." };
        var cmd = new Command("rename", "Give a run a new name.") { run, name };
        cmd.SetAction(parse =>
        {
            var (store, keeper) = Open();
            var id = store.Resolve(parse.GetValue(run)!);
            var record = keeper.Rename(id, parse.GetValue(name));
            Terminal.Note(record.Name is null ? $"run {id} has no name now" : $"run {id} is named {record.Name} now");
            return 0;
        });
        return cmd;
    }

    private static Command TagCommand(string verb, string description, Func<RunHousekeeping, string, string[], RunRecord> apply)
    {
        var run = new Argument<string>("run") { Description = "The run by id, id prefix or name." };
        var tags = new Argument<string[]>("tags") { Description = "The tags.", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(verb, description) { run, tags };
        cmd.SetAction(parse =>
        {
            var (store, keeper) = Open();
            var id = store.Resolve(parse.GetValue(run)!);
            var record = apply(keeper, id, parse.GetValue(tags) ?? []);
            Terminal.Note(record.Tags.Count == 0 ? $"run {id} has no tags now" : $"run {id} tags: {string.Join(", ", record.Tags)}");
            return 0;
        });
        return cmd;
    }

    private static (RunStore Store, RunHousekeeping Keeper) Open()
    {
        var store = new RunStore(Workspace.FromEnvironment(create: false));
        return (store, new RunHousekeeping(store));
    }

    private static string ResolveAnywhere(RunStore store, RunHousekeeping keeper, string query)
    {
        try
        {
            return store.Resolve(query);
        }
        catch (RunNotFoundException)
        {
            return keeper.ResolveTrashed(query);
        }
    }

    private static string Label(RunRecord record) => record.Name is null ? record.Id : $"{record.Id} ({record.Name})";
}
