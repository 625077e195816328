using System.Globalization;
using BenchmarkDotNet.Attributes;
using Labbook.Metrics;

namespace Labbook.Bench;

/// <summary>Micro-benchmarks of the metrics.csv hot paths: formatting one row, reading a file.</summary>
[MemoryDiagnoser]
public class MetricMicroBenchmarks
{
    private readonly byte[] _buffer = new byte[256];
    private readonly byte[] _name = MetricCsv.EncodeName("val_loss");
    private readonly byte[] _time = "2026-11-28T04:05:12.345Z"u8.ToArray();
    private string _file = "";

    /// <summary>Values as training loops log them: 1/(i+1), 1-1/(i+2), decays, random doubles in [0, 1).</summary>
    private readonly double[] _values = MetricLikeValues();

    private const int ValueCount = 1024;

    [GlobalSetup]
    public void Setup()
    {
        _file = Path.Combine(Path.GetTempPath(), "lab-micro-" + Environment.ProcessId + ".csv");
        File.Delete(_file);
        using var w = new MetricWriter(_file);
        for (var i = 0; i < 100_000; i++)
        {
            w.Log("loss", 1.0 / (i + 1), i);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_file);

    [Benchmark]
    public int FormatRow() => MetricCsv.FormatRow(_buffer, 123456, _name, 0.123456789012345, _time);

    /// <summary>.NET's shortest round-trip formatting, as MetricText used before ShortestDouble.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = ValueCount)]
    public int FormatValuesDotnet()
    {
        var total = 0;
        foreach (var v in _values)
        {
            v.TryFormat(_buffer, out var n, default, CultureInfo.InvariantCulture);
            total += n;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = ValueCount)]
    public int FormatValuesShortestDouble()
    {
        var total = 0;
        foreach (var v in _values)
        {
            ShortestDouble.TryFormat(v, _buffer, out var n);
            total += n;
        }
        return total;
    }

    [Benchmark]
    public long Read100kRows()
    {
        long n = 0;
        foreach (var p in new MetricReader().Read(_file))
        {
            n += p.Step;
        }
        return n;
    }

    private static double[] MetricLikeValues()
    {
        var random = new Random(42);
        var values = new double[ValueCount];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (i % 4) switch
            {
                0 => 1.0 / (i + 1),
                1 => 1 - (1.0 / (i + 2)),
                2 => Math.Exp(-i / 100.0),
                _ => random.NextDouble(),
            };
        }
        return values;
    }
}
