namespace Labbook.Cli.Charts;

/// <summary>
/// The colours of runs on every chart (PNG, SVG and the HTML pages): 20 distinguishable colours (Tableau 10, then
/// ten darker or lighter ones), after which the colours repeat with dashed lines.
/// </summary>
internal static class Palette
{
    /// <summary>The colours, as <c>#rrggbb</c>.</summary>
    public static readonly IReadOnlyList<string> Colors =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#000000", "#9edae5", "#ffbb78", "#98df8a", "#c5b0d5",
    ];

    /// <summary>The colour of the <paramref name="index"/>-th series.</summary>
    public static string Color(int index) => Colors[index % Colors.Count];

    /// <summary>Whether the <paramref name="index"/>-th series is dashed (every other round of the palette).</summary>
    public static bool Dashed(int index) => index / Colors.Count % 2 == 1;
}
