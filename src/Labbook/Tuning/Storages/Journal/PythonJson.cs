using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Labbook.Tuning.Storages.Journal;

/// <summary>
/// JSON as Python's <c>json</c> module writes and reads it with default settings: separators
/// <c>", "</c> and <c>": "</c>, <c>ensure_ascii</c> escapes, <c>repr</c> floats and the bare
/// literals <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>. System.Text.Json cannot read the bare
/// literals, so this is a small tolerant reader of its own (and needs no reflection, for AOT).
/// </summary>
internal static class PythonJson
{
    /// <summary>Parses one JSON document; throws <see cref="FormatException"/> with the byte column on error.</summary>
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8)
    {
        var reader = new JsonReader(utf8);
        reader.SkipWhitespace();
        var node = reader.ReadValue();
        reader.SkipWhitespace();
        if (!reader.AtEnd)
        {
            throw reader.Error("unexpected text after the JSON value");
        }
        return node;
    }

    /// <summary>Parses a JSON document given as a string.</summary>
    public static JsonNode? Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="node"/> as <c>json.dumps</c> would.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var (key, value) in obj)
                    {
                        if (!first)
                        {
                            sb.Append(", ");
                        }
                        first = false;
                        WriteString(sb, key);
                        sb.Append(": ");
                        Write(sb, value);
                    }
                    sb.Append('}');
                    break;
                }
            case JsonArray arr:
                {
                    sb.Append('[');
                    for (var i = 0; i < arr.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(", ");
                        }
                        Write(sb, arr[i]);
                    }
                    sb.Append(']');
                    break;
                }
            case JsonValue value:
                WriteValue(sb, value);
                break;
            default:
                throw new ArgumentException("unknown JSON node");
        }
    }

    /// <summary>Serializes <paramref name="node"/> to a string as <c>json.dumps</c> would.</summary>
    public static string Serialize(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        if (value.TryGetValue<string>(out var s))
        {
            WriteString(sb, s);
        }
        else if (value.TryGetValue<bool>(out var b))
        {
            sb.Append(b ? "true" : "false");
        }
        else if (value.TryGetValue<long>(out var l))
        {
            sb.Append(l.ToString(CultureInfo.InvariantCulture));
        }
        else if (value.TryGetValue<int>(out var i))
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture));
        }
        else if (value.TryGetValue<double>(out var d))
        {
            WriteDouble(sb, d);
        }
        else if (value.TryGetValue<float>(out var f))
        {
            WriteDouble(sb, f);
        }
        else if (value.TryGetValue<decimal>(out var m))
        {
            WriteDouble(sb, (double)m);
        }
        else if (value.TryGetValue<JsonElement>(out var e))
        {
            WriteElement(sb, e);
        }
        else
        {
            throw new ArgumentException($"a JSON value of an unsupported type: {value}");
        }
    }

    private static void WriteElement(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!);
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
                sb.Append("null");
                break;
            case JsonValueKind.Number when e.TryGetInt64(out var l) && !e.GetRawText().Contains('.', StringComparison.Ordinal):
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case JsonValueKind.Number:
                WriteDouble(sb, e.GetDouble());
                break;
            default:
                Write(sb, JsonNode.Parse(e.GetRawText()));
                break;
        }
    }

    /// <summary>Writes a string literal with <c>ensure_ascii</c> escaping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (c < ' ' || c > '~')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Writes a double as Python's <c>repr</c> (and <c>json.dumps</c>) does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteDouble(StringBuilder sb, double d)
    {
        if (double.IsNaN(d))
        {
            sb.Append("NaN");
            return;
        }
        if (double.IsPositiveInfinity(d))
        {
            sb.Append("Infinity");
            return;
        }
        if (double.IsNegativeInfinity(d))
        {
            sb.Append("-Infinity");
            return;
        }
        sb.Append(FormatDouble(d));
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, exponent form outside [1e-4, 1e16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string FormatDouble(double d)
    {
        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }
        // Take the shortest exact digits and exponent (not "R": it is neither for every value) and lay them out as Python does.
        var r = Metrics.ShortestDouble.Format(d);
        var negative = r[0] == '-';
        var body = negative ? r[1..] : r;
        var exponent = 0;
        var ePos = body.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exponent = int.Parse(body.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            body = body[..ePos];
        }
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? body[..dot] : body;
        var fracPart = dot >= 0 ? body[(dot + 1)..] : string.Empty;
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        // value = 0.digits × 10^decpt
        var decpt = intPart.Length - leadingZeros + exponent;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            return negative ? "-0.0" : "0.0";
        }
        var sb = new StringBuilder(24);
        if (negative)
        {
            sb.Append('-');
        }
        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0)
            {
                sb.Append("0.").Append('0', -decpt).Append(digits);
            }
            else if (decpt >= digits.Length)
            {
                sb.Append(digits).Append('0', decpt - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }
            var e = decpt - 1;
            sb.Append('e').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>A forward reader over one UTF-8 JSON text that also accepts Python's bare NaN and infinities.</summary>
    internal ref struct JsonReader
    {
        private readonly ReadOnlySpan<byte> _s;
        private int _pos;

        public JsonReader(ReadOnlySpan<byte> s)
        {
            _s = s;
            _pos = 0;
        }

        /// <summary>The next byte after whitespace (0 at the end).</summary>
        public byte Peek()
        {
            SkipWhitespace();
            return _pos < _s.Length ? _s[_pos] : (byte)0;
        }

        /// <summary>Consumes <paramref name="c"/> after whitespace or throws.</summary>
        public void Expect(byte c)
        {
            if (Peek() != c)
            {
                throw Error($"expected '{(char)c}'");
            }
            _pos++;
        }

        /// <summary>Consumes <paramref name="c"/> after whitespace when it is next.</summary>
        public bool TryConsume(byte c)
        {
            if (Peek() != c)
            {
                return false;
            }
            _pos++;
            return true;
        }

        /// <summary>Reads a number (or NaN / Infinity / -Infinity) as a double.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public double ReadDouble()
        {
            SkipWhitespace();
            if (_pos < _s.Length && _s[_pos] is (byte)'N' or (byte)'I')
            {
                return (double)ReadValue()!;
            }
            var start = _pos;
            if (_pos < _s.Length && _s[_pos] == '-')
            {
                _pos++;
                if (_s[_pos..].StartsWith("Infinity"u8))
                {
                    _pos += 8;
                    return double.NegativeInfinity;
                }
            }
            while (_pos < _s.Length && _s[_pos] is (>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-')
            {
                _pos++;
            }
            if (!double.TryParse(_s[start.._pos], NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                _pos = start;
                throw Error("expected a number");
            }
            return d;
        }

        /// <summary>Reads an integer (an integral float is accepted).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int ReadInt()
        {
            var d = ReadDouble();
            if (d != Math.Floor(d) || d > int.MaxValue || d < int.MinValue)
            {
                throw Error("expected an integer");
            }
            return (int)d;
        }

        /// <summary>
        /// Reads a string literal and returns its raw bytes between the quotes (escapes not decoded), so callers can
        /// compare keys and cache values without allocating.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public ReadOnlySpan<byte> ReadRawString()
        {
            if (Peek() != '"')
            {
                throw Error("expected a string");
            }
            var start = ++_pos;
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if (c == '"')
                {
                    return _s[start.._pos++];
                }
                _pos += c == '\\' ? 2 : 1;
            }
            throw Error("unterminated string");
        }

        /// <summary>Decodes the raw bytes of a string literal (as returned by <see cref="ReadRawString"/>).</summary>
        public static string Decode(ReadOnlySpan<byte> raw)
        {
            if (raw.IndexOf((byte)'\\') < 0)
            {
                return Encoding.UTF8.GetString(raw);
            }
            Span<byte> quoted = raw.Length < 512 ? stackalloc byte[raw.Length + 2] : new byte[raw.Length + 2];
            quoted[0] = (byte)'"';
            raw.CopyTo(quoted[1..]);
            quoted[^1] = (byte)'"';
            var r = new JsonReader(quoted);
            return r.ReadString();
        }

        /// <summary>Reads a string, or null for a JSON null.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string? ReadStringOrNull()
        {
            var c = Peek();
            if (c == 'n')
            {
                Expect("null"u8);
                return null;
            }
            if (c != '"')
            {
                throw Error("expected a string");
            }
            return ReadString();
        }

        public readonly bool AtEnd => _pos >= _s.Length;

        public readonly FormatException Error(string what) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{what} at column {_pos + 1}"));

        public void SkipWhitespace()
        {
            while (_pos < _s.Length && _s[_pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _pos++;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public JsonNode? ReadValue()
        {
            if (_pos >= _s.Length)
            {
                throw Error("unexpected end of JSON");
            }
            switch (_s[_pos])
            {
                case (byte)'{':
                    return ReadObject();
                case (byte)'[':
                    return ReadArray();
                case (byte)'"':
                    return JsonValue.Create(ReadString());
                case (byte)'t':
                    Expect("true"u8);
                    return JsonValue.Create(true);
                case (byte)'f':
                    Expect("false"u8);
                    return JsonValue.Create(false);
                case (byte)'n':
                    Expect("null"u8);
                    return null;
                case (byte)'N':
                    Expect("NaN"u8);
                    return JsonValue.Create(double.NaN);
                case (byte)'I':
                    Expect("Infinity"u8);
                    return JsonValue.Create(double.PositiveInfinity);
                default:
                    return ReadNumber();
            }
        }

        private void Expect(ReadOnlySpan<byte> literal)
        {
            if (!_s[_pos..].StartsWith(literal))
            {
                throw Error("invalid literal");
            }
            _pos += literal.Length;
        }

        private JsonObject ReadObject()
        {
            _pos++;
            var obj = new JsonObject();
            SkipWhitespace();
            if (_pos < _s.Length && _s[_pos] == '}')
            {
                _pos++;
                return obj;
            }
            while (true)
            {
                SkipWhitespace();
                if (_pos >= _s.Length || _s[_pos] != '"')
                {
                    throw Error("expected a property name");
                }
                var key = ReadString();
                SkipWhitespace();
                if (_pos >= _s.Length || _s[_pos] != ':')
                {
                    throw Error("expected ':'");
                }
                _pos++;
                SkipWhitespace();
                var value = ReadValue();
                // Python keeps the last of duplicate keys.
                obj[key] = value;
                if (EndOfContainer('}'))
                {
                    return obj;
                }
            }
        }

        private JsonArray ReadArray()
        {
            _pos++;
            var arr = new JsonArray();
            SkipWhitespace();
            if (_pos < _s.Length && _s[_pos] == ']')
            {
                _pos++;
                return arr;
            }
            while (true)
            {
                SkipWhitespace();
                arr.Add(ReadValue());
                if (EndOfContainer(']'))
                {
                    return arr;
                }
            }
        }

        /// <summary>After an element: consumes ',' (false: another element follows) or <paramref name="close"/> (true).</summary>
        private bool EndOfContainer(char close)
        {
            SkipWhitespace();
            if (_pos >= _s.Length)
            {
                throw Error("unexpected end of JSON");
            }
            if (_s[_pos] == ',')
            {
                _pos++;
                return false;
            }
            if (_s[_pos] == close)
            {
                _pos++;
                return true;
            }
            throw Error($"expected ',' or '{close}'");
        }

        private JsonValue ReadNumber()
        {
            var start = _pos;
            if (_s[_pos] == '-')
            {
                _pos++;
                if (_s[_pos..].StartsWith("Infinity"u8))
                {
                    _pos += 8;
                    return JsonValue.Create(double.NegativeInfinity);
                }
            }
            var isInteger = true;
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if (c is >= (byte)'0' and <= (byte)'9')
                {
                    _pos++;
                }
                else if (c is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-')
                {
                    isInteger = false;
                    _pos++;
                }
                else
                {
                    break;
                }
            }
            var text = _s[start.._pos];
            if (text.Length == 0 || (text.Length == 1 && text[0] == '-'))
            {
                _pos = start;
                throw Error("invalid value");
            }
            if (isInteger && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                return JsonValue.Create(l);
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
            {
                return JsonValue.Create(d);
            }
            _pos = start;
            throw Error("invalid number");
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string ReadString()
        {
            _pos++;
            var start = _pos;
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if (c == '"')
                {
                    var plain = Encoding.UTF8.GetString(_s[start.._pos]);
                    _pos++;
                    return plain;
                }
                if (c == '\\')
                {
                    break;
                }
                _pos++;
            }
            var sb = new StringBuilder();
            sb.Append(Encoding.UTF8.GetString(_s[start.._pos]));
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if (c == '"')
                {
                    _pos++;
                    return sb.ToString();
                }
                if (c != '\\')
                {
                    var runStart = _pos;
                    while (_pos < _s.Length && _s[_pos] != '"' && _s[_pos] != '\\')
                    {
                        _pos++;
                    }
                    sb.Append(Encoding.UTF8.GetString(_s[runStart.._pos]));
                    continue;
                }
                _pos++;
                if (_pos >= _s.Length)
                {
                    break;
                }
                var e = _s[_pos++];
                switch (e)
                {
                    case (byte)'"':
                        sb.Append('"');
                        break;
                    case (byte)'\\':
                        sb.Append('\\');
                        break;
                    case (byte)'/':
                        sb.Append('/');
                        break;
                    case (byte)'b':
                        sb.Append('\b');
                        break;
                    case (byte)'f':
                        sb.Append('\f');
                        break;
                    case (byte)'n':
                        sb.Append('\n');
                        break;
                    case (byte)'r':
                        sb.Append('\r');
                        break;
                    case (byte)'t':
                        sb.Append('\t');
                        break;
                    case (byte)'u':
                        if (_pos + 4 > _s.Length || !int.TryParse(_s.Slice(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("invalid \\u escape");
                        }
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Error("invalid escape");
                }
            }
            throw Error("unterminated string");
        }
    }
}
