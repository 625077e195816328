using System.CommandLine;

namespace Labbook.Cli;

/// <summary>Builds the command tree and runs it.</summary>
internal static class LabApp
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Labbook: track runs, keep a lab notebook, plan the night, search hyperparameters.");
        return root.Parse(args).Invoke();
    }
}
