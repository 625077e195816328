namespace Labbook.Tuning.Samplers;

/// <summary>Small numeric helpers shared by the samplers (normal distribution, truncated draws).</summary>
internal static class SamplerMath
{
    internal const double LogSqrt2Pi = 0.91893853320467274178;
    private const double InvSqrt2 = 0.70710678118654752440;

    /// <summary>Complementary error function, fractional error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes' erfcc).</summary>
    internal static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = -0.82215223 + (t * 0.17087277);
        poly = 1.48851587 + (t * poly);
        poly = -1.13520398 + (t * poly);
        poly = 0.27886807 + (t * poly);
        poly = -0.18628806 + (t * poly);
        poly = 0.09678418 + (t * poly);
        poly = 0.37409196 + (t * poly);
        poly = 1.00002368 + (t * poly);
        var ans = t * Math.Exp((-z * z) - 1.26551223 + (t * poly));
        return x >= 0 ? ans : 2.0 - ans;
    }

    /// <summary>The standard normal CDF.</summary>
    internal static double NormalCdf(double z) => 0.5 * Erfc(-z * InvSqrt2);

    /// <summary>The standard normal mass of [a, b], computed in the tail where it is most precise.</summary>
    internal static double NormalMass(double a, double b)
    {
        if (a >= 0)
        {
            // Both in the upper tail: use the survival function to avoid cancellation.
            return NormalCdf(-a) - NormalCdf(-b);
        }
        return NormalCdf(b) - NormalCdf(a);
    }

    /// <summary>A standard normal draw (Box-Muller, one value per call).</summary>
    internal static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A draw of N(mu, sigma) truncated to [low, high] by rejection (mu lies inside, so acceptance is high).</summary>
    internal static double TruncatedNormal(Random random, double mu, double sigma, double low, double high)
    {
        for (var i = 0; i < 1000; i++)
        {
            var x = mu + (sigma * StandardNormal(random));
            if (x >= low && x <= high)
            {
                return x;
            }
        }
        return Math.Clamp(mu, low, high);
    }

    /// <summary>Index of the first cumulative weight above <paramref name="u"/> times the total.</summary>
    internal static int PickIndex(double[] cumulative, int count, double u)
    {
        var target = u * cumulative[count - 1];
        int lo = 0, hi = count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (cumulative[mid] > target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return lo;
    }
}
