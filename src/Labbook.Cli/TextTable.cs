using System.Globalization;
using System.Text;
using Labbook.Workspaces;

namespace Labbook.Cli;

/// <summary>
/// A plain-text table that fits a given width without ever wrapping a cell: columns are dropped
/// from the least important up until the rest fits, and the caller is told which. Each cell is one
/// line (control characters escaped); a cell longer than its column's cap is cut with an ellipsis.
/// </summary>
internal sealed class TextTable
{
    private const string Gap = "  ";
    private readonly List<Column> _columns = [];
    private readonly List<string?[]> _rows = [];
    private readonly List<string?> _rowStyles = [];

    /// <summary>Adds a column. Lower <paramref name="priority"/> values are kept longest.</summary>
    public void AddColumn(string header, int priority, bool rightAligned = false, int maxWidth = int.MaxValue) =>
        _columns.Add(new Column(Names.Escape(header), priority, rightAligned, maxWidth));

    /// <summary>Adds a row: one cell per column (null for empty); <paramref name="statusColor"/> is the ANSI colour of the coloured column, or null.</summary>
    public void AddRow(IReadOnlyList<string?> cells, string? statusColor = null)
    {
        _rows.Add([.. cells.Select(c => c is null ? null : Names.Escape(c))]);
        _rowStyles.Add(statusColor);
    }

    /// <summary>The index of the column whose cells a row's colour applies to, or -1.</summary>
    public int ColoredColumn { get; set; } = -1;

    /// <summary>Renders the table within <paramref name="width"/> characters per line.</summary>
    /// <param name="width">The terminal width.</param>
    /// <param name="color">Use ANSI colour for the coloured column.</param>
    /// <param name="dropped">The headers of the columns left out, in display order.</param>
    public string Render(int width, bool color, out IReadOnlyList<string> dropped)
    {
        var widths = _columns.Select((c, i) => Math.Min(c.MaxWidth, Math.Max(c.Header.Length, _rows.Count == 0 ? 0 : _rows.Max(r => Cell(r, i).Length)))).ToArray();
        var shown = Enumerable.Range(0, _columns.Count).ToList();
        int Total() => shown.Sum(i => widths[i]) + (Gap.Length * Math.Max(0, shown.Count - 1));
        while (Total() > width && shown.Count > 1)
        {
            var least = shown.MaxBy(i => (_columns[i].Priority, i));
            shown.Remove(least);
        }
        dropped = [.. Enumerable.Range(0, _columns.Count).Where(i => !shown.Contains(i)).Select(i => _columns[i].Header)];
        var sb = new StringBuilder();
        AppendLine(sb, shown, widths, i => _columns[i].Header, color: null);
        AppendLine(sb, shown, widths, i => new string('─', widths[i]), color: null);
        for (var r = 0; r < _rows.Count; r++)
        {
            var row = _rows[r];
            AppendLine(sb, shown, widths, i => Cell(row, i), color ? _rowStyles[r] : null);
        }
        return sb.ToString();
    }

    private static string Cell(string?[] row, int i) => i < row.Length ? row[i] ?? "" : "";

    private void AppendLine(StringBuilder sb, List<int> shown, int[] widths, Func<int, string> text, string? color)
    {
        var line = new StringBuilder();
        for (var k = 0; k < shown.Count; k++)
        {
            var i = shown[k];
            var cell = Fit(text(i), widths[i]);
            var pad = new string(' ', widths[i] - cell.Length);
            var painted = color is not null && i == ColoredColumn && cell.Length > 0 ? $"\u001b[{color}m{cell}\u001b[0m" : cell;
            if (k > 0)
            {
                line.Append(Gap);
            }
            if (_columns[i].RightAligned)
            {
                line.Append(pad).Append(painted);
            }
            else
            {
                line.Append(painted);
                if (k < shown.Count - 1)
                {
                    line.Append(pad);
                }
            }
        }
        sb.Append(line.ToString().TrimEnd()).Append('\n');
    }

    private static string Fit(string text, int width) =>
        text.Length <= width ? text : string.Concat(text.AsSpan(0, Math.Max(0, width - 1)), "…");

    /// <summary>A number at <paramref name="significant"/> significant digits; full precision (shortest round-trip) when null.</summary>
    public static string Number(double value, int? significant)
    {
        if (!double.IsFinite(value))
        {
            return Labbook.Json.MetricText.FormatValue(value);
        }
        if (significant is not { } digits)
        {
            return Labbook.Json.MetricText.FormatValue(value);
        }
        if (value == 0)
        {
            return "0";
        }
        var abs = Math.Abs(value);
        if (value == Math.Floor(value) && abs < 1e9)
        {
            return value.ToString("0", CultureInfo.InvariantCulture);
        }
        var magnitude = (int)Math.Floor(Math.Log10(abs));
        if (magnitude is >= -3 and < 6)
        {
            var decimals = Math.Max(0, digits - 1 - magnitude);
            return Math.Round(value, Math.Min(15, decimals), MidpointRounding.AwayFromZero).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
        }
        return value.ToString("0." + new string('#', digits - 1) + "e0", CultureInfo.InvariantCulture);
    }

    private sealed record Column(string Header, int Priority, bool RightAligned, int MaxWidth);
}
