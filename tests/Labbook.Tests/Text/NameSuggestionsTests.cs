using Labbook.Text;

namespace Labbook.Tests.Text;

public class NameSuggestionsTests
{
    [Theory]
    [InlineData("--trails", "--trials")]
    [InlineData("--retires", "--retries")]
    [InlineData("--tiemout", "--timeout")]
    [InlineData("val_los", "val_loss")]
    [InlineData("lss", "ls")]
    [InlineData("VAL_LOSS", "val_loss")]
    public void A_typo_finds_the_name_meant(string typo, string meant)
    {
        string[] known = ["--trials", "--retries", "--timeout", "val_loss", "val_acc", "ls", "show", "--tag"];
        Assert.Equal(meant, NameSuggestions.Closest(typo, known));
    }

    [Theory]
    [InlineData("zzzzzz")]
    [InlineData("--frobnicate")]
    public void A_name_far_from_every_candidate_has_no_suggestion(string input)
    {
        Assert.Null(NameSuggestions.Closest(input, ["--trials", "val_loss", "ls"]));
        Assert.Equal("", NameSuggestions.DidYouMean(input, ["--trials", "val_loss", "ls"]));
    }

    [Fact]
    public void The_nearest_of_several_close_names_wins()
    {
        Assert.Equal("val_loss", NameSuggestions.Closest("val_loss2", ["val_acc", "val_loss", "train_loss"]));
        Assert.Equal(" (did you mean 'val_loss'?)", NameSuggestions.DidYouMean("val_lsos", ["val_loss"]));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    [InlineData("ab", "ba", 1)]
    [InlineData("abcd", "acbd", 1)]
    public void Distance_counts_edits_with_adjacent_swaps_as_one(string a, string b, int expected)
    {
        Assert.Equal(expected, NameSuggestions.Distance(a, b));
        Assert.Equal(expected, NameSuggestions.Distance(b, a));
    }
}
