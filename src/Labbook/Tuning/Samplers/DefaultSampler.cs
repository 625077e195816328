namespace Labbook.Tuning.Samplers;

/// <summary>The sampler a study uses when none is given.</summary>
public static class DefaultSampler
{
    /// <summary>
    /// Creates the default sampler, an <see cref="AutoSampler"/> with its defaults: Gaussian-process
    /// Bayesian optimization for the first 100 trials of all-numeric spaces, then CMA-ES started at
    /// the best trial; TPE (Optuna 3.1 density) for spaces with categorical or conditional parameters. See
    /// docs/samplers.md for the benchmark evidence behind this choice.
    /// </summary>
    /// <param name="seed">Seed for reproducible draws, or null.</param>
    public static ISampler Create(int? seed = null) => new AutoSampler(seed);
}
