using System.Text.Json.Nodes;
using CsCheck;
using Labbook.Queue;

namespace Labbook.Tests.Queue;

public class ItemFactoryTests
{
    [Fact]
    public void A_value_with_shell_characters_stays_one_argument()
    {
        var argv = Placeholders.Resolve(["sh", "-c", "echo", "--x={x}"], new Dictionary<string, JsonNode?> { ["x"] = "a; rm -rf ~" });
        Assert.Equal(["sh", "-c", "echo", "--x=a; rm -rf ~"], argv);
    }

    [Fact]
    public void A_placeholder_naming_no_param_is_an_error_and_braces_escape()
    {
        var req = new AddRequest { Argv = ["echo", "{lr}"], Template = new QueueItem() };
        var e = Assert.Throws<ArgumentException>(() => ItemFactory.Expand(req, "g"));
        Assert.Contains("{lr}", e.Message, StringComparison.Ordinal);
        Assert.Equal(["{lr}", "}"], Placeholders.Resolve(["{{lr}}", "}}"], new Dictionary<string, JsonNode?>()));
        Assert.Equal("{{a}}", Placeholders.Escape("{a}"));
    }

    [Fact]
    public void Param_environment_names_are_upper_case_and_safe()
    {
        Assert.Equal("LAB_PARAM_LEARNING_RATE", Placeholders.EnvironmentName("learning-rate"));
    }

    private static readonly Gen<List<KeyValuePair<string, List<JsonNode?>>>> GenGrid =
        Gen.Int[1, 3].SelectMany(axes => Gen.Int[1, 4].Array[axes].Select(sizes =>
            sizes.Select((size, a) => KeyValuePair.Create("k" + a, Enumerable.Range(0, size).Select(v => (JsonNode?)JsonValue.Create(v)).ToList())).ToList()));

    [Fact]
    public void Property_grid_is_the_product_with_unique_combinations()
    {
        GenGrid.Sample(grid =>
        {
            var req = new AddRequest { Argv = ["train", .. grid.Select(g => "{" + g.Key + "}")], Grid = grid, Template = new QueueItem(), Params = new() { ["base"] = 1 } };
            var items = ItemFactory.Expand(req, "g1");
            Assert.Equal(grid.Aggregate(1, (n, g) => n * g.Value.Count), items.Count);
            Assert.Equal(items.Count, items.Select(i => string.Join(' ', i.ResolvedArgv())).Distinct().Count());
            Assert.All(items, i => Assert.Equal(1, (int)i.Params["base"]!));
            Assert.All(items, i => Assert.Contains(ItemFactory.GridTag, i.Tags));
        });
    }

    [Fact]
    public void Property_ablation_is_one_baseline_plus_one_variant_per_switch()
    {
        Gen.Int[1, 6].Sample(n =>
        {
            var baseParams = Enumerable.Range(0, n).ToDictionary(i => "c" + i, i => (JsonNode?)JsonValue.Create(true));
            var req = new AddRequest
            {
                Argv = ["train", .. baseParams.Keys.Select(k => "--" + k + "={" + k + "}")],
                Params = baseParams,
                Ablate = [.. baseParams.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)JsonValue.Create(false)))],
                Template = new QueueItem { Why = "w" },
            };
            var items = ItemFactory.Expand(req, "g2");
            Assert.Equal(n + 1, items.Count);
            var baseline = Assert.Single(items, i => i.Tags.Contains(ItemFactory.BaselineTag));
            Assert.Null(baseline.Ablate);
            Assert.All(items, i => Assert.Equal("g2", i.Group));
            Assert.Equal(items.Count, items.Select(i => string.Join(' ', i.ResolvedArgv())).Distinct().Count());
            foreach (var variant in items.Where(i => i != baseline))
            {
                var differing = variant.Params.Where(p => Placeholders.Text(p.Value) != Placeholders.Text(baseline.Params[p.Key])).Select(p => p.Key).ToList();
                Assert.Equal(variant.Ablate!.Keys.ToList(), differing);
            }
        });
    }

    [Fact]
    public void An_ablation_equal_to_the_baseline_is_refused()
    {
        var req = new AddRequest { Argv = ["x"], Params = new() { ["a"] = true }, Ablate = [KeyValuePair.Create("a", (JsonNode?)JsonValue.Create(true))], Template = new QueueItem() };
        Assert.Throws<ArgumentException>(() => ItemFactory.Expand(req, "g"));
    }
}
