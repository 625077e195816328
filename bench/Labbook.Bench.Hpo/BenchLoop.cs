using System.Diagnostics;
using Labbook.Tuning;

namespace Labbook.Bench.Hpo;

/// <summary>
/// A minimal define-by-run study that drives an <see cref="ISampler"/> in the Study's call order
/// (BeforeTrial, InferRelativeSearchSpace + SampleRelative, SampleIndependent per suggested parameter
/// not covered, AfterTrial). One file, to be swapped for Labbook's Study once it lands.
/// </summary>
public sealed class BenchLoop : ITrialHistory
{
    private readonly List<FrozenTrial> _trials = [];
    private readonly ISampler _sampler;

    public BenchLoop(ISampler sampler, StudyDirection direction)
    {
        _sampler = sampler;
        Direction = direction;
    }

    public StudyDirection Direction { get; }

    public IReadOnlyList<FrozenTrial> Trials => _trials;

    public IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states)
    {
        if (states is null || states.Length == 0)
        {
            return _trials;
        }
        var result = new List<FrozenTrial>(_trials.Count);
        foreach (var t in _trials)
        {
            if (Array.IndexOf(states, t.State) >= 0)
            {
                result.Add(t);
            }
        }
        return result;
    }

    /// <summary>The handle the objective uses to suggest parameters.</summary>
    public sealed class Trial
    {
        private readonly BenchLoop _loop;
        private readonly IReadOnlyDictionary<string, Distribution> _relativeSpace;
        private readonly IReadOnlyDictionary<string, double> _relative;
        internal readonly Dictionary<string, double> InternalParams = new(StringComparer.Ordinal);
        internal readonly Dictionary<string, Distribution> Distributions = new(StringComparer.Ordinal);

        internal Trial(BenchLoop loop, int number, IReadOnlyDictionary<string, Distribution> relativeSpace, IReadOnlyDictionary<string, double> relative, FrozenTrial frozen)
        {
            _loop = loop;
            Number = number;
            _relativeSpace = relativeSpace;
            _relative = relative;
            Frozen = frozen;
        }

        public int Number { get; }

        internal FrozenTrial Frozen { get; }

        public object? Suggest(string name, Distribution distribution)
        {
            double value;
            if (_relative.TryGetValue(name, out var r) && _relativeSpace.TryGetValue(name, out var rd) && rd.Equals(distribution))
            {
                value = r;
            }
            else
            {
                value = _loop._sampler.SampleIndependent(_loop, Frozen, name, distribution);
            }
            if (!distribution.Contains(value))
            {
                throw new InvalidOperationException($"sampler returned {value} outside {distribution}");
            }
            InternalParams[name] = value;
            Distributions[name] = distribution;
            return distribution.ToExternal(value);
        }
    }

    /// <summary>Asks for a new trial: registers it as running and runs the relative sampling.</summary>
    public Trial Ask()
    {
        var number = _trials.Count;
        var internalParams = new Dictionary<string, double>(StringComparer.Ordinal);
        var distributions = new Dictionary<string, Distribution>(StringComparer.Ordinal);
        var frozen = new FrozenTrial
        {
            Number = number,
            TrialId = number,
            State = TrialState.Running,
            InternalParams = internalParams,
            Distributions = distributions,
            DatetimeStart = DateTime.Now,
        };
        _trials.Add(frozen);
        _sampler.BeforeTrial(this, frozen);
        var space = _sampler.InferRelativeSearchSpace(this, frozen);
        var relative = space.Count == 0 ? new Dictionary<string, double>() : _sampler.SampleRelative(this, frozen, space);
        var trial = new Trial(this, number, space, relative, frozen);
        // The running trial shows its params as they are suggested (the Study does the same).
        _trials[number] = new FrozenTrial
        {
            Number = number,
            TrialId = number,
            State = TrialState.Running,
            InternalParams = trial.InternalParams,
            Distributions = trial.Distributions,
            DatetimeStart = frozen.DatetimeStart,
        };
        return trial;
    }

    /// <summary>Finishes a trial with a value.</summary>
    public void Tell(Trial trial, double value)
    {
        var running = _trials[trial.Number];
        _sampler.AfterTrial(this, running, TrialState.Complete, value);
        _trials[trial.Number] = new FrozenTrial
        {
            Number = trial.Number,
            TrialId = trial.Number,
            State = TrialState.Complete,
            Value = value,
            InternalParams = new Dictionary<string, double>(trial.InternalParams, StringComparer.Ordinal),
            Distributions = new Dictionary<string, Distribution>(trial.Distributions, StringComparer.Ordinal),
            DatetimeStart = running.DatetimeStart,
            DatetimeComplete = DateTime.Now,
        };
    }

    /// <summary>Suggests every active parameter of <paramref name="space"/> in declared order.</summary>
    public static Dictionary<string, object?> SuggestAll(Trial trial, Space space)
    {
        var p = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var sp in space.Params)
        {
            if (sp.ConditionParam is { } cp && !(p.TryGetValue(cp, out var v) && Equals(v, sp.ConditionEquals)))
            {
                continue;
            }
            p[sp.Name] = trial.Suggest(sp.Name, sp.Distribution);
        }
        return p;
    }

    /// <summary>The result of one run; CpuSecondsAtTrial is the process CPU time at each trial start (only when asked for).</summary>
    public sealed record RunResult(double[] Values, double[] TrueValues, double[] OverheadSeconds, double WallSeconds, double ObjectiveSeconds, List<Dictionary<string, object?>> Params, double[]? CpuSecondsAtTrial = null);

    /// <summary>Runs <paramref name="nTrials"/> trials of <paramref name="space"/>, timing as run_optuna.py does.</summary>
    public static RunResult Run(ISampler sampler, Space space, int nTrials, ulong seed, bool recordCpu = false)
    {
        var cpu = recordCpu ? new double[nTrials + 1] : null;
        using var process = recordCpu ? Process.GetCurrentProcess() : null;
        var loop = new BenchLoop(sampler, space.Maximize ? StudyDirection.Maximize : StudyDirection.Minimize);
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
            var trial = loop.Ask();
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
            loop.Tell(trial, v);
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
