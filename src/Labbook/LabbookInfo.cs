using System.Reflection;

namespace Labbook;

/// <summary>Facts about this build of Labbook.</summary>
public static class LabbookInfo
{
    /// <summary>The version, from the assembly's informational version without build metadata.</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var v = typeof(LabbookInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }
}
