using System.Buffers.Binary;

namespace DigiUsher.CurParser.Importing;

/// <summary>
/// A <see cref="decimal"/> in Postgres's binary <c>numeric</c> format, as <c>numeric_recv</c> reads it
/// (https://github.com/postgres/postgres/blob/master/src/backend/utils/adt/numeric.c): four int16s (digit count,
/// weight, sign, display scale), then base-10000 digits, most significant first, with no trailing zero digits.
/// The weight is the power of 10000 of the first digit; the display scale is the decimal's own scale, so
/// 1.50 stays 1.50 (as Npgsql writes it).
/// </summary>
public static class PgNumericEncoding
{
    private const ushort SignPositive = 0x0000;
    private const ushort SignNegative = 0x4000;

    /// <summary>
    /// The most digits a decimal needs: its 96-bit mantissa (29 decimal digits) padded by up to three digits
    /// to whole base-10000 digits is at most 32 decimal digits.
    /// </summary>
    private const int MaxDigits = 8;

    /// <summary>The longest encoding (header and <see cref="MaxDigits"/>).</summary>
    public const int MaxBytes = 8 + 2 * MaxDigits;

    private static ReadOnlySpan<uint> PadToWholeDigit => [1, 1000, 100, 10];

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxBytes"/> long); returns the bytes written.</summary>
    public static int Write(decimal value, Span<byte> destination)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var scale = value.Scale;
        var mantissa = ((UInt128)(uint)bits[2] << 64) | ((ulong)(uint)bits[1] << 32) | (uint)bits[0];

        // Digits of the fraction align to base-10000 digits from the decimal point: 0.5 is 0.5000, one digit 5000.
        var fractionDigits = (scale + 3) / 4;
        mantissa *= PadToWholeDigit[scale % 4];

        // Least significant first; the zeros at the end of the number are dropped (Postgres stores none).
        Span<short> digits = stackalloc short[MaxDigits];
        var count = 0;
        var dropped = 0;
        while (mantissa != 0)
        {
            ulong digit;
            if (mantissa <= ulong.MaxValue)
            {
                // Most amounts fit 64 bits, where division is one instruction rather than UInt128's software routine.
                (var quotient, digit) = Math.DivRem((ulong)mantissa, 10_000UL);
                mantissa = quotient;
            }
            else
            {
                (mantissa, var remainder) = UInt128.DivRem(mantissa, 10_000);
                digit = (ulong)remainder;
            }

            if (count == 0 && digit == 0)
            {
                dropped++;
                continue;
            }

            digits[count++] = (short)digit;
        }

        var weight = count == 0 ? 0 : count + dropped - 1 - fractionDigits;
        BinaryPrimitives.WriteInt16BigEndian(destination, (short)count);
        BinaryPrimitives.WriteInt16BigEndian(destination[2..], (short)weight);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], count > 0 && value < 0 ? SignNegative : SignPositive);
        BinaryPrimitives.WriteInt16BigEndian(destination[6..], (short)scale);
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(destination[(8 + 2 * i)..], digits[count - 1 - i]);
        }

        return 8 + 2 * count;
    }
}
