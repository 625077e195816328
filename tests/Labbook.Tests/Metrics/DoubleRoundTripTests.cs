using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Labbook.Json;
using Labbook.Metrics;
using Labbook.Queue;
using Labbook.Sweeps;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Metrics;

/// <summary>
/// Every place the workspace writes a double must read back as the same double (issue 12: .NET's "R" wrote 2^-25 as
/// 2.980232238769531e-08, which reads back as its lower neighbour). Checked on a systematic set, not random values:
/// every power of two and its neighbours, subnormals, the normal/subnormal boundary and the extremes.
/// </summary>
public sealed class DoubleRoundTripTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-roundtrip-" + Guid.NewGuid().ToString("N"));

    public DoubleRoundTripTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The values .NET 10 itself writes wrongly (2^-25, 2^-958) first, then the systematic set.</summary>
    internal static IEnumerable<double> Systematic()
    {
        yield return Math.ScaleB(1.0, -25);
        yield return Math.ScaleB(1.0, -958);
        for (var e = -1074; e <= 1023; e++)
        {
            var p = Math.ScaleB(1.0, e);
            yield return p;
            yield return -p;
            yield return Math.BitIncrement(p);
            if (p > double.Epsilon)
            {
                yield return Math.BitDecrement(p);
            }
        }
        for (ulong m = 1; m < 64; m++)
        {
            yield return BitConverter.UInt64BitsToDouble(m);
            yield return BitConverter.UInt64BitsToDouble((1UL << 52) - m); // the largest subnormals
        }
        foreach (var v in new[] { 0.0, -0.0, double.MaxValue, double.MinValue, double.Epsilon, 2.2250738585072014E-308, 2.2250738585072009E-308, 0.1, 1e-5, 1e16, 1e17, 9007199254740993, 0.1 + 0.2 })
        {
            yield return v;
        }
    }

    private static void AssertReadsBack(string writer, double value, string text)
    {
        var parsed = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.True(
            BitConverter.DoubleToUInt64Bits(parsed) == BitConverter.DoubleToUInt64Bits(value),
            $"{writer} wrote bits 0x{BitConverter.DoubleToUInt64Bits(value):X16} as '{text}', which reads back as 0x{BitConverter.DoubleToUInt64Bits(parsed):X16}");
    }

    [Fact]
    public void The_shortest_formatter_and_metric_text_round_trip_the_systematic_set()
    {
        Span<byte> row = stackalloc byte[128];
        foreach (var v in Systematic())
        {
            AssertReadsBack("ShortestDouble.Format", v, ShortestDouble.Format(v));
            AssertReadsBack("MetricText.FormatValue", v, MetricText.FormatValue(v));
            var n = MetricCsv.FormatRow(row, 7, MetricCsv.EncodeName("loss"), v, "t"u8);
            AssertReadsBack("metrics.csv", v, Encoding.ASCII.GetString(row[..n]).Split(',')[2]);
        }
    }

    [Fact]
    public void The_study_journal_round_trips_the_systematic_set()
    {
        foreach (var v in Systematic())
        {
            var line = PythonJson.Serialize(new JsonObject { ["v"] = JsonValue.Create(v) });
            AssertReadsBack("the study journal", v, line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..^1].Trim());
            var back = (double)PythonJson.Parse(line)!["v"]!;
            Assert.Equal(BitConverter.DoubleToUInt64Bits(v), BitConverter.DoubleToUInt64Bits(back));
        }
    }

    [Fact]
    public void Placeholders_and_command_substitution_round_trip_the_systematic_set()
    {
        foreach (var v in Systematic())
        {
            AssertReadsBack("queue placeholders", v, Placeholders.Text(JsonValue.Create(v)));
            AssertReadsBack("queue placeholders", v, Placeholders.Text(LabJson.Number(v)));
            AssertReadsBack("sweep command substitution", v, CommandTemplate.Text(v));
        }
        for (var e = -149; e <= 127; e++)
        {
            var f = MathF.ScaleB(1f, e);
            foreach (var g in new[] { f, MathF.BitIncrement(f), MathF.BitDecrement(f) })
            {
                var text = CommandTemplate.Text(g);
                Assert.True(float.Parse(text, CultureInfo.InvariantCulture) == g || (g == 0 && text is "0" or "-0"), $"float {g:R} written as {text}");
            }
        }
    }

    [Fact]
    public void Workspace_json_round_trips_the_systematic_set()
    {
        foreach (var v in Systematic())
        {
            var json = LabJson.Compact(new JsonObject { ["v"] = LabJson.Number(v) });
            var back = JsonNode.Parse(json)!["v"]!.GetValue<double>();
            Assert.True(BitConverter.DoubleToUInt64Bits(v) == BitConverter.DoubleToUInt64Bits(back), $"{json} reads back as {back}");
            var summary = Encoding.UTF8.GetString(LabJson.Serialize(new Dictionary<string, double> { ["v"] = v }, LabJsonContext.Default.DictionaryStringDouble));
            Assert.Equal(BitConverter.DoubleToUInt64Bits(v), BitConverter.DoubleToUInt64Bits(JsonNode.Parse(summary)!["v"]!.GetValue<double>()));
        }
    }

    [Fact]
    public void A_journal_study_and_its_csv_exports_keep_2_to_the_minus_25_exact()
    {
        var tiny = Math.ScaleB(1.0, -25);
        var path = Path.Combine(_dir, "s.jsonl");
        using (var storage = new JournalFileStorage(path))
        {
            var study = Study.Create("s", storage: storage);
            study.EnqueueTrial(new Dictionary<string, object?> { ["x"] = tiny });
            var trial = study.Ask();
            Assert.Equal(tiny, trial.SuggestFloat("x", 0, 1));
            study.Tell(trial, tiny);
        }
        using var reader = new JournalFileStorage(path);
        var loaded = Study.Load("s", reader);
        var t = Assert.Single(loaded.Trials);
        Assert.Equal(BitConverter.DoubleToUInt64Bits(tiny), BitConverter.DoubleToUInt64Bits(t.Value!.Value));
        Assert.Equal(BitConverter.DoubleToUInt64Bits(tiny), BitConverter.DoubleToUInt64Bits((double)t.Params["x"]!));
        foreach (var (name, write) in new (string, Action<TextWriter>)[] { ("trials CSV", w => TrialsCsv.Write(w, loaded.Trials)), ("study export", w => StudyExport.Write(w, loaded.Trials)) })
        {
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            write(text);
            var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var header = lines[0].Split(',');
            var row = lines[1].Split(',');
            AssertReadsBack(name + " value", tiny, row[Array.IndexOf(header, "value")]);
            AssertReadsBack(name + " param", tiny, row[Array.IndexOf(header, "params_x")]);
        }
    }
}
