using BenchmarkDotNet.Attributes;
using Labbook.IO;

namespace Labbook.Bench;

/// <summary>
/// What the crash-point hooks (docs/decisions/0027-crash-points.md) cost when no point is armed: an append to a file
/// through <see cref="AppendOnlyFile"/> (two hooks) against the same bytes written without any, and the hooks alone.
/// </summary>
public class CrashPointBenchmarks : IDisposable
{
    private const int Calls = 1000;
    private readonly byte[] _row = "12,loss,0.123456789,2026-11-28T04:05:12.345Z\n"u8.ToArray();
    private string _file = "";
    private AppendOnlyFile? _hooked;
    private FileStream? _plain;

    [GlobalSetup]
    public void Setup()
    {
        _file = Path.Combine(Path.GetTempPath(), "lab-crashpoint-" + Environment.ProcessId + ".csv");
        _hooked = AppendOnlyFile.Open(_file);
        _plain = new FileStream(_file + ".plain", FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
    }

    /// <summary>Closes the files (BenchmarkDotNet calls <see cref="Cleanup"/>; this is for the analyzers' sake).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the files when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hooked?.Dispose();
            _plain?.Dispose();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hooked?.Dispose();
        _plain?.Dispose();
        File.Delete(_file);
        File.Delete(_file + ".plain");
    }

    /// <summary>One row through AppendOnlyFile: one write(2) and the torn and appended hooks.</summary>
    [Benchmark]
    public void AppendWithHooks() => _hooked!.Append(_row);

    /// <summary>One row through an unbuffered FileStream: one write(2), no hook.</summary>
    [Benchmark(Baseline = true)]
    public void AppendWithoutHooks() => _plain!.Write(_row);

    /// <summary>The three hooks of an append alone, unarmed, per call.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public void HooksAlone()
    {
        for (var i = 0; i < Calls; i++)
        {
            CrashPoints.Tear("metrics.csv", -1, _row);
            CrashPoints.ReachedFile(_file, CrashPoints.Appended);
            CrashPoints.Reached(CrashPoints.StudySynced);
        }
    }
}
