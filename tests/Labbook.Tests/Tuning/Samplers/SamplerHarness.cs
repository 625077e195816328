using Labbook.Tuning;

namespace Labbook.Tests.Tuning.Samplers;

/// <summary>A tiny in-memory trial history that drives samplers in the Study's call order.</summary>
internal sealed class FakeHistory(StudyDirection direction = StudyDirection.Minimize) : ITrialHistory
{
    public List<FrozenTrial> Trials { get; } = [];

    public StudyDirection Direction { get; } = direction;

    public IReadOnlyList<FrozenTrial> GetTrials(params TrialState[] states) =>
        states.Length == 0 ? [.. Trials] : [.. Trials.Where(t => states.Contains(t.State))];

    public FrozenTrial AddComplete(double value, Dictionary<string, double> internalParams, Dictionary<string, Distribution> distributions) =>
        Add(TrialState.Complete, value, internalParams, distributions);

    public FrozenTrial Add(TrialState state, double? value, Dictionary<string, double> internalParams, Dictionary<string, Distribution> distributions)
    {
        var t = new FrozenTrial
        {
            Number = Trials.Count,
            TrialId = Trials.Count,
            State = state,
            Value = value,
            InternalParams = internalParams,
            Distributions = distributions,
        };
        Trials.Add(t);
        return t;
    }

    /// <summary>
    /// Runs one trial: BeforeTrial, relative sampling, then <paramref name="objective"/> suggests
    /// parameters through the callback (independent sampling for those not covered), AfterTrial.
    /// </summary>
    public FrozenTrial RunTrial(ISampler sampler, Func<Func<string, Distribution, double>, double> objective)
    {
        var number = Trials.Count;
        var internalParams = new Dictionary<string, double>(StringComparer.Ordinal);
        var distributions = new Dictionary<string, Distribution>(StringComparer.Ordinal);
        var running = Add(TrialState.Running, null, internalParams, distributions);
        sampler.BeforeTrial(this, running);
        var space = sampler.InferRelativeSearchSpace(this, running);
        var relative = space.Count == 0 ? new Dictionary<string, double>() : sampler.SampleRelative(this, running, space);
        double Suggest(string name, Distribution distribution)
        {
            var value = relative.TryGetValue(name, out var r) && space.TryGetValue(name, out var d) && d.Equals(distribution)
                ? r
                : sampler.SampleIndependent(this, running, name, distribution);
            internalParams[name] = value;
            distributions[name] = distribution;
            return value;
        }
        var result = objective(Suggest);
        sampler.AfterTrial(this, running, TrialState.Complete, result);
        var done = new FrozenTrial
        {
            Number = number,
            TrialId = number,
            State = TrialState.Complete,
            Value = result,
            InternalParams = new Dictionary<string, double>(internalParams),
            Distributions = new Dictionary<string, Distribution>(distributions),
        };
        Trials[number] = done;
        return done;
    }

    public double BestValue => Direction == StudyDirection.Maximize
        ? Trials.Where(t => t.State == TrialState.Complete).Max(t => t.Value!.Value)
        : Trials.Where(t => t.State == TrialState.Complete).Min(t => t.Value!.Value);
}
