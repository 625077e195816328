using System.Numerics;
using System.Runtime.CompilerServices;

namespace Labbook.Metrics;

/// <summary>
/// Formats finite doubles as UTF-8, byte for byte as
/// <c>value.TryFormat(destination, out written, default, CultureInfo.InvariantCulture)</c> does
/// (shortest round-trip digits; plain notation for 1e-4 &lt;= |v| &lt; 1e17, otherwise
/// <c>d.dddE+XX</c>; <c>-0</c> for negative zero), several times faster.
/// </summary>
/// <remarks>
/// The digits come from Ulf Adams' Ryu ("Ryū: fast float-to-string conversion", PLDI 2018,
/// reference implementation d2s.c): one 64×128-bit multiplication by a table entry per bound,
/// then removal of the digits the rounding interval does not need. The two tables of 125-bit
/// powers of five are computed once with <see cref="BigInteger"/> (about 700 entries) on first use.
/// </remarks>
internal static class ShortestDouble
{
    /// <summary>Enough for every output: sign, 17 digits, point, <c>E-324</c> or <c>0.000</c>.</summary>
    public const int MaxLength = 26;

    private const int MantissaBits = 52;
    private const int ExponentBits = 11;
    private const int Bias = 1023;
    private const int Pow5InvBitCount = 125;
    private const int Pow5BitCount = 125;
    private const int Pow5InvTableSize = 342;
    private const int Pow5TableSize = 326;

    /// <summary>Beyond this many integer digits .NET switches to exponent notation (its round-trip digit count).</summary>
    private const int MaxPlainScale = 17;

    /// <summary>At this decimal exponent and below (0.0000d) .NET switches to exponent notation.</summary>
    private const int MinPlainScale = -3;

    private static readonly ulong[] Pow5InvSplit = ComputePow5InvSplit();
    private static readonly ulong[] Pow5Split = ComputePow5Split();

    /// <summary>"00" "01" ... "99": two digits per lookup.</summary>
    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>
    /// Writes a finite <paramref name="value"/>; false (and nothing written) when
    /// <paramref name="destination"/> is too short. Non-finite values are the caller's business.
    /// </summary>
    public static bool TryFormat(double value, Span<byte> destination, out int written)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        var negative = (long)bits < 0;
        var ieeeMantissa = bits & ((1UL << MantissaBits) - 1);
        var ieeeExponent = (int)(bits >> MantissaBits) & ((1 << ExponentBits) - 1);

        ulong output;
        int exponent;
        if (ieeeExponent == 0 && ieeeMantissa == 0)
        {
            output = 0;
            exponent = 0;
        }
        else if (!TrySmallInteger(ieeeMantissa, ieeeExponent, out output))
        {
            output = Shortest(ieeeMantissa, ieeeExponent, out exponent);
        }
        else
        {
            exponent = 0;
            // An integer keeps its trailing zeros in the mantissa; move them to the exponent.
            while (output != 0)
            {
                var q = output / 10;
                if (output - (q * 10) != 0)
                {
                    break;
                }
                output = q;
                exponent++;
            }
        }
        return Write(negative, output, exponent, destination, out written);
    }

    /// <summary>Integers below 2^53 are their own shortest representation (Ryu's d2d_small_int).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TrySmallInteger(ulong ieeeMantissa, int ieeeExponent, out ulong value)
    {
        var m2 = (1UL << MantissaBits) | ieeeMantissa;
        var e2 = ieeeExponent - Bias - MantissaBits;
        if (e2 > 0 || e2 < -MantissaBits)
        {
            value = 0;
            return false;
        }
        var mask = (1UL << -e2) - 1;
        if ((m2 & mask) != 0)
        {
            value = 0;
            return false;
        }
        value = m2 >> -e2;
        return true;
    }

    /// <summary>Ryu's d2d: the shortest decimal <c>output × 10^exponent</c> that parses back to the double.</summary>
    private static ulong Shortest(ulong ieeeMantissa, int ieeeExponent, out int exponent)
    {
        int e2;
        ulong m2;
        if (ieeeExponent == 0)
        {
            // Two extra bits so that the bounds (halfway to the neighbours) are integers.
            e2 = 1 - Bias - MantissaBits - 2;
            m2 = ieeeMantissa;
        }
        else
        {
            e2 = ieeeExponent - Bias - MantissaBits - 2;
            m2 = (1UL << MantissaBits) | ieeeMantissa;
        }
        // Round-half-even parsing accepts the bounds themselves when the mantissa is even.
        var acceptBounds = (m2 & 1) == 0;

        var mv = 4 * m2;
        // The lower neighbour is closer (half the spacing) at a power of two, except at the bottom.
        var mmShift = ieeeMantissa != 0 || ieeeExponent <= 1 ? 1u : 0u;

        ulong vr, vp, vm;
        int e10;
        var vmIsTrailingZeros = false;
        var vrIsTrailingZeros = false;
        if (e2 >= 0)
        {
            var q = Log10Pow2(e2) - (e2 > 3 ? 1 : 0);
            e10 = q;
            var k = Pow5InvBitCount + Pow5Bits(q) - 1;
            var i = -e2 + q + k;
            vr = MulShiftAll(m2, Pow5InvSplit, q, i, out vp, out vm, mmShift);
            if (q <= 21)
            {
                // At most one of mp, mv and mm is a multiple of 5.
                if (mv % 5 == 0)
                {
                    vrIsTrailingZeros = IsMultipleOfPowerOf5(mv, q);
                }
                else if (acceptBounds)
                {
                    vmIsTrailingZeros = IsMultipleOfPowerOf5(mv - 1 - mmShift, q);
                }
                else
                {
                    vp -= IsMultipleOfPowerOf5(mv + 2, q) ? 1UL : 0UL;
                }
            }
        }
        else
        {
            var q = Log10Pow5(-e2) - (-e2 > 1 ? 1 : 0);
            e10 = q + e2;
            var i = -e2 - q;
            var k = Pow5Bits(i) - Pow5BitCount;
            var j = q - k;
            vr = MulShiftAll(m2, Pow5Split, i, j, out vp, out vm, mmShift);
            if (q <= 1)
            {
                // mv = 4 m2 has at least two trailing zero bits.
                vrIsTrailingZeros = true;
                if (acceptBounds)
                {
                    // mm = mv - 1 - mmShift has one trailing zero bit exactly when mmShift is 1.
                    vmIsTrailingZeros = mmShift == 1;
                }
                else
                {
                    // mp = mv + 2 always has at least one trailing zero bit.
                    --vp;
                }
            }
            else if (q < 63)
            {
                // The full product has q trailing decimal zeros iff mv has q trailing zero bits (-e2 >= q).
                vrIsTrailingZeros = (mv & ((1UL << q) - 1)) == 0;
            }
        }

        var removed = 0;
        ulong result;
        if (vmIsTrailingZeros || vrIsTrailingZeros)
        {
            // Rare general case (~0.7%): exact ties and bounds need the removed digits' history.
            var lastRemovedDigit = 0;
            while (true)
            {
                var vpDiv10 = vp / 10;
                var vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10)
                {
                    break;
                }
                var vmMod10 = (int)(vm - (10 * vmDiv10));
                var vrDiv10 = vr / 10;
                var vrMod10 = (int)(vr - (10 * vrDiv10));
                vmIsTrailingZeros &= vmMod10 == 0;
                vrIsTrailingZeros &= lastRemovedDigit == 0;
                lastRemovedDigit = vrMod10;
                vr = vrDiv10;
                vp = vpDiv10;
                vm = vmDiv10;
                ++removed;
            }
            if (vmIsTrailingZeros)
            {
                while (true)
                {
                    var vmDiv10 = vm / 10;
                    var vmMod10 = (int)(vm - (10 * vmDiv10));
                    if (vmMod10 != 0)
                    {
                        break;
                    }
                    var vpDiv10 = vp / 10;
                    var vrDiv10 = vr / 10;
                    var vrMod10 = (int)(vr - (10 * vrDiv10));
                    vrIsTrailingZeros &= lastRemovedDigit == 0;
                    lastRemovedDigit = vrMod10;
                    vr = vrDiv10;
                    vp = vpDiv10;
                    vm = vmDiv10;
                    ++removed;
                }
            }
            if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0)
            {
                // Exactly halfway (...50000): round to even.
                lastRemovedDigit = 4;
            }
            var roundUp = (vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5;
            result = vr + (roundUp ? 1UL : 0UL);
        }
        else
        {
            // Common case: no exact ties possible, so only the last removed digit matters.
            var roundUp = false;
            var vpDiv100 = vp / 100;
            var vmDiv100 = vm / 100;
            if (vpDiv100 > vmDiv100)
            {
                var vrDiv100 = vr / 100;
                var vrMod100 = (int)(vr - (100 * vrDiv100));
                roundUp = vrMod100 >= 50;
                vr = vrDiv100;
                vp = vpDiv100;
                vm = vmDiv100;
                removed += 2;
            }
            while (true)
            {
                var vpDiv10 = vp / 10;
                var vmDiv10 = vm / 10;
                if (vpDiv10 <= vmDiv10)
                {
                    break;
                }
                var vrDiv10 = vr / 10;
                var vrMod10 = (int)(vr - (10 * vrDiv10));
                roundUp = vrMod10 >= 5;
                vr = vrDiv10;
                vp = vpDiv10;
                vm = vmDiv10;
                ++removed;
            }
            result = vr + (vr == vm || roundUp ? 1UL : 0UL);
        }
        exponent = e10 + removed;
        // Rounding up can leave trailing zeros (199 -> 200); .NET prints none.
        while (true)
        {
            var q = result / 10;
            if (result - (q * 10) != 0)
            {
                break;
            }
            result = q;
            exponent++;
        }
        return result;
    }

    /// <summary>Lays out <c>digits × 10^exponent</c> the way .NET's "G" with shortest round-trip precision does.</summary>
    private static bool Write(bool negative, ulong digits, int exponent, Span<byte> destination, out int written)
    {
        var length = DecimalLength(digits);
        // .NET's "scale": the value is 0.d1d2... × 10^scale.
        var scale = length + exponent;
        var sign = negative ? 1 : 0;
        int needed;
        if (digits == 0)
        {
            needed = sign + 1;
        }
        else if (scale > MaxPlainScale || scale < MinPlainScale)
        {
            var e = scale - 1;
            var exponentDigits = e is >= 100 or <= -100 ? 3 : 2;
            needed = sign + length + (length > 1 ? 1 : 0) + 2 + exponentDigits;
        }
        else if (scale <= 0)
        {
            needed = sign + 2 - scale + length;
        }
        else
        {
            needed = sign + Math.Max(length, scale) + (length > scale ? 1 : 0);
        }
        if (destination.Length < needed)
        {
            written = 0;
            return false;
        }
        written = needed;

        var pos = 0;
        if (negative)
        {
            destination[pos++] = (byte)'-';
        }
        if (digits == 0)
        {
            destination[pos] = (byte)'0';
            return true;
        }
        if (scale > MaxPlainScale || scale < MinPlainScale)
        {
            // d.ddddE+XX: write all digits one place right, then pull the first one in front of the point.
            WriteDigits(digits, destination.Slice(pos + 1, length));
            destination[pos] = destination[pos + 1];
            pos++;
            if (length > 1)
            {
                destination[pos] = (byte)'.';
                pos += length;
            }
            destination[pos++] = (byte)'E';
            var e = scale - 1;
            if (e < 0)
            {
                destination[pos++] = (byte)'-';
                e = -e;
            }
            else
            {
                destination[pos++] = (byte)'+';
            }
            if (e >= 100)
            {
                destination[pos++] = (byte)('0' + (e / 100));
                e %= 100;
            }
            destination[pos] = DigitPairs[2 * e];
            destination[pos + 1] = DigitPairs[(2 * e) + 1];
            return true;
        }
        if (scale <= 0)
        {
            // 0.000ddd
            destination[pos++] = (byte)'0';
            destination[pos++] = (byte)'.';
            for (var z = scale; z < 0; z++)
            {
                destination[pos++] = (byte)'0';
            }
            WriteDigits(digits, destination.Slice(pos, length));
            return true;
        }
        if (length <= scale)
        {
            // An integer: digits then zeros.
            WriteDigits(digits, destination.Slice(pos, length));
            destination.Slice(pos + length, scale - length).Fill((byte)'0');
            return true;
        }
        // ddd.ddd: write the digits one place right, then shift the integer part left over the point.
        WriteDigits(digits, destination.Slice(pos + 1, length));
        destination.Slice(pos + 1, scale).CopyTo(destination.Slice(pos, scale));
        destination[pos + scale] = (byte)'.';
        return true;
    }

    /// <summary>Writes <paramref name="value"/> right-aligned into exactly <paramref name="destination"/>.Length digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteDigits(ulong value, Span<byte> destination)
    {
        var pairs = DigitPairs;
        var i = destination.Length;
        while (value >= 100)
        {
            var q = value / 100;
            var r = (int)(value - (q * 100)) * 2;
            value = q;
            destination[--i] = pairs[r + 1];
            destination[--i] = pairs[r];
        }
        if (value >= 10)
        {
            var r = (int)value * 2;
            destination[--i] = pairs[r + 1];
            destination[--i] = pairs[r];
        }
        else
        {
            destination[--i] = (byte)('0' + (int)value);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DecimalLength(ulong v)
    {
        // log10 from the bit length, corrected by one comparison.
        var guess = ((64 - BitOperations.LeadingZeroCount(v | 1)) * 1233) >> 12;
        return guess + (v >= PowersOf10[guess] ? 1 : 0);
    }

    private static ReadOnlySpan<ulong> PowersOf10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ];

    /// <summary>The three products (bounds and value) of <c>4·m2 {+2, 0, -1-mmShift}</c> by a 128-bit table entry, shifted right by <paramref name="j"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShiftAll(ulong m2, ulong[] table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
    {
        var low = table[2 * index];
        var high = table[(2 * index) + 1];
        var m = 4 * m2;
        vp = MulShift(m + 2, low, high, j);
        vm = MulShift(m - 1 - mmShift, low, high, j);
        return MulShift(m, low, high, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulShift(ulong m, ulong low, ulong high, int j)
    {
        // m is at most 55 bits; the 64 lowest bits of the 192-bit product never matter.
        var high0 = Math.BigMul(m, low, out _);
        var high1 = Math.BigMul(m, high, out var low1);
        var sum = high0 + low1;
        if (sum < high0)
        {
            high1++;
        }
        var shift = j - 64;
        // 0 < shift < 64 for every table entry used.
        return (high1 << (64 - shift)) | (sum >> shift);
    }

    /// <summary>floor(log10(2^e)) for 0 &lt;= e &lt;= 1650.</summary>
    private static int Log10Pow2(int e) => (int)(((uint)e * 78913) >> 18);

    /// <summary>floor(log10(5^e)) for 0 &lt;= e &lt;= 2620.</summary>
    private static int Log10Pow5(int e) => (int)(((uint)e * 732923) >> 20);

    /// <summary>The bit length of 5^e (1 for e = 0), for 0 &lt;= e &lt;= 3528.</summary>
    private static int Pow5Bits(int e) => (int)(((uint)e * 1217359) >> 19) + 1;

    private static bool IsMultipleOfPowerOf5(ulong value, int p)
    {
        var count = 0;
        while (value != 0)
        {
            var q = value / 5;
            if (value - (q * 5) != 0)
            {
                break;
            }
            value = q;
            count++;
        }
        return count >= p;
    }

    /// <summary>Entry q: floor(2^(bitlength(5^q) - 1 + 125) / 5^q) + 1, as (low, high) 64-bit words.</summary>
    private static ulong[] ComputePow5InvSplit()
    {
        var table = new ulong[2 * Pow5InvTableSize];
        var pow = BigInteger.One;
        for (var q = 0; q < Pow5InvTableSize; q++, pow *= 5)
        {
            var bitLength = (int)pow.GetBitLength();
            var inverse = (BigInteger.One << (bitLength - 1 + Pow5InvBitCount)) / pow + 1;
            Store(table, q, inverse);
        }
        return table;
    }

    /// <summary>Entry i: the 125 leading bits of 5^i, as (low, high) 64-bit words.</summary>
    private static ulong[] ComputePow5Split()
    {
        var table = new ulong[2 * Pow5TableSize];
        var pow = BigInteger.One;
        for (var i = 0; i < Pow5TableSize; i++, pow *= 5)
        {
            var shift = (int)pow.GetBitLength() - Pow5BitCount;
            var top = shift >= 0 ? pow >> shift : pow << -shift;
            Store(table, i, top);
        }
        return table;
    }

    private static void Store(ulong[] table, int index, BigInteger value)
    {
        table[2 * index] = (ulong)(value & ulong.MaxValue);
        table[(2 * index) + 1] = (ulong)(value >> 64);
    }
}
