// Hyperparameter search in-process with the Labbook library: a define-by-run objective written in
// C#, a journal study on disk (crash-safe, readable by `lab study` and by Optuna), TPE with the
// median pruner, and parameter importance. Run: dotnet run --project examples/TuningExample [folder]
using System.Globalization;
using Labbook.Sweeps;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

var folder = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "labbook-tuning-example");
Directory.CreateDirectory(Path.Combine(folder, "studies"));
var journal = Path.Combine(folder, "studies", "quadratic.jsonl");

// The same space syntax as `lab sweep -s`, sampled through the trial.
var space = InlineSpace.Parse(["x=float:-3..3", "y=log:1e-3..10", "kind=a,b,c", "steps=10"]);

var study = Study.Create(
    "quadratic",
    StudyDirection.Minimize,
    new TpeSampler(seed: 42),
    new JournalStorage(new JournalFileBackend(journal)),
    loadIfExists: true,
    pruner: new MedianPruner());

study.Optimize(trial =>
{
    var p = space.Sample(trial);
    var x = (double)p["x"]!;
    var y = (double)p["y"]!;
    var offset = (string)p["kind"]! == "b" ? 0.0 : 1.0;
    var value = double.NaN;
    for (var step = 0; step < (long)p["steps"]!; step++)
    {
        // A "training curve" that approaches the final loss.
        value = ((x - 1) * (x - 1)) + Math.Abs(Math.Log10(y)) + offset + (1.0 / (step + 1));
        trial.Report(value, step);
        if (trial.ShouldPrune())
        {
            throw new TrialPrunedException();
        }
    }
    return value;
}, totalTrials: 60);

var best = study.BestTrial;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best trial {best.Number}: {best.Value:0.####} with {string.Join(", ", best.Params.Select(kv => $"{kv.Key}={kv.Value}"))}"));
Console.WriteLine($"trials: {study.Trials.Count(t => t.State == TrialState.Complete)} complete, {study.Trials.Count(t => t.State == TrialState.Pruned)} pruned");
foreach (var (param, importance) in ParamImportance.Compute(study.Trials))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"importance {param,-6} {importance:0.00}"));
}
Console.WriteLine($"journal: {journal} (try: LAB_WORKSPACE={folder} lab study show quadratic)");
