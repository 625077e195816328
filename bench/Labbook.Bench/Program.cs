using BenchmarkDotNet.Running;
using Labbook.Bench;

// Whole-run comparisons print their ratios; `micro` hands over to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "logging" => LoggingBench.Run(args[1..]),
    "launch" => LaunchBench.Run(args[1..]),
    "listing" => ListingBench.Run(args[1..]),
    "micro" => RunMicro(args[1..]),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(LoggingBench).Assembly).Run(rest);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: Labbook.Bench logging [--points N] [--dir DIR]   run.Log vs one FileStream vs Python csv.writer
               Labbook.Bench launch --lab PATH [--runs N]       `lab run -- true` vs `true`, whole process
               Labbook.Bench listing [--runs N] [--lab PATH] [--dir DIR] [--keep]   folder scan vs run index, and `lab ls`
               Labbook.Bench micro [BenchmarkDotNet args]       micro-benchmarks (metric formatting, reading, crash-point hooks)
        """);
    return 2;
}
