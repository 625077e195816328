namespace Labbook.Tuning.Pruners;

/// <summary>Helpers shared by the pruners, ported from Optuna's <c>_percentile.py</c>.</summary>
internal static class PrunerMath
{
    public static int? LastStep(FrozenTrial trial) =>
        trial.IntermediateValues.Count == 0 ? null : trial.IntermediateValues.Keys.Max();

    /// <summary>Whether <paramref name="step"/> is the first reported step of its pruning interval.</summary>
    public static bool IsFirstInIntervalStep(int step, IEnumerable<int> steps, int warmupSteps, int intervalSteps)
    {
        var nearestLowerPruningStep = ((step - warmupSteps) / intervalSteps * intervalSteps) + warmupSteps;
        var secondLast = -1;
        foreach (var s in steps)
        {
            if (s > secondLast && s != step)
            {
                secondLast = s;
            }
        }
        return secondLast < nearestLowerPruningStep;
    }

    /// <summary>numpy's <c>nanmin</c>/<c>nanmax</c>: NaN only when every value is NaN.</summary>
    public static double NanBest(IEnumerable<double> values, StudyDirection direction)
    {
        var best = double.NaN;
        foreach (var v in values)
        {
            if (double.IsNaN(v))
            {
                continue;
            }
            if (double.IsNaN(best) || (direction == StudyDirection.Maximize ? v > best : v < best))
            {
                best = v;
            }
        }
        return best;
    }

    /// <summary>numpy's <c>nanpercentile</c> with linear interpolation; NaN when no value is a number.</summary>
    public static double NanPercentile(IEnumerable<double> values, double percentile)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = percentile / 100.0 * (sorted.Length - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        if (lo == hi)
        {
            return sorted[lo];
        }
        var lower = sorted[lo];
        var upper = sorted[hi];
        if (double.IsInfinity(lower) || double.IsInfinity(upper))
        {
            return rank - lo < 0.5 ? lower : upper;
        }
        return lower + ((upper - lower) * (rank - lo));
    }

    /// <summary>CRC-32 (IEEE), as Python's <c>binascii.crc32</c>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }
        return ~crc;
    }
}
