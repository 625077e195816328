using System.Diagnostics;
using Labbook.Tuning;

namespace Labbook.Bench.Hpo;

/// <summary>
/// Runs one benchmark study through the public API users run: <see cref="Study.Create"/> with an
/// <see cref="InMemoryStorage"/>, then <see cref="Study.Ask"/>, define-by-run <c>Suggest*</c> calls in the space's
/// order, and <see cref="Study.Tell(Trial, double)"/>; timed as run_optuna.py times Optuna.
/// </summary>
public static class StudyRunner
{
    /// <summary>Suggests every active parameter of <paramref name="space"/> in declared order, with the typed Suggest* calls.</summary>
    public static Dictionary<string, object?> SuggestAll(Trial trial, Space space)
    {
        var p = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var sp in space.Params)
        {
            if (sp.ConditionParam is { } cp && !(p.TryGetValue(cp, out var v) && Equals(v, sp.ConditionEquals)))
            {
                continue;
            }
            p[sp.Name] = sp.Distribution switch
            {
                FloatDistribution f => trial.SuggestFloat(sp.Name, f.Low, f.High, f.Log, f.Step),
                IntDistribution i => trial.SuggestLong(sp.Name, i.Low, i.High, i.Step, i.Log),
                CategoricalDistribution c => trial.SuggestCategorical(sp.Name, c.Choices.ToArray()),
                _ => throw new ArgumentException($"unknown distribution {sp.Distribution.GetType().Name}"),
            };
        }
        return p;
    }

    /// <summary>The result of one run; CpuSecondsAtTrial is the process CPU time at each trial start (only when asked for).</summary>
    public sealed record RunResult(double[] Values, double[] TrueValues, double[] OverheadSeconds, double WallSeconds, double ObjectiveSeconds, List<Dictionary<string, object?>> Params, double[]? CpuSecondsAtTrial = null);

    /// <summary>Runs <paramref name="nTrials"/> trials of <paramref name="space"/> in a fresh in-memory study.</summary>
    public static RunResult Run(ISampler sampler, Space space, int nTrials, ulong seed, bool recordCpu = false)
    {
        var cpu = recordCpu ? new double[nTrials + 1] : null;
        using var process = recordCpu ? Process.GetCurrentProcess() : null;
        var study = Study.Create(
            name: space.Name,
            direction: space.Maximize ? StudyDirection.Maximize : StudyDirection.Minimize,
            sampler: sampler,
            storage: new InMemoryStorage());
        var noisy = Functions.IsNoisy(space.Name);
        var values = new double[nTrials];
        var trueValues = new double[nTrials];
        var overhead = new double[nTrials];
        var allParams = new List<Dictionary<string, object?>>(nTrials);
        var objective = 0.0;
        var begin = Stopwatch.GetTimestamp();
        var prev = begin;
        for (var i = 0; i < nTrials; i++)
        {
            if (cpu is not null)
            {
                process!.Refresh();
                cpu[i] = process.TotalProcessorTime.TotalSeconds;
            }
            var trial = study.Ask();
            var p = SuggestAll(trial, space);
            var t0 = Stopwatch.GetTimestamp();
            var v = Functions.Evaluate(space.Name, p, seed, (ulong)trial.Number);
            var t1 = Stopwatch.GetTimestamp();
            objective += Stopwatch.GetElapsedTime(t0, t1).TotalSeconds;
            overhead[i] = Stopwatch.GetElapsedTime(prev, t0).TotalSeconds;
            prev = t1;
            values[i] = v;
            trueValues[i] = noisy ? Functions.EvaluateNoiseFree(space.Name, p) : v;
            allParams.Add(p);
            study.Tell(trial, v);
        }
        var end = Stopwatch.GetTimestamp();
        if (cpu is not null)
        {
            process!.Refresh();
            cpu[nTrials] = process.TotalProcessorTime.TotalSeconds;
        }
        overhead[nTrials - 1] += Stopwatch.GetElapsedTime(prev, end).TotalSeconds;
        return new RunResult(values, trueValues, overhead, Stopwatch.GetElapsedTime(begin, end).TotalSeconds, objective, allParams, cpu);
    }
}
