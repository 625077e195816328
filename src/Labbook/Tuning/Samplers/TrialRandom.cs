namespace Labbook.Tuning;

/// <summary>
/// The randomness of one draw of a seeded sampler, from (seed, trial number, parameter, purpose) alone. A sampler that
/// kept one <see cref="Random"/> per instance replayed the same sequence in every new process: a seeded study
/// continued or resumed drew its first trials' parameters again. Derived this way, a trial's draws are the same
/// whichever process makes them (reproducible) and differ from every other trial's (never repeated).
/// </summary>
internal static class TrialRandom
{
    /// <summary>What a draw is for, so that two draws of one trial and parameter never share a stream.</summary>
    internal enum Purpose
    {
        /// <summary>An independent draw of one parameter (random sampling, TPE's startup phase).</summary>
        Independent = 1,

        /// <summary>TPE's candidates.</summary>
        Candidates = 2,

        /// <summary>CMA-ES's sample of the generation's distribution.</summary>
        CmaEs = 3,

        /// <summary>The Gaussian process's candidate search.</summary>
        GaussianProcess = 4,

        /// <summary>The grid point a trial takes.</summary>
        Grid = 5,
    }

    /// <summary>A generator for one draw of trial <paramref name="trialNumber"/>; <paramref name="name"/> names the parameter(s).</summary>
    public static Random For(int seed, int trialNumber, string name, Purpose purpose)
    {
        var state = Mix((ulong)(uint)seed);
        state = Mix(state ^ (ulong)(uint)trialNumber);
        state = Mix(state ^ (ulong)purpose);
        state = Mix(state ^ StableHash(name));
        return new Random((int)(state >> 33));
    }

    /// <summary>The names of a joint draw as one key (order as given: callers pass them in a fixed order).</summary>
    public static string Key(IEnumerable<string> names) => string.Join('\u0001', names);

    /// <summary>FNV-1a over the UTF-16 code units: the same in every process (string.GetHashCode is randomised per process).</summary>
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>SplitMix64's finaliser: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
