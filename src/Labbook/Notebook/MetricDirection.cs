using System.Text.RegularExpressions;

namespace Labbook.Notebook;

/// <summary>
/// Whether lower or higher is better for a metric, so that reports can say which value is the
/// best: from the entry's predictions when one names the metric, else from common metric names.
/// </summary>
public static partial class MetricDirection
{
    /// <summary>
    /// True when lower is better, false when higher is, null when neither the predictions nor the
    /// name tell (then a report shows min and max, not a best).
    /// </summary>
    /// <param name="metric">The metric's name, e.g. <c>val_loss</c>.</param>
    /// <param name="predictions">Predictions as written (those that do not parse are ignored).</param>
    public static bool? LowerIsBetter(string metric, IEnumerable<string>? predictions = null)
    {
        ArgumentNullException.ThrowIfNull(metric);
        foreach (var text in predictions ?? [])
        {
            if (Prediction.TryParse(text, out var p, out _) && string.Equals(p!.PrimaryMetric, metric, StringComparison.Ordinal))
            {
                return p.LowerIsBetter;
            }
        }
        var name = metric.ToLowerInvariant();
        if (Lower().IsMatch(name))
        {
            return true;
        }
        return Higher().IsMatch(name) ? false : null;
    }

    // Whole words of a name split on _ - / . or a digit: "val_loss", "top1_err", "eval/wer".
    [GeneratedRegex(@"(^|[_\-/.\d])(loss|nll|err|error|mse|mae|rmse|perplexity|ppl|wer|cer|fid|regret|latency)($|[_\-/.\d])")]
    private static partial Regex Lower();

    [GeneratedRegex(@"(^|[_\-/.\d])(acc|accuracy|f1|auc|auroc|precision|recall|bleu|rouge|reward|return|score|iou|map|r2|psnr|ssim)($|[_\-/.\d])")]
    private static partial Regex Higher();
}
