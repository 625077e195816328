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
}
