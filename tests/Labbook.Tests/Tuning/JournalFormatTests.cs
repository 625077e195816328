using System.Globalization;
using System.Text;
using CsCheck;
using Labbook.Tuning;
using Labbook.Tuning.Storages.Journal;

namespace Labbook.Tests.Tuning;

public sealed class JournalFormatTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "labbook-journal-" + Guid.NewGuid().ToString("N"));

    public JournalFormatTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static string FixturePath => Path.Combine(AppContext.BaseDirectory, "Tuning", "Fixtures", "optuna31_sample.journal");

    [Theory]
    [InlineData(1e-05, "1e-05")]
    [InlineData(3.0, "3.0")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(123.456, "123.456")]
    [InlineData(6.573686655138327e-05, "6.573686655138327e-05")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(2.9802322387695312e-08, "2.9802322387695312e-08")] // 2^-25, which .NET's "R" wrote as 2.980232238769531e-08
    [InlineData(12345678901234567890.0, "1.2345678901234567e+19")]
    public void Floats_are_written_as_python_repr(double value, string expected) =>
        Assert.Equal(expected, PythonJson.FormatDouble(value));

    [Fact]
    public void Python_float_repr_round_trips_every_double() =>
        Gen.Double.Where(d => double.IsFinite(d)).Sample(d =>
        {
            var text = PythonJson.FormatDouble(d);
            return double.Parse(text, CultureInfo.InvariantCulture).Equals(d) && (text.Contains('.', StringComparison.Ordinal) || text.Contains('e', StringComparison.Ordinal));
        }, iter: 20_000);

    [Fact]
    public void Every_line_of_the_optuna_sample_is_reproduced_byte_for_byte()
    {
        foreach (var line in File.ReadAllLines(FixturePath))
        {
            Assert.Equal(line, PythonJson.Serialize(PythonJson.Parse(line)));
        }
    }

    [Fact]
    public void Strings_use_ensure_ascii_escapes()
    {
        Assert.Equal("\"first trial \\u00e9\"", PythonJson.Serialize(System.Text.Json.Nodes.JsonValue.Create("first trial é")));
        Assert.Equal("\"\\ud83d\\ude00 \\\"q\\\" \\\\ \\n\\t\\u0001\\u007f\"", PythonJson.Serialize(System.Text.Json.Nodes.JsonValue.Create("😀 \"q\" \\ \n\t\u0001\u007f")));
        Assert.Equal("😀\n", (string?)PythonJson.Parse("\"\\ud83d\\ude00\\n\""));
    }

    [Fact]
    public void The_optuna_sample_replays_as_optuna_replayed_it()
    {
        var copy = Path.Combine(_dir, "sample.journal");
        File.Copy(FixturePath, copy);
        using var storage = new JournalFileStorage(copy);
        Assert.Equal(["sample", "sample_mo"], storage.GetStudyNames());
        var id = storage.FindStudy("sample")!.Value;
        Assert.Equal("bench", (string?)storage.GetStudyUserAttrs(id)["owner"]);
        var trials = storage.GetAllTrials(id);
        Assert.Equal(Enumerable.Range(0, trials.Count), trials.Select(t => t.Number));
        var t0 = trials[0];
        Assert.Equal(TrialState.Complete, t0.State);
        Assert.Equal(1.5, t0.Params["act"]);
        Assert.Equal(3L, t0.Params["n"]);
        Assert.Equal(26L, t0.Params["bs"]);
        Assert.Equal("first trial é", (string?)t0.UserAttrs["note"]);
        Assert.Equal(42L, (long)t0.SystemAttrs["sys_trial_key"]!);
        Assert.Equal(9.437433046314867, t0.Value);
        Assert.Contains(trials, t => t.State == TrialState.Pruned && t.Value == 0.7);
        Assert.Contains(trials, t => t.IntermediateValues.Values.Any(double.IsNaN));
        Assert.Contains(trials, t => t.IntermediateValues.Values.Any(double.IsPositiveInfinity));
        Assert.Contains(trials, t => t.SystemAttrs.ContainsKey("fixed_params"));
        var mo = storage.GetAllTrials(storage.FindStudy("sample_mo")!.Value);
        Assert.Equal(7, mo[0].TrialId);
        Assert.Equal(0, mo[0].Number);
        Assert.Null(mo[0].Value);
        Assert.Equal([0.43599490214200376, 0.0], mo[0].Values);
    }

    [Fact]
    public void A_torn_last_line_is_tolerated_by_readers_and_cut_by_the_next_writer()
    {
        var path = Path.Combine(_dir, "torn.jsonl");
        using (var storage = new JournalFileStorage(path))
        {
            var study = Study.Create("s", storage: storage);
            study.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 3);
        }
        var good = File.ReadAllBytes(path);
        File.AppendAllText(path, "{\"op_code\": 4, \"worker_id\": \"dead\", \"stu");
        using (var reader = new JournalFileStorage(path))
        {
            Assert.Equal(3, reader.GetAllTrials(0).Count);
        }
        Assert.Equal(good.Length + 40, new FileInfo(path).Length);
        using (var writer = new JournalFileStorage(path))
        {
            var study = Study.Load("s", writer);
            study.Optimize(t => t.SuggestFloat("x", 0, 1), nTrials: 1);
            Assert.Equal(1, ((JournalFileBackend)writer.Backend).TailRepairs);
            Assert.Equal(4, study.Trials.Count);
        }
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(good, bytes[..good.Length]);
        Assert.Equal((byte)'\n', bytes[^1]);
        foreach (var line in File.ReadAllLines(path))
        {
            Assert.NotNull(PythonJson.Parse(line));
        }
    }

    [Fact]
    public void A_malformed_line_in_the_middle_names_the_file_and_line()
    {
        var path = Path.Combine(_dir, "bad.jsonl");
        var lines = File.ReadAllLines(FixturePath).ToList();
        lines.Insert(4, "{\"op_code\": 4, oops}");
        File.WriteAllLines(path, lines);
        var ex = Assert.Throws<JournalFormatException>(() => new JournalFileStorage(path));
        Assert.Equal(5, ex.Line);
        Assert.Contains("bad.jsonl: line 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_complete_but_invalid_last_line_is_skipped_by_readers_and_never_buried_by_a_writer()
    {
        var path = Path.Combine(_dir, "glued.jsonl");
        File.Copy(FixturePath, path);
        File.AppendAllText(path, "{\"op_code\": 4, \"work{\"op_code\": 4, \"worker_id\": \"x\", \"study_id\": 0, \"datetime_start\": null}\n");
        var before = File.ReadAllBytes(path);
        using var storage = new JournalFileStorage(path);
        Assert.Equal(7, storage.GetAllTrials(0).Count);
        var ex = Assert.Throws<JournalFormatException>(() => storage.CreateTrial(0));
        Assert.Equal(67, ex.Line);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Write_then_replay_is_the_identity()
    {
        string[] pool = ["x", "lr", "é-ß", "日本", "a\"b", "tab\there", "😀"];
        var names = Gen.Int[0, pool.Length - 1].Select(i => pool[i]);
        var gen = Gen.Int[1, 12].Select(Gen.Int[0, 1_000_000], names.Array[1, 4]);
        var run = 0;
        gen.Sample((nTrials, seed, paramNames) =>
        {
            // CsCheck samples on several threads: each sample needs its own file.
            var path = Path.Combine(_dir, $"identity-{Interlocked.Increment(ref run)}.jsonl");
            IReadOnlyList<FrozenTrial> written;
            using (var storage = new JournalFileStorage(path))
            {
                var study = Study.Create("id", storage: storage, sampler: new Labbook.Tuning.RandomSampler(seed));
                var random = new Random(seed);
                study.EnqueueTrial(new Dictionary<string, object?> { ["fixed"] = 2.5 });
                study.Optimize(trial =>
                {
                    trial.SuggestFloat("fixed", 0, 5);
                    foreach (var name in paramNames.Distinct())
                    {
                        _ = (random.Next(4)) switch
                        {
                            0 => trial.SuggestFloat(name + "f", 1e-5, 1e5, log: true),
                            1 => trial.SuggestInt(name + "i", -3, 30, step: 3),
                            2 => (object?)trial.SuggestCategorical(name + "c", new object?[] { "a", null, 3, 1.5, true, "ü" }),
                            _ => trial.SuggestFloat(name + "s", -1, 1, step: 0.25),
                        };
                    }
                    trial.Report(double.PositiveInfinity, 0);
                    trial.Report(double.NaN, 1);
                    trial.Report(-0.0, 2);
                    trial.SetUserAttr("note", "ünïcode ✓ " + trial.Number);
                    return random.Next(5) switch
                    {
                        0 => double.NaN,
                        1 => throw new InvalidOperationException("boom\nline two"),
                        2 => throw new TrialPrunedException(),
                        _ => random.NextDouble() * 1e-7,
                    };
                }, nTrials: nTrials);
                written = study.Trials;
            }
            using var reread = new JournalFileStorage(path);
            var replayed = reread.GetAllTrials(reread.FindStudy("id")!.Value);
            Assert.Equal(written.Count, replayed.Count);
            for (var i = 0; i < written.Count; i++)
            {
                AssertSameTrial(written[i], replayed[i]);
            }
        }, iter: 15);
    }

    internal static void AssertSameTrial(FrozenTrial a, FrozenTrial b)
    {
        Assert.Equal(a.Number, b.Number);
        Assert.Equal(a.TrialId, b.TrialId);
        Assert.Equal(a.State, b.State);
        Assert.Equal(a.Value, b.Value);
        Assert.Equal(a.InternalParams.OrderBy(p => p.Key, StringComparer.Ordinal), b.InternalParams.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(a.Distributions.OrderBy(p => p.Key, StringComparer.Ordinal), b.Distributions.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(a.IntermediateValues.OrderBy(p => p.Key), b.IntermediateValues.OrderBy(p => p.Key));
        Assert.Equal(Attrs(a.UserAttrs), Attrs(b.UserAttrs));
        Assert.Equal(Attrs(a.SystemAttrs), Attrs(b.SystemAttrs));
        Assert.Equal(a.DatetimeStart, b.DatetimeStart);
        Assert.Equal(a.DatetimeComplete, b.DatetimeComplete);
    }

    private static string Attrs(IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> attrs)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in attrs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sb.Append(k).Append('=').Append(PythonJson.Serialize(v)).Append(';');
        }
        return sb.ToString();
    }
}
