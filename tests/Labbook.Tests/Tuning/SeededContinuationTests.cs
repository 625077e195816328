using Labbook.Tuning;

namespace Labbook.Tests.Tuning;

/// <summary>
/// A seeded study continued or resumed in another process (a new Study over the same journal) must neither repeat
/// its earlier parameters nor depend on where it was cut (issue 12: <c>--seed 42 --trials 3</c> then the same with
/// <c>--trials 6</c> gave trials 3-5 equal to 0-2, because every new sampler replayed its seed's sequence).
/// </summary>
public sealed class SeededContinuationTests : IDisposable
{
    private const int Seed = 42;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-seeded-" + Guid.NewGuid().ToString("N"));

    public SeededContinuationTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Samplers => ["random", "qmc", "tpe", "tpe-multivariate", "cmaes", "gp", "auto", "grid"];

    private static ISampler Make(string name) => name switch
    {
        "random" => new RandomSampler(Seed),
        "qmc" => new QmcSampler(Seed),
        "tpe" => new TpeSampler(Seed),
        "tpe-multivariate" => new TpeSampler(Seed, nStartupTrials: 3, multivariate: true),
        "cmaes" => new CmaEsSampler(Seed),
        "gp" => new GpSampler(Seed, nStartupTrials: 3),
        "auto" => new AutoSampler(Seed),
        "grid" => new GridSampler(new Dictionary<string, object?[]> { ["x"] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], ["y"] = [0.25, 0.75] }, Seed),
        _ => throw new ArgumentException(name),
    };

    private static double Objective(Trial trial)
    {
        var x = trial.SuggestFloat("x", 0, 1);
        var y = trial.SuggestFloat("y", 0, 1);
        return ((x - 0.3) * (x - 0.3)) + ((y - 0.6) * (y - 0.6));
    }

    /// <summary>Runs <paramref name="runs"/> batches of trials, each by a new Study and sampler over the same journal, as separate lab invocations would.</summary>
    private List<(double X, double Y)> RunInBatches(string sampler, string journal, params int[] runs)
    {
        var path = Path.Combine(_dir, journal);
        foreach (var trials in runs)
        {
            using var storage = new JournalFileStorage(path);
            var study = Study.Create("s", storage: storage, sampler: Make(sampler), loadIfExists: true);
            study.Optimize(Objective, nTrials: trials);
        }
        using var reader = new JournalFileStorage(path);
        return [.. Study.Load("s", reader).Trials.OrderBy(t => t.Number).Select(t => ((double)t.Params["x"]!, (double)t.Params["y"]!))];
    }

    [Theory]
    [MemberData(nameof(Samplers))]
    public void A_continued_seeded_study_never_repeats_its_earlier_trials(string sampler)
    {
        var points = RunInBatches(sampler, "continued.jsonl", 4, 4, 4);
        Assert.Equal(12, points.Count);
        var grid = sampler == "grid";
        // A grid of 16 points visits each once; every other sampler draws continuous values, which never coincide.
        Assert.True(points.Distinct().Count() == points.Count, $"{sampler} repeated parameters: {string.Join(" ", points)}");
        if (!grid)
        {
            Assert.Equal(points.Count, points.Select(p => p.X).Distinct().Count());
        }
    }

    [Theory]
    [InlineData("random")]
    [InlineData("qmc")]
    [InlineData("tpe")]
    [InlineData("tpe-multivariate")]
    [InlineData("grid")]
    public void A_seeded_study_draws_the_same_trials_whether_run_at_once_or_continued(string sampler)
    {
        // Samplers whose every draw follows from the seed, the trial number and the journal: CMA-ES and the GP keep
        // state in memory (a generation, a warm-started fit), so a resumed run is new but not identical for them.
        var atOnce = RunInBatches(sampler, "once.jsonl", 9);
        var inThree = RunInBatches(sampler, "three.jsonl", 3, 3, 3);
        Assert.Equal(atOnce, inThree);
        Assert.Equal(atOnce, RunInBatches(sampler, "again.jsonl", 9));
    }
}
