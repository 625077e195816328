namespace Labbook.Tuning;

/// <summary>Whether a study minimizes or maximizes its objective. Values match Optuna's journal codes.</summary>
public enum StudyDirection
{
    /// <summary>Not set (only seen in foreign journals).</summary>
    NotSet = 0,

    /// <summary>Lower is better.</summary>
    Minimize = 1,

    /// <summary>Higher is better.</summary>
    Maximize = 2,
}

/// <summary>The state of a trial. Values match Optuna's journal codes.</summary>
public enum TrialState
{
    /// <summary>Being evaluated.</summary>
    Running = 0,

    /// <summary>Finished with a value.</summary>
    Complete = 1,

    /// <summary>Stopped early by a pruner.</summary>
    Pruned = 2,

    /// <summary>Failed: an exception, a NaN, or a worker that died.</summary>
    Fail = 3,

    /// <summary>Enqueued, waiting for a worker.</summary>
    Waiting = 4,
}

/// <summary>Helpers over <see cref="TrialState"/>.</summary>
public static class TrialStateExtensions
{
    /// <summary>True for Complete, Pruned and Fail.</summary>
    public static bool IsFinished(this TrialState state) =>
        state is TrialState.Complete or TrialState.Pruned or TrialState.Fail;
}
