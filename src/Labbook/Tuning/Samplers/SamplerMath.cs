using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Labbook.Tuning;

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

    /// <summary>
    /// exp of four doubles, within 2 ulp of <see cref="Math.Exp(double)"/> (0 below e^-708). .NET's
    /// <c>Vector256.Exp</c> costs about as much as four scalar calls on x64; this is 2-3 times faster, which is what
    /// the TPE's density sums over thousands of components spend most of their time on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> Exp(Vector256<double> x)
    {
        // exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 in two parts (|r| <= ln 2 / 2); Taylor to r^12 by
        // Horner, written out: a loop over the coefficients kept the JIT from overlapping consecutive calls.
        x = Vector256.Max(x, Vector256.Create(-708.0));
        var n = Vector256.Round(x * Vector256.Create(1.4426950408889634));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-6.93147180369123816490e-01), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-1.90821492927058770002e-10), r);
        var p = Vector256.Create(1.0 / 479001600);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 39916800));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 3628800));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 362880));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 40320));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 5040));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 720));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 120));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0 / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.0));
        var scale = (Vector256.ConvertToInt64(n) + Vector256.Create(1023L)) << 52;
        return p * scale.AsDouble();
    }

    /// <summary>
    /// <see cref="Exp(Vector256{double})"/> on eight doubles: the same operations lane by lane, so each lane's result
    /// is bit for bit the one the four-lane version gives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Exp(Vector512<double> x)
    {
        // exp(x) = 2^n exp(r), n = round(x / ln 2), r = x - n ln 2 in two parts (|r| <= ln 2 / 2); Taylor to r^12 by
        // Horner, written out: a loop over the coefficients kept the JIT from overlapping consecutive calls.
        x = Vector512.Max(x, Vector512.Create(-708.0));
        var n = Vector512.Round(x * Vector512.Create(1.4426950408889634));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-6.93147180369123816490e-01), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.90821492927058770002e-10), r);
        var p = Vector512.Create(1.0 / 479001600);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 39916800));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 3628800));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 362880));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 40320));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        var scale = (Vector512.ConvertToInt64(n) + Vector512.Create(1023L)) << 52;
        return p * scale.AsDouble();
    }
}
