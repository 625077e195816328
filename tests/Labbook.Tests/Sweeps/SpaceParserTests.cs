using Labbook.Sweeps;
using Labbook.Tuning;

namespace Labbook.Tests.Sweeps;

public class SpaceParserTests
{
    private static SearchSpaceException Bad(string yaml) =>
        Assert.Throws<SearchSpaceException>(() => SpaceParser.Parse(yaml, "space.yaml"));

    [Fact]
    public void A_yaml_space_with_every_kind_of_parameter_is_read()
    {
        var space = SpaceParser.Parse("""
            # a comment
            params:
              lr: {type: float, low: 1.0e-5, high: 0.1, log: true}
              layers: {type: int, low: 1, high: 8}
              units:
                type: int
                low: 32
                high: 256
                step: 32
              act: [relu, tanh, "1"]
              optimizer: {type: categorical, choices: [adam, sgd]}
              momentum: {type: float, low: 0, high: 0.99, condition: {param: optimizer, equals: sgd}}
              epochs: 20
              name: {type: fixed, value: run}
            """, "space.yaml");
        Assert.Equal(["lr", "layers", "units", "act", "optimizer", "momentum", "epochs", "name"], space.Params.Select(p => p.Name));
        var lr = space.Params[0];
        Assert.Equal((ParamKind.Float, 1e-5, 0.1, true), (lr.Kind, lr.Low, lr.High, lr.Log));
        Assert.Equal(3, lr.Line);
        Assert.Equal(32, space.Params[2].Step);
        Assert.Equal(["relu", "tanh", "1"], space.Params[3].Choices);
        Assert.Equal("optimizer", space.Params[5].Condition!.Param);
        Assert.Equal("sgd", space.Params[5].Condition!.Values[0]);
        Assert.Equal(20L, space.Params[6].Value);
        Assert.Equal((ParamKind.Fixed, "run"), (space.Params[7].Kind, space.Params[7].Value));
    }

    [Fact]
    public void The_benchmark_space_schema_is_accepted_as_is()
    {
        var space = SpaceParser.ParseFile(Path.Combine(AppContext.BaseDirectory, "Sweeps", "Fixtures", "ml_surrogate.json"));
        Assert.Equal(8, space.Params.Count);
        var momentum = space.Params.Single(p => p.Name == "momentum");
        Assert.Equal("optimizer", momentum.Condition!.Param);
        Assert.True(space.Params.Single(p => p.Name == "batch_size") is { Kind: ParamKind.Int, Log: true, Low: 16, High: 512 });
    }

    [Fact]
    public void Conditional_parameters_are_sampled_only_when_their_condition_holds()
    {
        var space = SpaceParser.Parse("""
            params:
              momentum: {type: float, low: 0, high: 0.99, condition: {param: optimizer, in: [sgd]}}
              optimizer: [adam, sgd]
              epochs: 3
            """, "s.yaml");
        var study = Study.Create(sampler: new Labbook.Tuning.RandomSampler(1));
        var seen = new HashSet<bool>();
        for (var i = 0; i < 20; i++)
        {
            var trial = study.Ask();
            var values = space.Sample(trial);
            Assert.Equal(values["optimizer"] is "sgd", values.ContainsKey("momentum"));
            Assert.Equal(3L, values["epochs"]);
            seen.Add(values.ContainsKey("momentum"));
            study.Tell(trial, 1.0);
        }
        Assert.Equal(2, seen.Count);
    }

    [Theory]
    [InlineData("params:\n  lr: {type: float, low: 1, high: 0.1}\n", 2, "low (1) must not be greater than high (0.1)")]
    [InlineData("params:\n  a: [x]\n  lr: {type: float, low: 0, high: 1, log: true}\n", 3, "log-scaled range needs low > 0")]
    [InlineData("params:\n  lr:\n    type: float\n    low: 0\n    high: one\n", 5, "'high' must be a number")]
    [InlineData("params:\n  n: {type: int, low: 1.5, high: 3}\n", 2, "'low' must be an integer")]
    [InlineData("params:\n  a: {type: floot, low: 0, high: 1}\n", 2, "unknown type 'floot'")]
    [InlineData("params:\n  a: {type: float, lo: 0, high: 1}\n", 2, "unknown key 'lo'")]
    [InlineData("params:\n  a: {type: categorical, choices: []}\n", 2, "'choices' must not be empty")]
    [InlineData("params:\n  a: [x, y]\n  b:\n    type: float\n    low: 0\n    high: 1\n    condition: {param: c, equals: x}\n", 3, "condition names 'c'")]
    [InlineData("params:\n  a: [x, y]\n  b: {type: int, low: 0, high: 1, condition: {param: a, equals: z}}\n", 3, "'z' is not a choice of 'a'")]
    [InlineData("params:\n  a: [x, y]\n  a: [z]\n", 3, "")]
    [InlineData("params:\n  a: {type: float, low: 0, high: 1\n", 3, "not valid YAML/JSON")]
    [InlineData("name: x\n", 1, "no 'params' key")]
    [InlineData("params:\n  \"a b\": [x]\n", 2, "parameter name 'a b'")]
    [InlineData("params:\n  a: {type: float, low: 1, high: 2, log: true, step: 0.5}\n", 2, "'step' and 'log' cannot be used together")]
    public void An_invalid_space_names_the_file_the_line_and_the_problem(string yaml, int line, string problem)
    {
        var e = Bad(yaml);
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"space.yaml line {line}: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_space_reports_lines_too()
    {
        var e = Assert.Throws<SearchSpaceException>(() => SpaceParser.Parse("{\n  \"params\": {\n    \"x\": {\"type\": \"float\", \"low\": 2, \"high\": 1}\n  }\n}\n", "space.json"));
        Assert.Equal(3, e.Line);
        Assert.StartsWith("space.json line 3: x: low (2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<SearchSpaceException>(() => SpaceParser.ParseFile("/nonexistent/space.yaml"));
        Assert.Contains("cannot read the space file", e.Message, StringComparison.Ordinal);
    }
}
