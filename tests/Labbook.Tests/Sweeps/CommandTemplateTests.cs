using Labbook.Sweeps;

namespace Labbook.Tests.Sweeps;

public class CommandTemplateTests
{
    private static readonly SearchSpace Space = InlineSpace.Parse(["lr=log:1e-5..1e-1", "act=relu,tanh", "mom=0..1"]);

    [Fact]
    public void Placeholders_are_replaced_inside_arguments_and_other_braces_stay()
    {
        var t = new CommandTemplate(["python", "train.py", "--lr", "{lr}", "--act={act}", "{}", "{\"a\": 1}", "--mom={mom}"], Space);
        var argv = t.Render(new Dictionary<string, object?> { ["lr"] = 0.001, ["act"] = "a; rm -rf ~ `x` $(y)" });
        Assert.Equal(["python", "train.py", "--lr", "0.001", "--act=a; rm -rf ~ `x` $(y)", "{}", "{\"a\": 1}"], argv);
    }

    [Fact]
    public void A_placeholder_naming_no_parameter_is_refused_with_its_argument()
    {
        var e = Assert.Throws<ArgumentException>(() => new CommandTemplate(["train", "--layers", "{layers}"], Space));
        Assert.Contains("placeholder {layers} in argument 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("parameters: lr, act, mom", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_and_variable_names_are_formatted_invariantly()
    {
        Assert.Equal("1E-05", CommandTemplate.Text(1e-5));
        Assert.Equal("3", CommandTemplate.Text(3L));
        Assert.Equal("true", CommandTemplate.Text(true));
        Assert.Equal("LAB_PARAM_BATCH_SIZE", CommandTemplate.VariableName("batch-size"));
    }
}
