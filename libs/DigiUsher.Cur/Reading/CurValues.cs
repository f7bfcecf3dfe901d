using System.Globalization;

namespace DigiUsher.Cur.Reading;

/// <summary>Parsing of CUR cell values: decimals, timestamps, tag keys.</summary>
public static class CurValues
{
    public const string DefaultCurrency = "USD";
    public const string EmptyJsonObject = "{}";

    /// <summary>Parses a decimal cell; empty is null. Scientific notation is accepted (AWS writes tiny amounts as <c>1.0E-7</c>).</summary>
    public static decimal? ParseDecimal(ReadOnlySpan<char> text, string column)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            return null;
        }

        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        throw new CurFormatException($"column {column}: '{Preview(text)}' is not a decimal number within range");
    }

    /// <summary>Converts a Parquet double once to decimal (doubles are never summed).</summary>
    public static decimal FromDouble(double value, string column)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || Math.Abs(value) > 7.9e27)
        {
            throw new CurFormatException($"column {column}: {value.ToString(CultureInfo.InvariantCulture)} is not a finite amount within range");
        }

        return (decimal)value;
    }

    /// <summary>
    /// Parses <c>2018-06-01T00:00:00Z</c>, <c>2018-06-01T00:00:00.000Z</c>, <c>2018-06-01 00:00:00</c>
    /// (koku's form) and an ISO interval <c>start/end</c> (its start), all as UTC.
    /// </summary>
    public static DateTime? ParseTimestamp(ReadOnlySpan<char> text, string column)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            return null;
        }

        var slash = text.IndexOf('/');
        if (slash > 0)
        {
            text = text[..slash];
        }

        if (TryParseFast(text, out var fast))
        {
            return fast;
        }

        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var value))
        {
            return DateTime.SpecifyKind(value, DateTimeKind.Utc);
        }

        throw new CurFormatException($"column {column}: '{Preview(text)}' is not a timestamp");
    }

    /// <summary>
    /// The tag key as people know it on the resource: <c>user:team</c> gives <c>team</c>, AWS tags keep
    /// their prefix (<c>aws:createdBy</c>); normalized keys of Parquet and CUR 2.0 are kept as given,
    /// less the <c>user_</c> prefix (<c>user_cost_center</c> gives <c>cost_center</c>).
    /// </summary>
    public static string TagKey(string raw)
    {
        if (raw.StartsWith("user:", StringComparison.Ordinal))
        {
            return raw["user:".Length..];
        }

        if (raw.StartsWith("user_", StringComparison.Ordinal) && raw.Length > "user_".Length)
        {
            return raw["user_".Length..];
        }

        return raw;
    }

    public static string Preview(ReadOnlySpan<char> text) =>
        text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");

    private static bool TryParseFast(ReadOnlySpan<char> s, out DateTime value)
    {
        value = default;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        var rest = s[19..];
        if (!rest.IsEmpty && rest[0] == '.')
        {
            var i = 1;
            while (i < rest.Length && char.IsAsciiDigit(rest[i]))
            {
                i++;
            }

            rest = rest[i..];
        }

        if (!(rest.IsEmpty || rest is "Z" || rest is "+00:00"))
        {
            return false;
        }

        if (!TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || !TryDigits(s.Slice(17, 2), out var second)
            || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month) || hour > 23 || minute > 59 || second > 59 || year < 1)
        {
            return false;
        }

        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
