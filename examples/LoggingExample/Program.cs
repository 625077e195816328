// A toy training loop that logs through the Labbook library. Run it on its own
// (`dotnet run --project examples/LoggingExample`) and it records a run of its own; run it under
// `lab run -- dotnet ...` and it attaches to the run that lab started.
using System.Globalization;
using Labbook.Runs;

var epochs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var run = Run.Current;
var lr = run.Params.TryGetValue("lr", out var p) && p is not null ? p.GetValue<double>() : 0.1;

// Gradient descent on f(w) = (w - 3)^2: the "loss" falls, the "accuracy" rises.
var w = 0.0;
for (var epoch = 0; epoch < epochs; epoch++)
{
    var loss = (w - 3) * (w - 3);
    var acc = 1 - (loss / 9);
    run.Log(epoch, new { loss, acc });
    w -= lr * 2 * (w - 3);
}
run.SetSummary("final_w", w);
Console.WriteLine($"done: w={w.ToString("0.0000", CultureInfo.InvariantCulture)} run={run.Id}");
