namespace Labbook.Tuning.Samplers;

/// <summary>
/// A Gaussian process on [0, 1]^d with an ARD Matérn 5/2 kernel, an output scale and a noise
/// variance, fitted by maximizing the log marginal likelihood plus weak log-normal priors (Adam on
/// the log-parameters, warm-started from the previous fit). Dense Cholesky; meant for a few hundred
/// points at most.
/// </summary>
internal sealed class GaussianProcess
{
    private static readonly double Sqrt5 = Math.Sqrt(5.0);
    private readonly int _d;
    private readonly double[] _theta;
    private double[][] _x = [];
    private double[] _alpha = [];
    private double[,] _chol = new double[0, 0];
    private int _n;
    private double[] _invL = [];

    public GaussianProcess(int dimension)
    {
        _d = dimension;
        // log lengthscales, log output scale, log noise
        _theta = new double[dimension + 2];
        for (var i = 0; i < dimension; i++)
        {
            _theta[i] = Math.Log(0.5);
        }
        _theta[dimension] = 0.0;
        _theta[dimension + 1] = Math.Log(1e-3);
    }

    // Noise needs strong evidence: a wide-noise fit explains clustered data away and EI then revisits observed points.
    private static readonly double[] PriorMean = [Math.Log(0.5), 0.0, Math.Log(1e-4)];
    private static readonly double[] PriorSd = [1.0, 1.0, 1.0];

    private double Lengthscale(int i) => Math.Exp(_theta[i]);

    /// <summary>Fits the hyperparameters to (x, y) with <paramref name="steps"/> Adam steps, then conditions on the data.</summary>
    public void Fit(double[][] x, double[] y, int steps)
    {
        _x = x;
        _n = x.Length;
        var p = _theta.Length;
        var m = new double[p];
        var v = new double[p];
        var grad = new double[p];
        const double Rate = 0.05, Beta1 = 0.9, Beta2 = 0.999;
        for (var step = 1; step <= steps; step++)
        {
            if (!Gradient(y, grad))
            {
                break;
            }
            for (var i = 0; i < p; i++)
            {
                m[i] = (Beta1 * m[i]) + ((1 - Beta1) * grad[i]);
                v[i] = (Beta2 * v[i]) + ((1 - Beta2) * grad[i] * grad[i]);
                var mHat = m[i] / (1 - Math.Pow(Beta1, step));
                var vHat = v[i] / (1 - Math.Pow(Beta2, step));
                _theta[i] += Rate * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
            Clamp();
        }
        Condition(y);
    }

    private void Clamp()
    {
        for (var i = 0; i < _d; i++)
        {
            _theta[i] = Math.Clamp(_theta[i], Math.Log(0.01), Math.Log(20));
        }
        _theta[_d] = Math.Clamp(_theta[_d], Math.Log(0.05), Math.Log(20));
        _theta[_d + 1] = Math.Clamp(_theta[_d + 1], Math.Log(1e-6), Math.Log(0.1));
    }

    private double[,] Kernel(out double[,] g)
    {
        var n = _n;
        var k = new double[n, n];
        g = new double[n, n];
        var s2 = Math.Exp(_theta[_d]);
        var noise = Math.Exp(_theta[_d + 1]);
        var inv = new double[_d];
        for (var i = 0; i < _d; i++)
        {
            inv[i] = 1.0 / Lengthscale(i);
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var r2 = 0.0;
                for (var t = 0; t < _d; t++)
                {
                    var diff = (_x[i][t] - _x[j][t]) * inv[t];
                    r2 += diff * diff;
                }
                var r = Math.Sqrt(r2);
                var e = Math.Exp(-Sqrt5 * r);
                var value = s2 * (1 + (Sqrt5 * r) + (5.0 / 3.0 * r2)) * e;
                // d k / d log l_t = s2 * 5/3 (1 + sqrt5 r) e^{-sqrt5 r} * (diff_t / l_t)^2; g holds the factor before the square.
                var gv = s2 * (5.0 / 3.0) * (1 + (Sqrt5 * r)) * e;
                k[i, j] = value;
                k[j, i] = value;
                g[i, j] = gv;
                g[j, i] = gv;
            }
            k[i, i] += noise + 1e-8;
        }
        return k;
    }

    private static bool Cholesky(double[,] a, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var sum = a[j, j];
            for (var k = 0; k < j; k++)
            {
                sum -= a[j, k] * a[j, k];
            }
            if (!(sum > 0))
            {
                return false;
            }
            var ljj = Math.Sqrt(sum);
            a[j, j] = ljj;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    s -= a[i, k] * a[j, k];
                }
                a[i, j] = s / ljj;
            }
            for (var i = 0; i < j; i++)
            {
                a[i, j] = 0;
            }
        }
        return true;
    }

    /// <summary>Solves L z = b in place.</summary>
    private static void ForwardSolve(double[,] l, double[] b, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var s = b[i];
            for (var k = 0; k < i; k++)
            {
                s -= l[i, k] * b[k];
            }
            b[i] = s / l[i, i];
        }
    }

    /// <summary>Solves L^T z = b in place.</summary>
    private static void BackSolve(double[,] l, double[] b, int n)
    {
        for (var i = n - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var k = i + 1; k < n; k++)
            {
                s -= l[k, i] * b[k];
            }
            b[i] = s / l[i, i];
        }
    }

    private bool Gradient(double[] y, double[] grad)
    {
        var n = _n;
        var k = Kernel(out var g);
        var l = (double[,])k.Clone();
        if (!Cholesky(l, n))
        {
            return false;
        }
        var alpha = (double[])y.Clone();
        ForwardSolve(l, alpha, n);
        BackSolve(l, alpha, n);
        // K^-1 column by column.
        var kinv = new double[n, n];
        var col = new double[n];
        for (var c = 0; c < n; c++)
        {
            Array.Clear(col);
            col[c] = 1;
            ForwardSolve(l, col, n);
            BackSolve(l, col, n);
            for (var r = 0; r < n; r++)
            {
                kinv[r, c] = col[r];
            }
        }
        Array.Clear(grad);
        var noise = Math.Exp(_theta[_d + 1]);
        var inv2 = new double[_d];
        for (var t = 0; t < _d; t++)
        {
            var li = 1.0 / Lengthscale(t);
            inv2[t] = li * li;
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var w = (alpha[i] * alpha[j]) - kinv[i, j];
                // output scale: dK/dlog s2 = K - noise I
                var kij = k[i, j] - (i == j ? noise + 1e-8 : 0.0);
                grad[_d] += 0.5 * w * kij;
                if (i == j)
                {
                    grad[_d + 1] += 0.5 * w * noise;
                    continue;
                }
                var gij = 0.5 * w * g[i, j];
                for (var t = 0; t < _d; t++)
                {
                    var diff = _x[i][t] - _x[j][t];
                    grad[t] += gij * diff * diff * inv2[t];
                }
            }
        }
        // Log-normal priors on the hyperparameters.
        for (var t = 0; t < _theta.Length; t++)
        {
            var kind = t < _d ? 0 : t - _d + 1;
            grad[t] -= (_theta[t] - PriorMean[kind]) / (PriorSd[kind] * PriorSd[kind]);
        }
        return true;
    }

    /// <summary>Log marginal likelihood plus log priors at the current hyperparameters (for tests).</summary>
    internal double Objective(double[][] x, double[] y)
    {
        _x = x;
        _n = x.Length;
        var l = Kernel(out _);
        if (!Cholesky(l, _n))
        {
            return double.NegativeInfinity;
        }
        var alpha = (double[])y.Clone();
        ForwardSolve(l, alpha, _n);
        var value = 0.0;
        for (var i = 0; i < _n; i++)
        {
            value -= (0.5 * alpha[i] * alpha[i]) + Math.Log(l[i, i]);
        }
        for (var t = 0; t < _theta.Length; t++)
        {
            var kind = t < _d ? 0 : t - _d + 1;
            var z = (_theta[t] - PriorMean[kind]) / PriorSd[kind];
            value -= 0.5 * z * z;
        }
        return value;
    }

    /// <summary>The gradient of <see cref="Objective"/> (for tests).</summary>
    internal double[] ObjectiveGradient(double[][] x, double[] y)
    {
        _x = x;
        _n = x.Length;
        var grad = new double[_theta.Length];
        Gradient(y, grad);
        return grad;
    }

    /// <summary>The log-hyperparameters: lengthscales, output scale, noise (for tests).</summary>
    internal double[] Theta => _theta;

    private void Condition(double[] y)
    {
        var n = _n;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var l = Kernel(out _);
            if (Cholesky(l, n))
            {
                _chol = l;
                _invL = new double[_d];
                for (var t = 0; t < _d; t++)
                {
                    _invL[t] = 1.0 / Lengthscale(t);
                }
                _alpha = (double[])y.Clone();
                ForwardSolve(l, _alpha, n);
                BackSolve(l, _alpha, n);
                return;
            }
            _theta[_d + 1] = Math.Min(_theta[_d + 1] + 2.0, 0.0);
        }
        throw new InvalidOperationException("the GP kernel matrix is not positive definite");
    }

    /// <summary>Posterior mean and standard deviation at <paramref name="x"/>; <paramref name="work"/> is scratch of length n.</summary>
    public (double Mean, double Sd) Predict(double[] x, double[] work)
    {
        var n = _n;
        var s2 = Math.Exp(_theta[_d]);
        var mean = 0.0;
        for (var i = 0; i < n; i++)
        {
            var r2 = 0.0;
            for (var t = 0; t < _d; t++)
            {
                var diff = (x[t] - _x[i][t]) * _invL[t];
                r2 += diff * diff;
            }
            var r = Math.Sqrt(r2);
            var kv = s2 * (1 + (Sqrt5 * r) + (5.0 / 3.0 * r2)) * Math.Exp(-Sqrt5 * r);
            work[i] = kv;
            mean += kv * _alpha[i];
        }
        ForwardSolve(_chol, work, n);
        var reduction = 0.0;
        for (var i = 0; i < n; i++)
        {
            reduction += work[i] * work[i];
        }
        var variance = Math.Max(s2 - reduction, 1e-12);
        return (mean, Math.Sqrt(variance));
    }

    /// <summary>The fitted lengthscales (for local search step sizes).</summary>
    public double[] Lengthscales()
    {
        var result = new double[_d];
        for (var i = 0; i < _d; i++)
        {
            result[i] = Lengthscale(i);
        }
        return result;
    }
}
