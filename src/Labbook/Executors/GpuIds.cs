namespace Labbook.Executors;

/// <summary>
/// The GPU list of <c>--gpus 0,1</c>: each id becomes one slot's <c>CUDA_VISIBLE_DEVICES</c>, so an id
/// the driver cannot read (<c>a</c>, <c>-1</c>, which hides every GPU) or a repeated one (two slots
/// on one GPU) would only fail, or silently run on the CPU, hours later.
/// </summary>
public static class GpuIds
{
    /// <summary>Parses a comma-separated list of GPU indices (0, 1, ...) or UUIDs (GPU-..., MIG-...).</summary>
    /// <exception cref="FormatException">The list is empty or an id is malformed or repeated; the message names it.</exception>
    public static IReadOnlyList<string> Parse(string text, string option = "--gpus")
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(option);
        var ids = text.Split(',', StringSplitOptions.TrimEntries);
        if (ids.All(i => i.Length == 0))
        {
            throw new FormatException($"{option}: no GPU given (e.g. {option} 0,1)");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            if (id.Length == 0)
            {
                throw new FormatException($"{option} {text}: an empty GPU id (two commas, or one at an end)");
            }
            if (!IsValid(id))
            {
                throw new FormatException($"{option}: '{Workspaces.Names.Escape(id)}' is not a GPU id (an index 0, 1, ... as nvidia-smi lists them, or a GPU-/MIG- UUID)");
            }
            if (!seen.Add(id))
            {
                throw new FormatException($"{option}: GPU {id} is listed twice (each slot needs its own GPU)");
            }
        }
        return ids;
    }

    private static bool IsValid(string id) =>
        id.All(char.IsAsciiDigit)
        || ((id.StartsWith("GPU-", StringComparison.Ordinal) || id.StartsWith("MIG-", StringComparison.Ordinal))
            && id.Length > 4 && id.Skip(4).All(c => char.IsAsciiHexDigit(c) || c is '-' or '/'));
}
