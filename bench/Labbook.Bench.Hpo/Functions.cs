namespace Labbook.Bench.Hpo;

/// <summary>
/// The seven benchmark objectives, ported from ../shared/bench/hpo/functions.py (normative).
/// Parameters arrive as external values (double, long or string) by name.
/// </summary>
public static class Functions
{
    public const double NoiseSigma = 0.1;

    private const double BrA = 1.0;
    private static readonly double BrB = 5.1 / (4.0 * Math.PI * Math.PI);
    private static readonly double BrC = 5.0 / Math.PI;
    private const double BrR = 6.0;
    private const double BrS = 10.0;
    private static readonly double BrT = 1.0 / (8.0 * Math.PI);

    private static readonly double[] H6Alpha = [1.0, 1.2, 3.0, 3.2];
    private static readonly double[,] H6A =
    {
        { 10.0, 3.0, 17.0, 3.5, 1.7, 8.0 },
        { 0.05, 10.0, 17.0, 0.1, 8.0, 14.0 },
        { 3.0, 3.5, 1.7, 10.0, 17.0, 8.0 },
        { 17.0, 8.0, 0.05, 10.0, 0.1, 14.0 },
    };
    private static readonly double[,] H6P =
    {
        { 1312e-4, 1696e-4, 5569e-4, 124e-4, 8283e-4, 5886e-4 },
        { 2329e-4, 4135e-4, 8307e-4, 3736e-4, 1004e-4, 9991e-4 },
        { 2348e-4, 1451e-4, 3522e-4, 2883e-4, 3047e-4, 6650e-4 },
        { 4047e-4, 8828e-4, 8732e-4, 5743e-4, 1091e-4, 381e-4 },
    };

    /// <summary>Names of the noisy functions.</summary>
    public static bool IsNoisy(string name) => name == "hartmann6_noisy";

    /// <summary>Evaluates function <paramref name="name"/>.</summary>
    public static double Evaluate(string name, IReadOnlyDictionary<string, object?> p, ulong noiseSeed = 0, ulong evalIndex = 0) => name switch
    {
        "branin" => Branin(p),
        "hartmann6" => Hartmann6(p),
        "rosenbrock5" => Rosenbrock(p),
        "levy10" => Levy(p),
        "styblinski_tang8" => StyblinskiTang(p),
        "ml_surrogate" => MlSurrogate(p),
        "hartmann6_noisy" => Hartmann6(p) + (NoiseSigma * StdNormal(noiseSeed, evalIndex)),
        "sphere6" => Sphere6(p),
        _ => throw new ArgumentException($"unknown function {name}"),
    };

    /// <summary>The noise-free value (the base function of a noisy one).</summary>
    public static double EvaluateNoiseFree(string name, IReadOnlyDictionary<string, object?> p) =>
        IsNoisy(name) ? Hartmann6(p) : Evaluate(name, p);

    private static double D(IReadOnlyDictionary<string, object?> p, string key) => p[key] switch
    {
        double d => d,
        long l => l,
        int i => i,
        var o => throw new ArgumentException($"{key}={o} is not a number"),
    };

    private static double[] Xs(IReadOnlyDictionary<string, object?> p, int n)
    {
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = D(p, XName(i));
        }
        return x;
    }

    private static readonly string[] XNames = [.. Enumerable.Range(0, 10).Select(i => "x" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static string XName(int i) => XNames[i];

    public static double Branin(IReadOnlyDictionary<string, object?> p)
    {
        double x1 = D(p, "x1"), x2 = D(p, "x2");
        var t = x2 - (BrB * x1 * x1) + (BrC * x1) - BrR;
        return (BrA * t * t) + (BrS * (1.0 - BrT) * Math.Cos(x1)) + BrS;
    }

    public static double Hartmann6(IReadOnlyDictionary<string, object?> p) => H6(Xs(p, 6));

    private static double H6(double[] x)
    {
        var total = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var inner = 0.0;
            for (var j = 0; j < 6; j++)
            {
                var d = x[j] - H6P[i, j];
                inner += H6A[i, j] * d * d;
            }
            total += H6Alpha[i] * Math.Exp(-inner);
        }
        return -total;
    }

    /// <summary>The objective of the peer's overhead benchmark (overhead.py): sum((x - 0.5)^2) over 6 floats in [0, 1].</summary>
    public static double Sphere6(IReadOnlyDictionary<string, object?> p)
    {
        var s = 0.0;
        for (var i = 0; i < 6; i++)
        {
            var d = D(p, XName(i)) - 0.5;
            s += d * d;
        }
        return s;
    }

    public static double Rosenbrock(IReadOnlyDictionary<string, object?> p)
    {
        var x = Xs(p, 5);
        var s = 0.0;
        for (var i = 0; i < 4; i++)
        {
            var a = x[i + 1] - (x[i] * x[i]);
            var b = x[i] - 1.0;
            s += (100.0 * a * a) + (b * b);
        }
        return s;
    }

    public static double Levy(IReadOnlyDictionary<string, object?> p)
    {
        var x = Xs(p, 10);
        var w = new double[10];
        for (var i = 0; i < 10; i++)
        {
            w[i] = 1.0 + ((x[i] - 1.0) / 4.0);
        }
        var s0 = Math.Sin(Math.PI * w[0]);
        var s = s0 * s0;
        for (var i = 0; i < 9; i++)
        {
            var si = Math.Sin((Math.PI * w[i]) + 1.0);
            s += (w[i] - 1.0) * (w[i] - 1.0) * (1.0 + (10.0 * si * si));
        }
        var s9 = Math.Sin(2.0 * Math.PI * w[9]);
        s += (w[9] - 1.0) * (w[9] - 1.0) * (1.0 + (s9 * s9));
        return s;
    }

    public static double StyblinskiTang(IReadOnlyDictionary<string, object?> p)
    {
        var s = 0.0;
        for (var i = 0; i < 8; i++)
        {
            var v = D(p, XName(i));
            s += Math.Pow(v, 4) - (16.0 * v * v) + (5.0 * v);
        }
        return 0.5 * s;
    }

    private static double Floor(string opt, string act) => (opt, act) switch
    {
        ("adam", "relu") => 0.080,
        ("adam", "tanh") => 0.095,
        ("adam", "gelu") => 0.075,
        ("sgd", "relu") => 0.078,
        ("sgd", "tanh") => 0.090,
        ("sgd", "gelu") => 0.070,
        _ => throw new ArgumentException($"unknown ({opt}, {act})"),
    };

    private static int LayersOpt(string act) => act switch
    {
        "relu" => 4,
        "tanh" => 2,
        "gelu" => 3,
        _ => throw new ArgumentException($"unknown activation {act}"),
    };

    public static double MlSurrogatePenalty(IReadOnlyDictionary<string, object?> p)
    {
        var opt = (string)p["optimizer"]!;
        var act = (string)p["activation"]!;
        var nl = D(p, "n_layers");
        var bs = D(p, "batch_size");
        var lr = D(p, "lr");
        var shift = (0.5 * Math.Log10(bs / 64.0)) - (0.1 * (nl - 3));
        double pen;
        if (opt == "sgd")
        {
            var m = D(p, "momentum");
            var a = Math.Log10(lr / (1.0 - m)) - (0.0 + shift);
            pen = 2.0 * a * a;
            pen += 4.0 * (m - 0.9) * (m - 0.9);
        }
        else
        {
            var a = Math.Log10(lr) - (-3.0 + shift);
            pen = 1.0 * a * a;
        }
        var wd = Math.Log10(D(p, "weight_decay")) + 4.0;
        pen += 0.25 * wd * wd;
        var b = Math.Log2(bs) - 6.0;
        pen += 0.1 * b * b;
        var l = nl - LayersOpt(act);
        pen += 0.15 * l * l;
        var dr = D(p, "dropout") - (0.1 + (0.04 * (nl - 1)));
        pen += 8.0 * dr * dr;
        return pen;
    }

    public static double MlSurrogate(IReadOnlyDictionary<string, object?> p)
    {
        var floor = Floor((string)p["optimizer"]!, (string)p["activation"]!);
        return floor + ((1.0 - floor) * (1.0 - Math.Exp(-MlSurrogatePenalty(p))));
    }

    /// <summary>SplitMix64, as in functions.py.</summary>
    public static ulong SplitMix64(ulong x)
    {
        var z = unchecked(x + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>z ~ N(0,1), deterministic in (noiseSeed, evalIndex) via SplitMix64 + Box-Muller.</summary>
    public static double StdNormal(ulong noiseSeed, ulong evalIndex)
    {
        var key = ((noiseSeed & 0xFFFFFFFFUL) << 32) | (evalIndex & 0xFFFFFFFFUL);
        var u1 = ((SplitMix64(unchecked(2 * key)) >> 11) + 0.5) / 9007199254740992.0;
        var u2 = ((SplitMix64(unchecked((2 * key) + 1)) >> 11) + 0.5) / 9007199254740992.0;
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
