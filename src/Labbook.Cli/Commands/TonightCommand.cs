using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Git;
using Labbook.Queue;
using Labbook.Runs;
using Labbook.Workspaces;

namespace Labbook.Cli.Commands;

/// <summary><c>lab tonight</c>: the evening plan.</summary>
internal static class TonightCommand
{
    public static Command Build()
    {
        var morning = new Option<string?>("--morning") { Description = "When you will look (default: \"morning\" in .labbook/settings.json, else 08:00)." };
        var jobs = new Option<int?>("--jobs", "-j") { Description = "Plan on this many slots (default: the live runner's slots, else 1)." };
        var gpus = new Option<string?>("--gpus") { Description = "Plan on one slot per GPU id (e.g. 0,1)." };
        var json = new Option<bool>("--json") { Description = "Print the plan as JSON." };
        var cmd = new Command("tonight", "The evening plan: expected durations, the timeline per slot, the finish against the morning, and warnings.")
        {
            morning, jobs, gpus, json,
        };
        cmd.SetAction(parse =>
        {
            var workspace = Workspace.FromEnvironment(create: false);
            using var journal = QueueShared.Open(workspace);
            var state = journal.State;
            var now = DateTime.UtcNow;
            var morningText = parse.GetValue(morning) ?? ReadSetting(workspace, "morning") ?? "08:00";
            var morningUtc = QueueShared.ParseClock(morningText, parse.GetValue(morning) is null ? ".labbook/settings.json morning" : "--morning");
            List<string> slots;
            if (parse.GetValue(gpus) is { } g)
            {
                slots = [.. g.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => "gpu" + x)];
            }
            else if (parse.GetValue(jobs) is { } j)
            {
                slots = j is >= 1 and <= 1024 ? [.. Enumerable.Range(1, j).Select(i => i.ToString(CultureInfo.InvariantCulture))] : throw new UsageException("-j must be between 1 and 1024");
            }
            else
            {
                slots = state.LiveRunners(now).SelectMany(r => r.Slots).Distinct(StringComparer.Ordinal).ToList();
                if (slots.Count == 0)
                {
                    slots = ["1"];
                }
            }
            var runs = new RunStore(workspace).LoadAll(withSummary: false);
            var past = runs.Where(r => r.Status == RunStatus.Completed && r.Record.DurationS is not null)
                .Select(r => Estimator.Past(r.Record, TimeSpan.FromSeconds(r.Record.DurationS!.Value)));
            var plan = TonightPlan.Build(state, slots, new Estimator(past), new Duplicates(runs), GitProbe.ReadHead(Directory.GetCurrentDirectory())?.Commit,
                Baselines.Entries(runs), now, morningUtc, QueueShared.Local);
            var slurm = SlurmShared.Tonight(workspace, state, new Estimator(past));
            if (parse.GetValue(json))
            {
                var o = ToJson(plan);
                if (slurm is { } sl)
                {
                    o["slurm"] = sl.Json;
                }
                Console.Out.WriteLine(QueueShared.Json(o));
            }
            else
            {
                Render(plan);
                foreach (var line in slurm?.Lines ?? [])
                {
                    Console.Out.WriteLine(line);
                }
            }
            return 0;
        });
        return cmd;
    }

    private static string? ReadSetting(Workspace workspace, string key)
    {
        var path = Path.Combine(workspace.StateDirectory, "settings.json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?[key]?.GetValue<string>();
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FormatException($"{path}: {Labbook.Json.LabJson.Describe(e)}");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new FormatException($"{path}: \"{key}\" is not a text value");
        }
    }

    private static JsonObject ToJson(TonightPlan plan) => new()
    {
        ["now"] = plan.Now.ToString("O", CultureInfo.InvariantCulture),
        ["morning"] = plan.Morning.ToString("O", CultureInfo.InvariantCulture),
        ["finish"] = plan.Finish.ToString("O", CultureInfo.InvariantCulture),
        ["finish_is_lower_bound"] = plan.HasUnknown,
        ["slots"] = new JsonArray([.. plan.Slots.Select(s => (JsonNode?)new JsonObject { ["slot"] = s, ["idle_from"] = plan.IdleFrom[s].ToString("O", CultureInfo.InvariantCulture) })]),
        ["items"] = new JsonArray([.. plan.Items.Select(i => (JsonNode?)new JsonObject
        {
            ["id"] = i.View.Id,
            ["state"] = i.Running ? "running" : "pending",
            ["name"] = i.View.Item.Name,
            ["slot"] = i.Slot,
            ["start"] = i.Start.ToString("O", CultureInfo.InvariantCulture),
            ["end"] = i.Estimate.Duration is null ? null : i.End.ToString("O", CultureInfo.InvariantCulture),
            ["estimate_s"] = i.Estimate.Duration?.TotalSeconds,
            ["basis"] = i.Estimate.Basis,
            ["why"] = i.View.Item.Why,
            ["entry"] = i.View.Item.Entry,
        })]),
        ["warnings"] = new JsonArray([.. plan.Warnings.Select(w => (JsonNode?)JsonValue.Create(w))]),
    };

    private static void Render(TonightPlan plan)
    {
        var o = Console.Out;
        var end = plan.Finish > plan.Morning ? plan.Finish : plan.Morning;
        var span = (end - plan.Now).TotalSeconds;
        const int Width = 48;
        o.WriteLine($"tonight: {plan.Items.Count(i => !i.Running)} pending, {plan.Items.Count(i => i.Running)} running on {plan.Slots.Count} slot(s); now {QueueShared.Local(plan.Now)}, morning {QueueShared.Local(plan.Morning)}, projected finish {(plan.HasUnknown ? "≥ " : "")}{QueueShared.Local(plan.Finish)}");
        o.WriteLine();
        int Col(DateTime t) => span <= 0 ? 0 : Math.Clamp((int)Math.Round((t - plan.Now).TotalSeconds / span * Width), 0, Width);
        var morningCol = Col(plan.Morning);
        var slotWidth = Math.Max(4, plan.Slots.Max(s => s.Length));
        foreach (var slot in plan.Slots)
        {
            var row = Enumerable.Repeat('·', Width).ToArray();
            var k = 0;
            foreach (var item in plan.Items.Where(i => i.Slot.Split('+').Contains(slot)))
            {
                var a = Col(item.Start);
                var b = Math.Max(a + 1, Col(item.End));
                for (var c = a; c < b && c < Width; c++)
                {
                    row[c] = item.Estimate.Duration is null ? '?' : k % 2 == 0 ? '█' : '▓';
                }
                k++;
            }
            var line = new StringBuilder();
            line.Append(slot.PadRight(slotWidth)).Append(' ');
            for (var c = 0; c < Width; c++)
            {
                line.Append(c == morningCol ? '|' : row[c]);
            }
            line.Append("  idle from ").Append(QueueShared.Local(plan.IdleFrom[slot]));
            o.WriteLine(line.ToString());
        }
        o.WriteLine($"{new string(' ', slotWidth + 1)}{QueueShared.Local(plan.Now)}{new string(' ', Math.Max(1, Width - 10))}{QueueShared.Local(end)}   (| = morning)");
        o.WriteLine();
        foreach (var i in plan.Items)
        {
            var est = i.Estimate.Duration is { } d ? Durations.Format(d) : "?";
            var label = Names.Escape(i.View.Item.Name ?? QueueShared.Command(i.View.Item));
            if (label.Length > 40)
            {
                label = label[..39] + "…";
            }
            o.WriteLine($"  {i.View.Id,-6} {(i.Running ? "running" : "pending"),-8} slot {i.Slot,-6} {QueueShared.Local(i.Start)}–{(i.Estimate.Duration is null ? "?" : QueueShared.Local(i.End)),-5} {est,7}  {i.Estimate.Basis,-26} {label}");
        }
        if (plan.Warnings.Count > 0)
        {
            o.WriteLine();
            foreach (var w in plan.Warnings)
            {
                o.WriteLine("  ! " + Names.Escape(w));
            }
        }
    }
}
