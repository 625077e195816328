namespace Labbook.Tuning.Samplers;

/// <summary>
/// Restart-free CMA-ES in the unit cube (Hansen's tutorial formulation with positive recombination
/// weights, as the <c>cmaes</c> library without its negative weights): ask returns feasible points
/// (resampled up to 100 times, then clipped), tell takes one generation of evaluated points.
/// </summary>
internal sealed class CmaEs
{
    private readonly int _n;
    private readonly double[] _weights;
    private readonly double _muEff;
    private readonly double _cc;
    private readonly double _cs;
    private readonly double _c1;
    private readonly double _cmu;
    private readonly double _damps;
    private readonly double _chiN;
    private readonly double[] _mean;
    private readonly double[] _pc;
    private readonly double[] _ps;
    private readonly double[,] _c;
    private readonly double[,] _b;
    private readonly double[] _d;
    private double _sigma;

    public CmaEs(double[] mean, double sigma, int populationSize)
    {
        _n = mean.Length;
        PopulationSize = populationSize;
        var mu = populationSize / 2;
        _weights = new double[mu];
        var sum = 0.0;
        for (var i = 0; i < mu; i++)
        {
            _weights[i] = Math.Log((populationSize + 1) / 2.0) - Math.Log(i + 1);
            sum += _weights[i];
        }
        var sumSq = 0.0;
        for (var i = 0; i < mu; i++)
        {
            _weights[i] /= sum;
            sumSq += _weights[i] * _weights[i];
        }
        _muEff = 1.0 / sumSq;
        double n = _n;
        _cc = (4 + (_muEff / n)) / (n + 4 + (2 * _muEff / n));
        _cs = (_muEff + 2) / (n + _muEff + 5);
        _c1 = 2 / (((n + 1.3) * (n + 1.3)) + _muEff);
        _cmu = Math.Min(1 - _c1, 2 * (_muEff - 2 + (1 / _muEff)) / (((n + 2) * (n + 2)) + _muEff));
        _damps = 1 + (2 * Math.Max(0, Math.Sqrt((_muEff - 1) / (n + 1)) - 1)) + _cs;
        _chiN = Math.Sqrt(n) * (1 - (1 / (4 * n)) + (1 / (21 * n * n)));
        _mean = (double[])mean.Clone();
        _sigma = sigma;
        _pc = new double[_n];
        _ps = new double[_n];
        _c = new double[_n, _n];
        _b = new double[_n, _n];
        _d = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            _c[i, i] = 1;
            _b[i, i] = 1;
            _d[i] = 1;
        }
    }

    public int PopulationSize { get; }

    public int Generation { get; private set; }

    public int Dimension => _n;

    /// <summary>A new candidate in [0, 1]^n.</summary>
    public double[] Ask(Random random)
    {
        var x = new double[_n];
        var z = new double[_n];
        for (var attempt = 0; attempt < 100; attempt++)
        {
            for (var i = 0; i < _n; i++)
            {
                z[i] = _d[i] * SamplerMath.StandardNormal(random);
            }
            var feasible = true;
            for (var i = 0; i < _n; i++)
            {
                var y = 0.0;
                for (var j = 0; j < _n; j++)
                {
                    y += _b[i, j] * z[j];
                }
                x[i] = _mean[i] + (_sigma * y);
                feasible &= x[i] >= 0 && x[i] <= 1;
            }
            if (feasible)
            {
                return x;
            }
        }
        for (var i = 0; i < _n; i++)
        {
            x[i] = Math.Clamp(x[i], 0, 1);
        }
        return x;
    }

    /// <summary>Updates the distribution from one generation (points and values, lower is better).</summary>
    public void Tell(IReadOnlyList<(double[] X, double Value)> solutions)
    {
        var sorted = solutions.OrderBy(s => s.Value).ToArray();
        var mu = _weights.Length;
        var ys = new double[mu][];
        var yw = new double[_n];
        for (var k = 0; k < mu; k++)
        {
            ys[k] = new double[_n];
            for (var i = 0; i < _n; i++)
            {
                ys[k][i] = (sorted[k].X[i] - _mean[i]) / _sigma;
                yw[i] += _weights[k] * ys[k][i];
            }
        }
        for (var i = 0; i < _n; i++)
        {
            _mean[i] += _sigma * yw[i];
        }
        // C^-1/2 yw = B D^-1 B^T yw
        var t = new double[_n];
        for (var j = 0; j < _n; j++)
        {
            var s = 0.0;
            for (var i = 0; i < _n; i++)
            {
                s += _b[i, j] * yw[i];
            }
            t[j] = s / _d[j];
        }
        var psNorm = 0.0;
        var csFactor = Math.Sqrt(_cs * (2 - _cs) * _muEff);
        for (var i = 0; i < _n; i++)
        {
            var s = 0.0;
            for (var j = 0; j < _n; j++)
            {
                s += _b[i, j] * t[j];
            }
            _ps[i] = ((1 - _cs) * _ps[i]) + (csFactor * s);
            psNorm += _ps[i] * _ps[i];
        }
        psNorm = Math.Sqrt(psNorm);
        Generation++;
        var hsig = psNorm / Math.Sqrt(1 - Math.Pow(1 - _cs, 2 * Generation)) < (1.4 + (2.0 / (_n + 1))) * _chiN ? 1.0 : 0.0;
        var ccFactor = Math.Sqrt(_cc * (2 - _cc) * _muEff);
        for (var i = 0; i < _n; i++)
        {
            _pc[i] = ((1 - _cc) * _pc[i]) + (hsig * ccFactor * yw[i]);
        }
        var decay = 1 - _c1 - _cmu + ((1 - hsig) * _c1 * _cc * (2 - _cc));
        for (var i = 0; i < _n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var rankMu = 0.0;
                for (var k = 0; k < mu; k++)
                {
                    rankMu += _weights[k] * ys[k][i] * ys[k][j];
                }
                var v = (decay * _c[i, j]) + (_c1 * _pc[i] * _pc[j]) + (_cmu * rankMu);
                _c[i, j] = v;
                _c[j, i] = v;
            }
        }
        _sigma *= Math.Exp(Math.Min(1.0, (_cs / _damps) * ((psNorm / _chiN) - 1)));
        _sigma = Math.Min(_sigma, 1e32);
        Decompose();
    }

    /// <summary>Eigen-decomposition of C by cyclic Jacobi rotations (C is small and symmetric).</summary>
    private void Decompose()
    {
        var a = (double[,])_c.Clone();
        var v = new double[_n, _n];
        for (var i = 0; i < _n; i++)
        {
            v[i, i] = 1;
        }
        for (var sweep = 0; sweep < 100; sweep++)
        {
            var off = 0.0;
            for (var p = 0; p < _n; p++)
            {
                for (var q = p + 1; q < _n; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }
            if (off < 1e-30)
            {
                break;
            }
            for (var p = 0; p < _n; p++)
            {
                for (var q = p + 1; q < _n; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300)
                    {
                        continue;
                    }
                    var theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    var tan = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0)
                    {
                        tan = 1;
                    }
                    var cos = 1 / Math.Sqrt((tan * tan) + 1);
                    var sin = tan * cos;
                    for (var k = 0; k < _n; k++)
                    {
                        var akp = a[k, p];
                        var akq = a[k, q];
                        a[k, p] = (cos * akp) - (sin * akq);
                        a[k, q] = (sin * akp) + (cos * akq);
                    }
                    for (var k = 0; k < _n; k++)
                    {
                        var apk = a[p, k];
                        var aqk = a[q, k];
                        a[p, k] = (cos * apk) - (sin * aqk);
                        a[q, k] = (sin * apk) + (cos * aqk);
                    }
                    for (var k = 0; k < _n; k++)
                    {
                        var vkp = v[k, p];
                        var vkq = v[k, q];
                        v[k, p] = (cos * vkp) - (sin * vkq);
                        v[k, q] = (sin * vkp) + (cos * vkq);
                    }
                }
            }
        }
        for (var i = 0; i < _n; i++)
        {
            _d[i] = Math.Sqrt(Math.Max(a[i, i], 1e-16));
            for (var j = 0; j < _n; j++)
            {
                _b[i, j] = v[i, j];
            }
        }
    }
}
