namespace Labbook.Cli;

internal static class Program
{
    private static int Main(string[] args) => LabApp.Run(args);
}
