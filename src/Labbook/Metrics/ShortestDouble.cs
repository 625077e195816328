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
/// powers of five are embedded (no start-up cost for the CLI); a test recomputes them with BigInteger.
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

    /// <summary>Beyond this many integer digits .NET switches to exponent notation (its round-trip digit count).</summary>
    private const int MaxPlainScale = 17;

    /// <summary>At this decimal exponent and below (0.0000d) .NET switches to exponent notation.</summary>
    private const int MinPlainScale = -3;

    /// <summary>"00" "01" ... "99": two digits per lookup.</summary>
    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>
    /// The shortest text that reads back as exactly <paramref name="value"/> (finite only). Every double the
    /// workspace writes goes through here: .NET's own <c>"R"</c> is not shortest-and-exact for all values
    /// (2^-25 came out as <c>2.980232238769531e-08</c>, which reads back as another number).
    /// </summary>
    public static string Format(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), "only finite values have a shortest decimal form");
        }
        Span<byte> utf8 = stackalloc byte[MaxLength];
        TryFormat(value, utf8, out var written);
        return System.Text.Encoding.ASCII.GetString(utf8[..written]);
    }

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
    private static ulong MulShiftAll(ulong m2, ReadOnlySpan<ulong> table, int index, int j, out ulong vp, out ulong vm, uint mmShift)
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

    /// <summary>Entry q (low, high): floor(2^(bitlength(5^q) - 1 + 125) / 5^q) + 1, for the values of 2^e2 with e2 &gt;= 0.</summary>
    internal static ReadOnlySpan<ulong> Pow5InvSplit =>
    [
        0x0000000000000001, 0x2000000000000000, // 0
        0x999999999999999A, 0x1999999999999999, // 1
        0x47AE147AE147AE15, 0x147AE147AE147AE1, // 2
        0x6C8B4395810624DE, 0x10624DD2F1A9FBE7, // 3
        0x7A786C226809D496, 0x1A36E2EB1C432CA5, // 4
        0x61F9F01B866E43AB, 0x14F8B588E368F084, // 5
        0xB4C7F34938583622, 0x10C6F7A0B5ED8D36, // 6
        0x87A6520EC08D236A, 0x1AD7F29ABCAF4857, // 7
        0x9FB841A566D74F88, 0x15798EE2308C39DF, // 8
        0xE62D01511F12A607, 0x112E0BE826D694B2, // 9
        0xD6AE6881CB5109A4, 0x1B7CDFD9D7BDBAB7, // 10
        0xDEF1ED34A2A73AEA, 0x15FD7FE17964955F, // 11
        0x7F27F0F6E885C8BB, 0x119799812DEA1119, // 12
        0x650CB4BE40D60DF8, 0x1C25C268497681C2, // 13
        0xEA70909833DE7193, 0x16849B86A12B9B01, // 14
        0x21F3A6E0297EC143, 0x1203AF9EE756159B, // 15
        0x6985D7CD0F313537, 0x1CD2B297D889BC2B, // 16
        0x2137DFD73F5A90F9, 0x170EF54646D49689, // 17
        0xE75FE645CC4873FA, 0x12725DD1D243ABA0, // 18
        0xA5663D3C7A0D865D, 0x1D83C94FB6D2AC34, // 19
        0x511E976394D79EB1, 0x179CA10C9242235D, // 20
        0xDA7EDF82DD794BC1, 0x12E3B40A0E9B4F7D, // 21
        0x2A6498D1625BAC68, 0x1E392010175EE596, // 22
        0xEEB6E0A781E2F053, 0x182DB34012B25144, // 23
        0x58924D52CE4F26A9, 0x1357C299A88EA76A, // 24
        0x27507BB7B07EA441, 0x1EF2D0F5DA7DD8AA, // 25
        0x52A6C95FC0655034, 0x18C240C4AECB13BB, // 26
        0x0EEBD44C99EAA690, 0x13CE9A36F23C0FC9, // 27
        0xB17953ADC3110A80, 0x1FB0F6BE50601941, // 28
        0xC12DDC8B02740867, 0x195A5EFEA6B34767, // 29
        0x3424B06F3529A052, 0x14484BFEEBC29F86, // 30
        0x901D59F290EE19DB, 0x1039D66589687F9E, // 31
        0x4CFBC31DB4B0295F, 0x19F623D5A8A73297, // 32
        0x3D9635B15D59BAB2, 0x14C4E977BA1F5BAC, // 33
        0x97AB5E277DE16228, 0x109D8792FB4C4956, // 34
        0xF2ABC9D8C9689D0D, 0x1A95A5B7F87A0EF0, // 35
        0x5BBCA17A3ABA173E, 0x154484932D2E725A, // 36
        0xAFCA1AC82EFB45CB, 0x11039D428A8B8EAE, // 37
        0xB2DCF7A6B1920945, 0x1B38FB9DAA78E44A, // 38
        0xF57D92EBC141A104, 0x15C72FB1552D836E, // 39
        0xC46475896767B403, 0x116C262777579C58, // 40
        0x6D6D88DBD8A5ECD2, 0x1BE03D0BF225C6F4, // 41
        0x8ABE071646EB23DB, 0x164CFDA3281E38C3, // 42
        0x6EFE6C11D255B649, 0x11D7314F534B609C, // 43
        0xB197134FB6EF8A0E, 0x1C8B821885456760, // 44
        0x27AC0F72F8BFA1A5, 0x16D601AD376AB91A, // 45
        0xB95672C260994E1E, 0x1244CE242C5560E1, // 46
        0xF5571E03CDC21695, 0x1D3AE36D13BBCE35, // 47
        0x2AAC18030B01ABAB, 0x17624F8A762FD82B, // 48
        0xBBBCE0026F348956, 0x12B50C6EC4F31355, // 49
        0x92C7CCD0B1EDA889, 0x1DEE7A4AD4B81EEF, // 50
        0xDBD30A408E57BA07, 0x17F1FB6F10934BF2, // 51
        0x7CA8D50071DFC806, 0x1327FC58DA0F6FF5, // 52
        0xFAA7BB33E9660CD6, 0x1EA6608E29B24CBB, // 53
        0x9552FC298784D711, 0x18851A0B548EA3C9, // 54
        0xAAA8C9BAD2D0AC0E, 0x139DAE6F76D88307, // 55
        0xDDDADC5E1E1AACE3, 0x1F62B0B257C0D1A5, // 56
        0x7E48B04B4B488A4F, 0x191BC08EAC9A4151, // 57
        0xCB6D59D5D5D3A1D9, 0x141633A556E1CDDA, // 58
        0x3C577B1177DC817B, 0x1011C2EAABE7D7E2, // 59
        0xC6F25E825960CF2A, 0x19B604AAACA62636, // 60
        0x6BF518684780A5BB, 0x14919D5556EB51C5, // 61
        0x232A79ED06008496, 0x10747DDDDF22A7D1, // 62
        0xD1DD8FE1A3340756, 0x1A53FC9631D10C81, // 63
        0xA7E4731AE8F66C45, 0x150FFD44F4A73D34, // 64
        0x531D28E253F8569E, 0x10D9976A5D52975D, // 65
        0xEB61DB03B98D5762, 0x1AF5BF109550F22E, // 66
        0xBC4E48CFC7A445E8, 0x159165A6DDDA5B58, // 67
        0x6371D3D96C836B20, 0x11411E1F17E1E2AD, // 68
        0x9F1C8628AD9F11CD, 0x1B9B6364F3030448, // 69
        0xE5B06B53BE18DB0B, 0x1615E91D8F359D06, // 70
        0xEAF3890FCB4715A2, 0x11AB20E472914A6B, // 71
        0x44B8DB4C7871BC37, 0x1C45016D841BAA46, // 72
        0x03C715D6C6C1635F, 0x169D9ABE03495505, // 73
        0x3638DE456BCDE919, 0x1217AEFE69077737, // 74
        0x56C163A2461641C1, 0x1CF2B1970E725858, // 75
        0xDF011C81D1AB67CE, 0x17288E1271F51379, // 76
        0x7F3416CE4155ECA5, 0x1286D80EC190DC61, // 77
        0x6520247D3556476E, 0x1DA48CE468E7C702, // 78
        0xEA801D30F7783925, 0x17B6D71D20B96C01, // 79
        0xBB99B0F3F92CFA84, 0x12F8AC174D612334, // 80
        0x5F5C4E532847F739, 0x1E5AACF215683854, // 81
        0x7F7D0B75B9D32C2E, 0x18488A5B44536043, // 82
        0x9930D5F7C7DC2358, 0x136D3B7C36A919CF, // 83
        0x8EB4898C72F9D226, 0x1F152BF9F10E8FB2, // 84
        0x722A07A38F2E41B8, 0x18DDBCC7F40BA628, // 85
        0xC1BB394FA5BE9AFA, 0x13E497065CD61E86, // 86
        0x9C5EC2190930F7F6, 0x1FD424D6FAF030D7, // 87
        0x49E56814075A5FF8, 0x197683DF2F268D79, // 88
        0x6E51201005E1E660, 0x145ECFE5BF520AC7, // 89
        0xF1DA800CD181851A, 0x104BD984990E6F05, // 90
        0x4FC400148268D4F5, 0x1A12F5A0F4E3E4D6, // 91
        0xD96999AA01ED772B, 0x14DBF7B3F71CB711, // 92
        0xADEE1488018AC5BC, 0x10AFF95CC5B09274, // 93
        0x497CEDA668DE092C, 0x1AB328946F80EA54, // 94
        0x3ACA57B853E4D424, 0x155C2076BF9A5510, // 95
        0x623B7960431D7683, 0x1116805EFFAEAA73, // 96
        0x9D2BF566D1C8BD9E, 0x1B5733CB32B110B8, // 97
        0x7DBCC452416D647F, 0x15DF5CA28EF40D60, // 98
        0xCAFD69DB678AB6CC, 0x117F7D4ED8C33DE6, // 99
        0xAB2F0FC572778ADF, 0x1BFF2EE48E052FD7, // 100
        0x88F273045B92D580, 0x1665BF1D3E6A8CAC, // 101
        0xD3F528D049424466, 0x11EAFF4A98553D56, // 102
        0xB988414D4203A0A3, 0x1CAB3210F3BB9557, // 103
        0x6139CDD76802E6E9, 0x16EF5B40C2FC7779, // 104
        0xE761717920025254, 0x125915CD68C9F92D, // 105
        0xA568B58E999D5086, 0x1D5B561574765B7C, // 106
        0x5120913EE14AA6D2, 0x177C44DDF6C515FD, // 107
        0xA74D40FF1AA21F0E, 0x12C9D0B1923744CA, // 108
        0x0BAECE64F769CB4A, 0x1E0FB44F50586E11, // 109
        0x3C8BD850C5EE3C3B, 0x180C903F7379F1A7, // 110
        0xCA0979DA37F1C9C9, 0x133D4032C2C7F485, // 111
        0xA9A8C2F6BFE942DB, 0x1EC866B79E0CBA6F, // 112
        0x2153CF2BCCBA9BE3, 0x18A0522C7E709526, // 113
        0x1AA9728970954982, 0x13B374F06526DDB8, // 114
        0xF775840F1A88759D, 0x1F8587E7083E2F8C, // 115
        0x5F9136727BA05E17, 0x19379FEC0698260A, // 116
        0x1940F85B9619E4DF, 0x142C7FF0054684D5, // 117
        0xE100C6AFAB47EA4C, 0x1023998CD1053710, // 118
        0xCE67A44C453FDD47, 0x19D28F47B4D524E7, // 119
        0xD852E9D69DCCB106, 0x14A8729FC3DDB71F, // 120
        0x79DBEE454B0A2738, 0x1086C219697E2C19, // 121
        0x295FE3A211A9D859, 0x1A71368F0F30468F, // 122
        0xBAB31C81A7BB137A, 0x15275ED8D8F36BA5, // 123
        0x6228E39AEC95A92F, 0x10EC4BE0AD8F8951, // 124
        0x9D0E38F7E0EF7517, 0x1B13AC9AAF4C0EE8, // 125
        0xB0D82D931A592A79, 0x15A956E225D67253, // 126
        0x8D79BE0F4847552E, 0x11544581B7DEC1DC, // 127
        0x158F967EDA0BBB7C, 0x1BBA08CF8C979C94, // 128
        0x77A611FF14D62F97, 0x162E6D72D6DFB076, // 129
        0xF951A7FF43DE8C79, 0x11BEBDF578B2F391, // 130
        0xC21C3FFED2FDAD8E, 0x1C6463225AB7EC1C, // 131
        0x01B0333242648AD8, 0x16B6B5B5155FF017, // 132
        0x0159C28E9B83A246, 0x122BC490DDE659AC, // 133
        0xCEF604175F3903A3, 0x1D12D41AFCA3C2AC, // 134
        0x725E69AC4C2D9C83, 0x17424348CA1C9BBD, // 135
        0xF5185489D68AE39C, 0x129B69070816E2FD, // 136
        0xEE8D540FBDAB05C6, 0x1DC574D80CF16B2F, // 137
        0xBED77672FE226B05, 0x17D12A4670C1228C, // 138
        0xFF12C528CB4EBC04, 0x130DBB6B8D674ED6, // 139
        0xCB513B74787DF9A0, 0x1E7C5F127BD87E24, // 140
        0x090DC929F9FE614D, 0x18637F41FCAD31B7, // 141
        0xA0D7D42194CB810A, 0x1382CC34CA2427C5, // 142
        0x67BFB9CF5478CE77, 0x1F37AD21436D0C6F, // 143
        0x1FCC94A5DD2D71F9, 0x18F9574DCF8A7059, // 144
        0x7FD6DD517DBDF4C7, 0x13FAAC3E3FA1F37A, // 145
        0xFFBE2EE8C92FEE0B, 0x1FF779FD329CB8C3, // 146
        0x6631BF20A0F324D6, 0x1992C7FDC216FA36, // 147
        0xB827CC1A1A5C1D78, 0x14756CCB01ABFB5E, // 148
        0x935309AE7B7CE460, 0x105DF0A267BCC918, // 149
        0x1EEB42B0C594A099, 0x1A2FE76A3F9474F4, // 150
        0xE58902270476E6E1, 0x14F31F8832DD2A5C, // 151
        0xB7A0CE859D2BEBE7, 0x10C27FA028B0EEB0, // 152
        0x59014A6F61DFDFD8, 0x1AD0CC33744E4AB4, // 153
        0xE0CDD525E7E64CAD, 0x1573D68F903EA229, // 154
        0x4D7177518651D6F1, 0x11297872D9CBB4EE, // 155
        0x7BE8BEE8D6E957E8, 0x1B758D848FAC54B0, // 156
        0xFCBA3253DF211320, 0x15F7A46A0C89DD59, // 157
        0x63C8284318E74280, 0x1192E9EE706E4AAE, // 158
        0x060D0D3827D86A66, 0x1C1E43171A4A1117, // 159
        0x6B3DA42CECAD21EB, 0x167E9C127B6E7412, // 160
        0x88FE1CF0BD574E56, 0x11FEE341FC585CDB, // 161
        0x419694B462254A23, 0x1CCB0536608D615F, // 162
        0x67ABAA29E81DD4E9, 0x1708D0F84D3DE77F, // 163
        0xB95621BB2017DD87, 0x126D73F9D764B932, // 164
        0xC223692B668C95A5, 0x1D7BECC2F23AC1EA, // 165
        0xCE82BA891ED6DE1D, 0x179657025B6234BB, // 166
        0xA53562074BDF1818, 0x12DEAC01E2B4F6FC, // 167
        0x3B889CD87964F359, 0x1E3113363787F194, // 168
        0xFC6D4A46C783F5E1, 0x18274291C6065ADC, // 169
        0x30576E9F06032B1A, 0x13529BA7D19EAF17, // 170
        0x1A257DCB3CD1DE90, 0x1EEA92A61C311825, // 171
        0x481DFE3C30A7E540, 0x18BBA884E35A79B7, // 172
        0xD34B31C9C0865100, 0x13C9539D82AEC7C5, // 173
        0x5211E942CDA3B4CD, 0x1FA885C8D117A609, // 174
        0x74DB21023E1C90A4, 0x19539E3A40DFB807, // 175
        0xF715B401CB4A0D50, 0x1442E4FB67196005, // 176
        0xF8DE299B09080AA7, 0x103583FC527AB337, // 177
        0x8E304291A80CDDD7, 0x19EF3993B72AB859, // 178
        0x3E8D020E200A4B13, 0x14BF6142F8EEF9E1, // 179
        0x653D9B3E80083C0F, 0x10991A9BFA58C7E7, // 180
        0x6EC8F864000D2CE4, 0x1A8E90F9908E0CA5, // 181
        0x8BD3F9E999A423EA, 0x153EDA614071A3B7, // 182
        0x3CA994BAE1501CBB, 0x10FF151A99F482F9, // 183
        0xC775BAC49BB3612B, 0x1B31BB5DC320D18E, // 184
        0xD2C4956A16291A89, 0x15C162B168E70E0B, // 185
        0xDBD0778811BA7BA1, 0x11678227871F3E6F, // 186
        0x2C80BF401C5D929B, 0x1BD8D03F3E9863E6, // 187
        0xBD33CC3349E47549, 0x16470CFF6546B651, // 188
        0xCA8FD68F6E505DD4, 0x11D270CC51055EA7, // 189
        0x4419574BE3B3C953, 0x1C83E7AD4E6EFDD9, // 190
        0x0347790982F63AA9, 0x16CFEC8AA52597E1, // 191
        0xCF6C60D468C4FBBA, 0x123FF06EEA847980, // 192
        0xE57A34870E07F92A, 0x1D331A4B10D3F59A, // 193
        0x512E906C0B399422, 0x175C1508DA432AE2, // 194
        0xDA8BA6BCD5C7A9B5, 0x12B010D3E1CF5581, // 195
        0x90DF712E22D90F87, 0x1DE6815302E5559C, // 196
        0xDA4C5A8B4F140C6C, 0x17EB9AA8CF1DDE16, // 197
        0xAEA37BA2A5A9A38A, 0x1322E220A5B17E78, // 198
        0x7DD25F6AA2A905A9, 0x1E9E369AA2B59727, // 199
        0x97DB7F888220D154, 0x187E92154EF7AC1F, // 200
        0x797C6606CE80A777, 0x139874DDD8C6234C, // 201
        0x8F2D700AE4010BF1, 0x1F5A549627A36BAD, // 202
        0x0C2459A25000D65A, 0x191510781FB5EFBE, // 203
        0x701D1481D99A4515, 0x1410D9F9B2F7F2FE, // 204
        0xC017439B147B6A77, 0x100D7B2E28C65BFE, // 205
        0xCCF205C4ED9243F2, 0x19AF2B7D0E0A2CCA, // 206
        0x0A5B37D0BE0E9CC2, 0x148C22CA71A1BD6F, // 207
        0x0848F973CB3EE3CE, 0x10701BD527B4978C, // 208
        0xDA0E5BEC78649FB0, 0x1A4CF9550C5425AC, // 209
        0x7B3EAFF060507FC0, 0x150A6110D6A9B7BD, // 210
        0x95CBBFF380406633, 0x10D51A73DEEE2C97, // 211
        0xEFAC665266CD7052, 0x1AEE90B964B04758, // 212
        0x2623850EB8A459DB, 0x158BA6FAB6F36C47, // 213
        0x1E82D0D893B6AE49, 0x113C85955F29236C, // 214
        0xFD9E1AF41F8AB075, 0x1B9408EEFEA838AC, // 215
        0x97B1AF29B2D559F7, 0x16100725988693BD, // 216
        0xAC8E25BAF5777B2C, 0x11A66C1E139EDC97, // 217
        0x7A7D092B2258C513, 0x1C3D79C9B8FE2DBF, // 218
        0x61FDA0EF4EAD6A76, 0x169794A160CB57CC, // 219
        0xE7FE1A590BBDEEC5, 0x1212DD4DE7091309, // 220
        0xA6635D5B45FCB13A, 0x1CEAFBAFD80E84DC, // 221
        0x851C4AAF6B308DC8, 0x172262F3133ED0B0, // 222
        0xD0E36EF2BC26D7D4, 0x1281E8C275CBDA26, // 223
        0xB49F17EAC6A48C86, 0x1D9CA79D894629D7, // 224
        0x2A18DFEF0550706B, 0x17B08617A104EE46, // 225
        0x54E0B3259DD9F389, 0x12F39E794D9D8B6B, // 226
        0x87CDEB6F62F65274, 0x1E5297287C2F4578, // 227
        0xD30B22BF825EA85D, 0x18421286C9BF6AC6, // 228
        0x0F3C1BCC684BB9E4, 0x13680ED23AFF889F, // 229
        0x18602C7A4079296D, 0x1F0CE4839198DA98, // 230
        0x46B356C833942124, 0x18D71D360E13E213, // 231
        0x388F78A029434DB6, 0x13DF4A91A4DCB4DC, // 232
        0x5A7F2766A86BAF8A, 0x1FCBAA82A1612160, // 233
        0x153285EBB9EFBFA2, 0x196FBB9BB44DB44D, // 234
        0xAA8ED189618C994E, 0x145962E2F6A4903D, // 235
        0xEED8A7A11AD6E10C, 0x1047824F2BB6D9CA, // 236
        0x7E27729B5E249B45, 0x1A0C03B1DF8AF611, // 237
        0xFE85F549181D4904, 0x14D6695B193BF80D, // 238
        0xCB9E5DD4134AA0D0, 0x10AB877C142FF9A4, // 239
        0xDF63C9535211014D, 0x1AAC0BF9B9E65C3A, // 240
        0x191CA10F74DA6771, 0x15566FFAFB1EB02F, // 241
        0xADB080D92A4852C1, 0x1111F32F2F4BC025, // 242
        0x15E7348EAA0D5134, 0x1B4FEB7EB212CD09, // 243
        0xAB1F5D3EEE710DC4, 0x15D98932280F0A6D, // 244
        0xBC1917658B8DA49D, 0x117AD428200C0857, // 245
        0x2CF4F23C127C3A94, 0x1BF7B9D9CCE00D59, // 246
        0xF0C3F4FCDB969543, 0x165FC7E170B33DE0, // 247
        0x5A365D9716121103, 0x11E6398126F5CB1A, // 248
        0x9056FC24F01CE804, 0x1CA38F350B22DE90, // 249
        0xD9DF301D8CE3ECD0, 0x16E93F5DA2824BA6, // 250
        0xE17F59B13D8323DA, 0x125432B14ECEA2EB, // 251
        0x68CBC2B52F38395C, 0x1D53844EE47DD179, // 252
        0x53D6355DBF602DE3, 0x177603725064A794, // 253
        0xA9782AB165E68B1C, 0x12C4CF8EA6B6EC76, // 254
        0x0F26AAB56FD744FA, 0x1E07B27DD78B13F1, // 255
        0x3F52222ABFDF6A62, 0x18062864AC6F4327, // 256
        0x65DB4E88997F884E, 0x1338205089F29C1F, // 257
        0x6FC54A7428CC0D4A, 0x1EC033B40FEA9365, // 258
        0x596AA1F68709A43B, 0x1899C2F673220F84, // 259
        0xADEEE7F86C07B696, 0x13AE3591F5B4D936, // 260
        0x497E3FF3E00C5756, 0x1F7D228322BAF524, // 261
        0xD464FFF64CD6AC45, 0x1930E868E89590E9, // 262
        0x4383FFF83D7889D1, 0x14272053ED4473EE, // 263
        0xCF9CCCC69793A174, 0x101F4D0FF1038FF1, // 264
        0x7F6147A425B90252, 0x19CBAE7FE805B31C, // 265
        0xCC4DD2E9B7C7350F, 0x14A2F1FFECD15C16, // 266
        0x3D0B0F215FD290D9, 0x10825B3323DAB012, // 267
        0x61AB4B689950E7C1, 0x1A6A2B85062AB350, // 268
        0x4E22A2BA1440B967, 0x1521BC6A6B555C40, // 269
        0x0B4EE894DD009453, 0x10E7C9EEBC4449CD, // 270
        0x1217DA87C800ED51, 0x1B0C764AC6D3A948, // 271
        0xDB46486CA000BDDA, 0x15A391D56BDC876C, // 272
        0x490506BD4CCD64AF, 0x114FA7DDEFE39F8A, // 273
        0xA8080AC87AE23AB1, 0x1BB2A62FE638FF43, // 274
        0x5339A239FBE82EF4, 0x162884F31E93FF69, // 275
        0x75C7B4FB2FECF25D, 0x11BA03F5B20FFF87, // 276
        0x22D92191E647EA2E, 0x1C5CD322B67FFF3F, // 277
        0xB57A8141850654F2, 0x16B0A8E891FFFF65, // 278
        0xC4620101373843F5, 0x1226ED86DB3332B7, // 279
        0x3A366801F1F39FEE, 0x1D0B15A491EB8459, // 280
        0xFB5EB99B27F6198B, 0x173C115074BC69E0, // 281
        0x2F7EFAE2865E7AD6, 0x129674405D6387E7, // 282
        0xE597F7D0D6FD9156, 0x1DBD86CD6238D971, // 283
        0x8479930D78CADAAB, 0x17CAD23DE82D7AC1, // 284
        0xD06142712D6F1556, 0x1308A831868AC89A, // 285
        0x4D686A4EAF182222, 0x1E74404F3DAADA91, // 286
        0xA453883EF279B4E8, 0x185D003F6488AEDA, // 287
        0xE9DC6CFF28615D87, 0x137D99CC506D58AE, // 288
        0xA960AE650D6895A4, 0x1F2F5C7A1A488DE4, // 289
        0xBAB3BEB73DED4483, 0x18F2B061AEA07183, // 290
        0x2EF6322C318A9D36, 0x13F559E7BEE6C136, // 291
        0xE4BD1D13827761F0, 0x1FEEF63F97D79B89, // 292
        0x83CA7DA9352C4E5A, 0x198BF832DFDFAFA1, // 293
        0x9CA1FE20F756A515, 0x146FF9C24CB2F2E7, // 294
        0x4A1B31B3F9121DAA, 0x1059949B708F28B9, // 295
        0x435EB5ECC1B695DD, 0x1A28EDC580E50DF5, // 296
        0x35E55E57015EDE4A, 0x14ED8B04671DA4C4, // 297
        0xC4B77EAC0118B1D5, 0x10BE08D0527E1D69, // 298
        0xA12597799B5AB622, 0x1AC9A7B3B7302F0F, // 299
        0x4DB7AC6149155E81, 0x156E1FC2F8F358D9, // 300
        0xD7C6238107444B9B, 0x1124E63593F5E0AD, // 301
        0x593D059B3ED3AC2B, 0x1B6E3D2286563449, // 302
        0xE0FD9E15CBDC89BC, 0x15F1CA820511C36D, // 303
        0xB3FE18116FE3A163, 0x118E3B9B37416924, // 304
        0x866359B57FD29BD1, 0x1C16C5C525357507, // 305
        0xD1E91491330EE30E, 0x16789E3750F790D2, // 306
        0x74BA76DA8F3F1C0B, 0x11FA182C40C60D75, // 307
        0xEDF72490E531C678, 0x1CC359E067A348BB, // 308
        0x8B2C1D40B75B052D, 0x1702AE4D1FB5D3C9, // 309
        0x6F567DCD5F7C0424, 0x12688B70E62B0FD4, // 310
        0x7EF0C94898C66D06, 0x1D74124E3D11B2ED, // 311
        0x98C0A106E09EBD9F, 0x17900EA4FDA7C257, // 312
        0x470080D24D4BCAE6, 0x12D9A550CAEC9B79, // 313
        0xD800CE1D487944A2, 0x1E29088144ADC58E, // 314
        0x1333D8176D2DD082, 0x1820D39A9D57D13F, // 315
        0xA8F646792424A6CE, 0x134D76154AACA765, // 316
        0x74BD3D8EA03AA47D, 0x1EE25688777AA56F, // 317
        0x5D64313EE6955064, 0x18B51206C5FBB78C, // 318
        0x4AB68DCBEBAAA6B7, 0x13C40E6BD1962C70, // 319
        0x1124161312AAA457, 0x1FA01712E8F0471A, // 320
        0xDA8344DC0EEEE9DF, 0x194CDF4253F36C14, // 321
        0xE2029D7CD8BF2180, 0x143D7F6843292343, // 322
        0x4E687DFD7A328133, 0x103132B9CF541C36, // 323
        0x4A40C9959050CEB8, 0x19E851294BB9C6BD, // 324
        0x0833D477A6A70BC6, 0x14B9DA876FC7D231, // 325
        0xA02976C61EEC096B, 0x1094AED2BFD30E8D, // 326
        0x004257A364ACDBDF, 0x1A877E1DFFB81749, // 327
        0xCD01DFB5EA23E319, 0x153931B1996012A0, // 328
        0x70CE4C91881CB5AE, 0x10FA8E27ADE6754D, // 329
        0x1AE3ADB5A69455E2, 0x1B2A7D0C4970BBAF, // 330
        0x7BE957C4854377E8, 0x15BB973D078D62F2, // 331
        0xC987796A0435F987, 0x1162DF64060AB58E, // 332
        0x75A58F1006BCC271, 0x1BD1656CD67788E4, // 333
        0xF7B7A5A66BCA3527, 0x16411DF0AB92D3E9, // 334
        0x5FC61E1EBCA1C41F, 0x11CDB18D560F0FEE, // 335
        0xFFA363646102D365, 0x1C7C4F4889B1B316, // 336
        0x32E91C504D9BDC51, 0x16C9D906D48E28DF, // 337
        0x8F20E37371497D0E, 0x123B140576D820B2, // 338
        0x7E9B0585820F2E7C, 0x1D2B533BF159CDEA, // 339
        0xCBAF379E01A5BECA, 0x1755DC2FF447D7EE, // 340
        0x0958F94B348498A1, 0x12AB168CC36CACBF, // 341
    ];

    /// <summary>Entry i (low, high): the 125 leading bits of 5^i, for the values of 2^e2 with e2 &lt; 0.</summary>
    internal static ReadOnlySpan<ulong> Pow5Split =>
    [
        0x0000000000000000, 0x1000000000000000, // 0
        0x0000000000000000, 0x1400000000000000, // 1
        0x0000000000000000, 0x1900000000000000, // 2
        0x0000000000000000, 0x1F40000000000000, // 3
        0x0000000000000000, 0x1388000000000000, // 4
        0x0000000000000000, 0x186A000000000000, // 5
        0x0000000000000000, 0x1E84800000000000, // 6
        0x0000000000000000, 0x1312D00000000000, // 7
        0x0000000000000000, 0x17D7840000000000, // 8
        0x0000000000000000, 0x1DCD650000000000, // 9
        0x0000000000000000, 0x12A05F2000000000, // 10
        0x0000000000000000, 0x174876E800000000, // 11
        0x0000000000000000, 0x1D1A94A200000000, // 12
        0x0000000000000000, 0x12309CE540000000, // 13
        0x0000000000000000, 0x16BCC41E90000000, // 14
        0x0000000000000000, 0x1C6BF52634000000, // 15
        0x0000000000000000, 0x11C37937E0800000, // 16
        0x0000000000000000, 0x16345785D8A00000, // 17
        0x0000000000000000, 0x1BC16D674EC80000, // 18
        0x0000000000000000, 0x1158E460913D0000, // 19
        0x0000000000000000, 0x15AF1D78B58C4000, // 20
        0x0000000000000000, 0x1B1AE4D6E2EF5000, // 21
        0x0000000000000000, 0x10F0CF064DD59200, // 22
        0x0000000000000000, 0x152D02C7E14AF680, // 23
        0x0000000000000000, 0x1A784379D99DB420, // 24
        0x0000000000000000, 0x108B2A2C28029094, // 25
        0x0000000000000000, 0x14ADF4B7320334B9, // 26
        0x4000000000000000, 0x19D971E4FE8401E7, // 27
        0x8800000000000000, 0x1027E72F1F128130, // 28
        0xAA00000000000000, 0x1431E0FAE6D7217C, // 29
        0xD480000000000000, 0x193E5939A08CE9DB, // 30
        0xC9A0000000000000, 0x1F8DEF8808B02452, // 31
        0xBE04000000000000, 0x13B8B5B5056E16B3, // 32
        0xAD85000000000000, 0x18A6E32246C99C60, // 33
        0xD8E6400000000000, 0x1ED09BEAD87C0378, // 34
        0x878FE80000000000, 0x13426172C74D822B, // 35
        0x6973E20000000000, 0x1812F9CF7920E2B6, // 36
        0x03D0DA8000000000, 0x1E17B84357691B64, // 37
        0x8262889000000000, 0x12CED32A16A1B11E, // 38
        0x22FB2AB400000000, 0x178287F49C4A1D66, // 39
        0xABB9F56100000000, 0x1D6329F1C35CA4BF, // 40
        0xCB54395CA0000000, 0x125DFA371A19E6F7, // 41
        0xBE2947B3C8000000, 0x16F578C4E0A060B5, // 42
        0x2DB399A0BA000000, 0x1CB2D6F618C878E3, // 43
        0xFC90400474400000, 0x11EFC659CF7D4B8D, // 44
        0x7BB4500591500000, 0x166BB7F0435C9E71, // 45
        0xDAA16406F5A40000, 0x1C06A5EC5433C60D, // 46
        0xA8A4DE8459868000, 0x118427B3B4A05BC8, // 47
        0xD2CE16256FE82000, 0x15E531A0A1C872BA, // 48
        0x87819BAECBE22800, 0x1B5E7E08CA3A8F69, // 49
        0xF4B1014D3F6D5900, 0x111B0EC57E6499A1, // 50
        0x71DD41A08F48AF40, 0x1561D276DDFDC00A, // 51
        0x0E549208B31ADB10, 0x1ABA4714957D300D, // 52
        0x28F4DB456FF0C8EA, 0x10B46C6CDD6E3E08, // 53
        0x33321216CBECFB24, 0x14E1878814C9CD8A, // 54
        0xBFFE969C7EE839ED, 0x1A19E96A19FC40EC, // 55
        0xF7FF1E21CF512434, 0x105031E2503DA893, // 56
        0xF5FEE5AA43256D41, 0x14643E5AE44D12B8, // 57
        0x337E9F14D3EEC892, 0x197D4DF19D605767, // 58
        0x005E46DA08EA7AB6, 0x1FDCA16E04B86D41, // 59
        0xA03AEC4845928CB2, 0x13E9E4E4C2F34448, // 60
        0xC849A75A56F72FDE, 0x18E45E1DF3B0155A, // 61
        0x7A5C1130ECB4FBD6, 0x1F1D75A5709C1AB1, // 62
        0xEC798ABE93F11D65, 0x13726987666190AE, // 63
        0xA797ED6E38ED64BF, 0x184F03E93FF9F4DA, // 64
        0x517DE8C9C728BDEF, 0x1E62C4E38FF87211, // 65
        0xD2EEB17E1C7976B5, 0x12FDBB0E39FB474A, // 66
        0x87AA5DDDA397D462, 0x17BD29D1C87A191D, // 67
        0xE994F5550C7DC97B, 0x1DAC74463A989F64, // 68
        0x11FD195527CE9DED, 0x128BC8ABE49F639F, // 69
        0xD67C5FAA71C24568, 0x172EBAD6DDC73C86, // 70
        0x8C1B77950E32D6C2, 0x1CFA698C95390BA8, // 71
        0x57912ABD28DFC639, 0x121C81F7DD43A749, // 72
        0xAD75756C7317B7C8, 0x16A3A275D494911B, // 73
        0x98D2D2C78FDDA5BA, 0x1C4C8B1349B9B562, // 74
        0x9F83C3BCB9EA8794, 0x11AFD6EC0E14115D, // 75
        0x0764B4ABE8652979, 0x161BCCA7119915B5, // 76
        0x493DE1D6E27E73D7, 0x1BA2BFD0D5FF5B22, // 77
        0x6DC6AD264D8F0866, 0x1145B7E285BF98F5, // 78
        0xC938586FE0F2CA80, 0x159725DB272F7F32, // 79
        0x7B866E8BD92F7D20, 0x1AFCEF51F0FB5EFF, // 80
        0xAD34051767BDAE34, 0x10DE1593369D1B5F, // 81
        0x9881065D41AD19C1, 0x15159AF804446237, // 82
        0x7EA147F492186032, 0x1A5B01B605557AC5, // 83
        0x6F24CCF8DB4F3C1F, 0x1078E111C3556CBB, // 84
        0x4AEE003712230B27, 0x14971956342AC7EA, // 85
        0xDDA98044D6ABCDF0, 0x19BCDFABC13579E4, // 86
        0x0A89F02B062B60B6, 0x10160BCB58C16C2F, // 87
        0xCD2C6C35C7B638E4, 0x141B8EBE2EF1C73A, // 88
        0x8077874339A3C71D, 0x1922726DBAAE3909, // 89
        0xE0956914080CB8E4, 0x1F6B0F092959C74B, // 90
        0x6C5D61AC8507F38E, 0x13A2E965B9D81C8F, // 91
        0x4774BA17A649F072, 0x188BA3BF284E23B3, // 92
        0x1951E89D8FDC6C8F, 0x1EAE8CAEF261ACA0, // 93
        0x0FD3316279E9C3D9, 0x132D17ED577D0BE4, // 94
        0x13C7FDBB186434CF, 0x17F85DE8AD5C4EDD, // 95
        0x58B9FD29DE7D4203, 0x1DF67562D8B36294, // 96
        0xB7743E3A2B0E4942, 0x12BA095DC7701D9C, // 97
        0xE5514DC8B5D1DB92, 0x17688BB5394C2503, // 98
        0xDEA5A13AE3465277, 0x1D42AEA2879F2E44, // 99
        0x0B2784C4CE0BF38A, 0x1249AD2594C37CEB, // 100
        0xCDF165F6018EF06D, 0x16DC186EF9F45C25, // 101
        0x416DBF7381F2AC88, 0x1C931E8AB871732F, // 102
        0x88E497A83137ABD5, 0x11DBF316B346E7FD, // 103
        0xEB1DBD923D8596CA, 0x1652EFDC6018A1FC, // 104
        0x25E52CF6CCE6FC7D, 0x1BE7ABD3781ECA7C, // 105
        0x97AF3C1A40105DCE, 0x1170CB642B133E8D, // 106
        0xFD9B0B20D0147542, 0x15CCFE3D35D80E30, // 107
        0x3D01CDE904199292, 0x1B403DCC834E11BD, // 108
        0x462120B1A28FFB9B, 0x1108269FD210CB16, // 109
        0xD7A968DE0B33FA82, 0x154A3047C694FDDB, // 110
        0xCD93C3158E00F923, 0x1A9CBC59B83A3D52, // 111
        0xC07C59ED78C09BB6, 0x10A1F5B813246653, // 112
        0xB09B7068D6F0C2A3, 0x14CA732617ED7FE8, // 113
        0xDCC24C830CACF34C, 0x19FD0FEF9DE8DFE2, // 114
        0xC9F96FD1E7EC180F, 0x103E29F5C2B18BED, // 115
        0x3C77CBC661E71E13, 0x144DB473335DEEE9, // 116
        0x8B95BEB7FA60E598, 0x1961219000356AA3, // 117
        0x6E7B2E65F8F91EFE, 0x1FB969F40042C54C, // 118
        0xC50CFCFFBB9BB35F, 0x13D3E2388029BB4F, // 119
        0xB6503C3FAA82A037, 0x18C8DAC6A0342A23, // 120
        0xA3E44B4F95234844, 0x1EFB1178484134AC, // 121
        0xE66EAF11BD360D2B, 0x135CEAEB2D28C0EB, // 122
        0xE00A5AD62C839075, 0x183425A5F872F126, // 123
        0x980CF18BB7A47493, 0x1E412F0F768FAD70, // 124
        0x5F0816F752C6C8DC, 0x12E8BD69AA19CC66, // 125
        0xF6CA1CB527787B13, 0x17A2ECC414A03F7F, // 126
        0xF47CA3E2715699D7, 0x1D8BA7F519C84F5F, // 127
        0xF8CDE66D86D62026, 0x127748F9301D319B, // 128
        0xF7016008E88BA830, 0x17151B377C247E02, // 129
        0xB4C1B80B22AE923C, 0x1CDA62055B2D9D83, // 130
        0x50F91306F5AD1B65, 0x12087D4358FC8272, // 131
        0xE53757C8B318623F, 0x168A9C942F3BA30E, // 132
        0x9E852DBADFDE7ACF, 0x1C2D43B93B0A8BD2, // 133
        0xA3133C94CBEB0CC1, 0x119C4A53C4E69763, // 134
        0x8BD80BB9FEE5CFF1, 0x16035CE8B6203D3C, // 135
        0xAECE0EA87E9F43EE, 0x1B843422E3A84C8B, // 136
        0x4D40C9294F238A75, 0x1132A095CE492FD7, // 137
        0x2090FB73A2EC6D12, 0x157F48BB41DB7BCD, // 138
        0x68B53A508BA78856, 0x1ADF1AEA12525AC0, // 139
        0x417144725748B536, 0x10CB70D24B7378B8, // 140
        0x51CD958EED1AE283, 0x14FE4D06DE5056E6, // 141
        0xE640FAF2A8619B24, 0x1A3DE04895E46C9F, // 142
        0xEFE89CD7A93D00F7, 0x1066AC2D5DAEC3E3, // 143
        0xEBE2C40D938C4134, 0x14805738B51A74DC, // 144
        0x26DB7510F86F5181, 0x19A06D06E2611214, // 145
        0x9849292A9B4592F1, 0x100444244D7CAB4C, // 146
        0xBE5B73754216F7AD, 0x1405552D60DBD61F, // 147
        0xADF25052929CB598, 0x1906AA78B912CBA7, // 148
        0x996EE4673743E2FF, 0x1F485516E7577E91, // 149
        0xFFE54EC0828A6DDF, 0x138D352E5096AF1A, // 150
        0xBFDEA270A32D0957, 0x18708279E4BC5AE1, // 151
        0x2FD64B0CCBF84BAD, 0x1E8CA3185DEB719A, // 152
        0x5DE5EEE7FF7B2F4C, 0x1317E5EF3AB32700, // 153
        0x755F6AA1FF59FB1F, 0x17DDDF6B095FF0C0, // 154
        0x92B7454A7F3079E7, 0x1DD55745CBB7ECF0, // 155
        0x5BB28B4E8F7E4C30, 0x12A5568B9F52F416, // 156
        0xF29F2E22335DDF3C, 0x174EAC2E8727B11B, // 157
        0xEF46F9AAC035570B, 0x1D22573A28F19D62, // 158
        0xD58C5C0AB8215667, 0x123576845997025D, // 159
        0x4AEF730D6629AC01, 0x16C2D4256FFCC2F5, // 160
        0x9DAB4FD0BFB41701, 0x1C73892ECBFBF3B2, // 161
        0xA28B11E277D08E60, 0x11C835BD3F7D784F, // 162
        0x8B2DD65B15C4B1F9, 0x163A432C8F5CD663, // 163
        0x6DF94BF1DB35DE77, 0x1BC8D3F7B3340BFC, // 164
        0xC4BBCF772901AB0A, 0x115D847AD000877D, // 165
        0x35EAC354F34215CD, 0x15B4E5998400A95D, // 166
        0x8365742A30129B40, 0x1B221EFFE500D3B4, // 167
        0xD21F689A5E0BA108, 0x10F5535FEF208450, // 168
        0x06A742C0F58E894A, 0x1532A837EAE8A565, // 169
        0x4851137132F22B9D, 0x1A7F5245E5A2CEBE, // 170
        0xED32AC26BFD75B42, 0x108F936BAF85C136, // 171
        0xA87F57306FCD3212, 0x14B378469B673184, // 172
        0xD29F2CFC8BC07E97, 0x19E056584240FDE5, // 173
        0xA3A37C1DD7584F1E, 0x102C35F729689EAF, // 174
        0x8C8C5B254D2E62E6, 0x14374374F3C2C65B, // 175
        0x6FAF71EEA079FB9F, 0x1945145230B377F2, // 176
        0x0B9B4E6A48987A87, 0x1F965966BCE055EF, // 177
        0x674111026D5F4C94, 0x13BDF7E0360C35B5, // 178
        0xC111554308B71FBA, 0x18AD75D8438F4322, // 179
        0x7155AA93CAE4E7A8, 0x1ED8D34E547313EB, // 180
        0x26D58A9C5ECF10C9, 0x13478410F4C7EC73, // 181
        0xF08AED437682D4FB, 0x1819651531F9E78F, // 182
        0xECADA89454238A3A, 0x1E1FBE5A7E786173, // 183
        0x73EC895CB4963664, 0x12D3D6F88F0B3CE8, // 184
        0x90E7ABB3E1BBC3FD, 0x1788CCB6B2CE0C22, // 185
        0x352196A0DA2AB4FD, 0x1D6AFFE45F818F2B, // 186
        0x0134FE24885AB11E, 0x1262DFEEBBB0F97B, // 187
        0xC1823DADAA715D65, 0x16FB97EA6A9D37D9, // 188
        0x31E2CD19150DB4BF, 0x1CBA7DE5054485D0, // 189
        0x1F2DC02FAD2890F7, 0x11F48EAF234AD3A2, // 190
        0xA6F9303B9872B535, 0x1671B25AEC1D888A, // 191
        0x50B77C4A7E8F6282, 0x1C0E1EF1A724EAAD, // 192
        0x5272ADAE8F199D91, 0x1188D357087712AC, // 193
        0x670F591A32E004F6, 0x15EB082CCA94D757, // 194
        0x40D32F60BF980633, 0x1B65CA37FD3A0D2D, // 195
        0x4883FD9C77BF03E0, 0x111F9E62FE44483C, // 196
        0x5AA4FD0395AEC4D8, 0x156785FBBDD55A4B, // 197
        0x314E3C447B1A760E, 0x1AC1677AAD4AB0DE, // 198
        0xDED0E5AACCF089C9, 0x10B8E0ACAC4EAE8A, // 199
        0x96851F15802CAC3B, 0x14E718D7D7625A2D, // 200
        0xFC2666DAE037D74A, 0x1A20DF0DCD3AF0B8, // 201
        0x9D980048CC22E68E, 0x10548B68A044D673, // 202
        0x84FE005AFF2BA032, 0x1469AE42C8560C10, // 203
        0xA63D8071BEF6883E, 0x198419D37A6B8F14, // 204
        0xCFCCE08E2EB42A4E, 0x1FE52048590672D9, // 205
        0x21E00C58DD309A70, 0x13EF342D37A407C8, // 206
        0x2A580F6F147CC10D, 0x18EB0138858D09BA, // 207
        0xB4EE134AD99BF150, 0x1F25C186A6F04C28, // 208
        0x7114CC0EC80176D2, 0x137798F428562F99, // 209
        0xCD59FF127A01D486, 0x18557F31326BBB7F, // 210
        0xC0B07ED7188249A8, 0x1E6ADEFD7F06AA5F, // 211
        0xD86E4F466F516E09, 0x1302CB5E6F642A7B, // 212
        0xCE89E3180B25C98B, 0x17C37E360B3D351A, // 213
        0x822C5BDE0DEF3BEE, 0x1DB45DC38E0C8261, // 214
        0xF15BB96AC8B58575, 0x1290BA9A38C7D17C, // 215
        0x2DB2A7C57AE2E6D2, 0x1734E940C6F9C5DC, // 216
        0x391F51B6D99BA086, 0x1D022390F8B83753, // 217
        0x03B3931248014454, 0x1221563A9B732294, // 218
        0x04A077D6DA019569, 0x16A9ABC9424FEB39, // 219
        0x45C895CC9081FAC3, 0x1C5416BB92E3E607, // 220
        0x8B9D5D9FDA513CBA, 0x11B48E353BCE6FC4, // 221
        0xAE84B507D0E58BE8, 0x1621B1C28AC20BB5, // 222
        0x1A25E249C51EEEE3, 0x1BAA1E332D728EA3, // 223
        0xF057AD6E1B33554D, 0x114A52DFFC679925, // 224
        0x6C6D98C9A2002AA1, 0x159CE797FB817F6F, // 225
        0x4788FEFC0A803549, 0x1B04217DFA61DF4B, // 226
        0x0CB59F5D8690214E, 0x10E294EEBC7D2B8F, // 227
        0xCFE30734E83429A1, 0x151B3A2A6B9C7672, // 228
        0x83DBC9022241340A, 0x1A6208B50683940F, // 229
        0xB2695DA15568C086, 0x107D457124123C89, // 230
        0x1F03B509AAC2F0A7, 0x149C96CD6D16CBAC, // 231
        0x26C4A24C1573ACD1, 0x19C3BC80C85C7E97, // 232
        0x783AE56F8D684C03, 0x101A55D07D39CF1E, // 233
        0x16499ECB70C25F03, 0x1420EB449C8842E6, // 234
        0x9BDC067E4CF2F6C4, 0x19292615C3AA539F, // 235
        0x82D3081DE02FB476, 0x1F736F9B3494E887, // 236
        0xB1C3E512AC1DD0C9, 0x13A825C100DD1154, // 237
        0xDE34DE57572544FC, 0x18922F31411455A9, // 238
        0x55C215ED2CEE963B, 0x1EB6BAFD91596B14, // 239
        0xB5994DB43C151DE5, 0x133234DE7AD7E2EC, // 240
        0xE2FFA1214B1A655E, 0x17FEC216198DDBA7, // 241
        0xDBBF89699DE0FEB6, 0x1DFE729B9FF15291, // 242
        0x2957B5E202AC9F31, 0x12BF07A143F6D39B, // 243
        0xF3ADA35A8357C6FE, 0x176EC98994F48881, // 244
        0x70990C31242DB8BD, 0x1D4A7BEBFA31AAA2, // 245
        0x865FA79EB69C9376, 0x124E8D737C5F0AA5, // 246
        0xE7F791866443B854, 0x16E230D05B76CD4E, // 247
        0xA1F575E7FD54A669, 0x1C9ABD04725480A2, // 248
        0xA53969B0FE54E801, 0x11E0B622C774D065, // 249
        0x0E87C41D3DEA2202, 0x1658E3AB7952047F, // 250
        0xD229B5248D64AA82, 0x1BEF1C9657A6859E, // 251
        0x435A1136D85EEA91, 0x117571DDF6C81383, // 252
        0x143095848E76A536, 0x15D2CE55747A1864, // 253
        0x193CBAE5B2144E83, 0x1B4781EAD1989E7D, // 254
        0x2FC5F4CF8F4CB112, 0x110CB132C2FF630E, // 255
        0xBBB77203731FDD56, 0x154FDD7F73BF3BD1, // 256
        0x2AA54E844FE7D4AC, 0x1AA3D4DF50AF0AC6, // 257
        0xDAA75112B1F0E4EB, 0x10A6650B926D66BB, // 258
        0xD15125575E6D1E26, 0x14CFFE4E7708C06A, // 259
        0x85A56EAD360865B0, 0x1A03FDE214CAF085, // 260
        0x7387652C41C53F8E, 0x10427EAD4CFED653, // 261
        0x50693E7752368F71, 0x14531E58A03E8BE8, // 262
        0x64838E1526C4334E, 0x1967E5EEC84E2EE2, // 263
        0xFDA4719A70754022, 0x1FC1DF6A7A61BA9A, // 264
        0xDE86C70086494815, 0x13D92BA28C7D14A0, // 265
        0x162878C0A7DB9A1A, 0x18CF768B2F9C59C9, // 266
        0x5BB296F0D1D280A1, 0x1F03542DFB83703B, // 267
        0x194F9E5683239064, 0x1362149CBD322625, // 268
        0x5FA385EC23EC747E, 0x183A99C3EC7EAFAE, // 269
        0xF78C67672CE7919D, 0x1E494034E79E5B99, // 270
        0x3AB7C0A07C10BB02, 0x12EDC82110C2F940, // 271
        0x4965B0C89B14E9C3, 0x17A93A2954F3B790, // 272
        0x5BBF1CFAC1DA2433, 0x1D9388B3AA30A574, // 273
        0xB957721CB92856A0, 0x127C35704A5E6768, // 274
        0xE7AD4EA3E7726C48, 0x171B42CC5CF60142, // 275
        0xA198A24CE14F075A, 0x1CE2137F74338193, // 276
        0x44FF65700CD16498, 0x120D4C2FA8A030FC, // 277
        0x563F3ECC1005BDBE, 0x16909F3B92C83D3B, // 278
        0x2BCF0E7F14072D2E, 0x1C34C70A777A4C8A, // 279
        0x5B61690F6C847C3D, 0x11A0FC668AAC6FD6, // 280
        0xF239C35347A59B4C, 0x16093B802D578BCB, // 281
        0xEEC83428198F021F, 0x1B8B8A6038AD6EBE, // 282
        0x553D20990FF96153, 0x1137367C236C6537, // 283
        0x2A8C68BF53F7B9A8, 0x1585041B2C477E85, // 284
        0x752F82EF28F5A812, 0x1AE64521F7595E26, // 285
        0x093DB1D57999890B, 0x10CFEB353A97DAD8, // 286
        0x0B8D1E4AD7FFEB4E, 0x1503E602893DD18E, // 287
        0x8E7065DD8DFFE622, 0x1A44DF832B8D45F1, // 288
        0xF9063FAA78BFEFD5, 0x106B0BB1FB384BB6, // 289
        0xB747CF9516EFEBCA, 0x1485CE9E7A065EA4, // 290
        0xE519C37A5CABE6BD, 0x19A742461887F64D, // 291
        0xAF301A2C79EB7036, 0x1008896BCF54F9F0, // 292
        0xDAFC20B798664C43, 0x140AABC6C32A386C, // 293
        0x11BB28E57E7FDF54, 0x190D56B873F4C688, // 294
        0x1629F31EDE1FD72A, 0x1F50AC6690F1F82A, // 295
        0x4DDA37F34AD3E67A, 0x13926BC01A973B1A, // 296
        0xE150C5F01D88E019, 0x187706B0213D09E0, // 297
        0x19A4F76C24EB181F, 0x1E94C85C298C4C59, // 298
        0xB0071AA39712EF13, 0x131CFD3999F7AFB7, // 299
        0x9C08E14C7CD7AAD8, 0x17E43C8800759BA5, // 300
        0x030B199F9C0D958E, 0x1DDD4BAA0093028F, // 301
        0x61E6F003C1887D79, 0x12AA4F4A405BE199, // 302
        0xBA60AC04B1EA9CD7, 0x1754E31CD072D9FF, // 303
        0xA8F8D705DE65440D, 0x1D2A1BE4048F907F, // 304
        0xC99B8663AAFF4A88, 0x123A516E82D9BA4F, // 305
        0xBC0267FC95BF1D2A, 0x16C8E5CA239028E3, // 306
        0xAB0301FBBB2EE474, 0x1C7B1F3CAC74331C, // 307
        0xEAE1E13D54FD4EC9, 0x11CCF385EBC89FF1, // 308
        0x659A598CAA3CA27B, 0x1640306766BAC7EE, // 309
        0xFF00EFEFD4CBCB1A, 0x1BD03C81406979E9, // 310
        0x3F6095F5E4FF5EF0, 0x116225D0C841EC32, // 311
        0xCF38BB735E3F36AC, 0x15BAAF44FA52673E, // 312
        0x8306EA5035CF0457, 0x1B295B1638E7010E, // 313
        0x11E4527221A162B6, 0x10F9D8EDE39060A9, // 314
        0x565D670EAA09BB64, 0x15384F295C7478D3, // 315
        0x2BF4C0D2548C2A3D, 0x1A8662F3B3919708, // 316
        0x1B78F88374D79A66, 0x1093FDD8503AFE65, // 317
        0x625736A4520D8100, 0x14B8FD4E6449BDFE, // 318
        0xFAED044D6690E140, 0x19E73CA1FD5C2D7D, // 319
        0xBCD422B0601A8CC8, 0x103085E53E599C6E, // 320
        0x6C092B5C78212FFA, 0x143CA75E8DF0038A, // 321
        0x070B763396297BF8, 0x194BD136316C046D, // 322
        0x48CE53C07BB3DAF6, 0x1F9EC583BDC70588, // 323
        0x2D80F4584D5068DA, 0x13C33B72569C6375, // 324
        0x78E1316E60A48310, 0x18B40A4EEC437C52, // 325
    ];
}
