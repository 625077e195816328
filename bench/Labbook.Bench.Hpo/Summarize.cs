using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Labbook.Bench.Hpo;

/// <summary>
/// Reads the peer reference (reference/optuna-3.1-quality.jsonl) and Labbook's results and prints,
/// per function, median [IQR] of best@100 and best@200 side by side, then checks the targets.
/// For the noisy function the noise-free value of the incumbent is compared.
/// </summary>
public static class Summarize
{
    private static readonly string[] Checkpoints = ["100", "200"];

    public static int Run(string resultsDir, string? markdownPath)
    {
        var reference = Load(Path.Combine(AppContext.BaseDirectory, "reference", "optuna-3.1-quality.jsonl"), "optuna ");
        var ours = Load(Path.Combine(resultsDir, "quality.jsonl"), "");
        var all = reference.Concat(ours).ToList();
        var sb = new StringBuilder();
        var tpeHolds = 0;
        var tpeFunctions = 0;
        var defaultWins = 0;
        var defaultFunctions = 0;
        var targetLines = new StringBuilder();
        foreach (var f in Space.AllNames)
        {
            var rows = all.Where(r => r.Function == f).GroupBy(r => r.Sampler).OrderBy(g => g.Key.StartsWith("optuna", StringComparison.Ordinal) ? 0 : 1).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (rows.Count == 0)
            {
                continue;
            }
            var noisy = Functions.IsNoisy(f);
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {f}{(noisy ? " (noise-free value of the incumbent)" : "")}");
            sb.AppendLine();
            sb.AppendLine("| sampler | n | best@100 median [IQR] | best@200 median [IQR] | overhead ms/trial |");
            sb.AppendLine("|---|---|---|---|---|");
            var stats = new Dictionary<string, Dictionary<string, (double M, double Q25, double Q75)>>(StringComparer.Ordinal);
            foreach (var g in rows)
            {
                var s = new Dictionary<string, (double, double, double)>(StringComparer.Ordinal);
                foreach (var cp in Checkpoints)
                {
                    s[cp] = Stats.Summary([.. g.Select(r => r.BestAt[cp])]);
                }
                stats[g.Key] = s;
                var overhead = g.Average(r => r.OverheadMsPerTrial);
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {g.Key} | {g.Count()} | {Cell(s["100"])} | {Cell(s["200"])} | {overhead:F3} |");
            }
            sb.AppendLine();
            if (stats.TryGetValue("optuna tpe", out var peerTpe) && stats.TryGetValue("cs-tpe", out var csTpe))
            {
                tpeFunctions++;
                var ok = Checkpoints.All(cp => csTpe[cp].M <= peerTpe[cp].M || csTpe[cp].M <= peerTpe[cp].Q75);
                tpeHolds += ok ? 1 : 0;
                targetLines.AppendLine(CultureInfo.InvariantCulture, $"- {f}: cs-tpe vs optuna tpe: @100 {csTpe["100"].M:G5} vs {peerTpe["100"].M:G5} [{peerTpe["100"].Q25:G5}, {peerTpe["100"].Q75:G5}], @200 {csTpe["200"].M:G5} vs {peerTpe["200"].M:G5} [{peerTpe["200"].Q25:G5}, {peerTpe["200"].Q75:G5}]: {(ok ? "holds" : "FAILS")}");
            }
            if (stats.TryGetValue("cs-default", out var csDefault))
            {
                var peers = stats.Where(kv => kv.Key.StartsWith("optuna", StringComparison.Ordinal)).ToList();
                if (peers.Count > 0)
                {
                    defaultFunctions++;
                    var bestPeer = peers.OrderBy(kv => kv.Value["100"].M).First();
                    var win = csDefault["100"].M < bestPeer.Value["100"].M;
                    defaultWins += win ? 1 : 0;
                    targetLines.AppendLine(CultureInfo.InvariantCulture, $"- {f}: cs-default @100 {csDefault["100"].M:G5} vs best peer {bestPeer.Key} {bestPeer.Value["100"].M:G5}: {(win ? "beats" : "does not beat")}");
                }
            }
        }
        sb.AppendLine("### Targets");
        sb.AppendLine();
        sb.Append(targetLines);
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"TpeSampler (defaults) at least as good as Optuna's TPE at best@100 and best@200 (median, ties within the peer's IQR): {tpeHolds} of {tpeFunctions} functions: {(tpeHolds == tpeFunctions && tpeFunctions > 0 ? "HOLDS" : "does not hold")}.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Default sampler beats Optuna's best sampler at best@100 on {defaultWins} of {defaultFunctions} functions (target: at least 4): {(defaultWins >= 4 ? "HOLDS" : "does not hold")}.");
        var text = sb.ToString();
        Console.Write(text);
        if (markdownPath is not null)
        {
            File.WriteAllText(markdownPath, text);
        }
        return 0;
    }

    private static string Cell((double M, double Q25, double Q75) s) =>
        string.Create(CultureInfo.InvariantCulture, $"{Fmt(s.M)} [{Fmt(s.Q25)}, {Fmt(s.Q75)}]");

    private static string Fmt(double v) => Math.Abs(v) >= 1000 ? v.ToString("0.###e+0", CultureInfo.InvariantCulture) : v.ToString("0.0000", CultureInfo.InvariantCulture);

    private sealed record Row(string Function, string Sampler, Dictionary<string, double> BestAt, double OverheadMsPerTrial);

    private static List<Row> Load(string path, string prefix)
    {
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var o = JsonNode.Parse(line)!.AsObject();
            var f = o["function"]!.GetValue<string>();
            var key = Functions.IsNoisy(f) ? "best_true_at" : "best_at";
            var bestAt = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (k, v) in o[key]!.AsObject())
            {
                bestAt[k] = v!.GetValue<double>();
            }
            rows.Add(new Row(f, prefix + o["sampler"]!.GetValue<string>(), bestAt, o["overhead_ms_per_trial"]!.GetValue<double>()));
        }
        return rows;
    }
}
