using System.Buffers.Binary;
using System.Text;
using DigiUsher.CurParser.Importing;

namespace DigiUsher.CurParser.Tests;

/// <summary>The binary COPY encoding of each field type, byte for byte as Postgres's <c>*_recv</c> functions read them.</summary>
public class BinaryCopyBufferTests
{
    [Theory]
    [InlineData("0.5", 1, -1, false, 1, new short[] { 5000 })]
    [InlineData("12345.6789", 3, 1, false, 4, new short[] { 1, 2345, 6789 })]
    [InlineData("10000", 1, 1, false, 0, new short[] { 1 })]
    [InlineData("-1.50", 2, 0, true, 2, new short[] { 1, 5000 })]
    [InlineData("0.00001", 1, -2, false, 5, new short[] { 1000 })]
    [InlineData("0.0001", 1, -1, false, 4, new short[] { 1 })]
    [InlineData("100200030004", 3, 2, false, 0, new short[] { 1002, 3, 4 })]
    [InlineData("0.000", 0, 0, false, 3, new short[] { })]
    [InlineData("-0", 0, 0, false, 0, new short[] { })]
    [InlineData("79228162514264337593543950335", 8, 7, false, 0, new short[] { 7, 9228, 1625, 1426, 4337, 5935, 4395, 335 })]
    [InlineData("-7.9228162514264337593543950335", 8, 0, true, 28, new short[] { 7, 9228, 1625, 1426, 4337, 5935, 4395, 335 })]
    [InlineData("0.0000000000000000000000000001", 1, -7, false, 28, new short[] { 1 })]
    public void Numeric_IsBase10000DigitsWithWeightSignAndTheDecimalsScale(string text, short digitCount, short weight, bool negative, short scale, short[] digits)
    {
        var value = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var bytes = new byte[PgNumericEncoding.MaxBytes];

        var written = PgNumericEncoding.Write(value, bytes);

        Assert.Equal(8 + 2 * digits.Length, written);
        Assert.Equal(digitCount, BinaryPrimitives.ReadInt16BigEndian(bytes));
        Assert.Equal(weight, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(2)));
        Assert.Equal(negative ? 0x4000 : 0, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(4)));
        Assert.Equal(scale, BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(6)));
        Assert.Equal(digits, Enumerable.Range(0, digits.Length).Select(i => BinaryPrimitives.ReadInt16BigEndian(bytes.AsSpan(8 + 2 * i))));
    }

    [Fact]
    public void HeaderAndTrailer_AreTheSignatureWithNoFlagsAndMinusOne()
    {
        var buffer = new BinaryCopyBuffer();

        buffer.WriteHeader();
        buffer.WriteTrailer();

        Assert.Equal([.. "PGCOPY\n"u8, 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], buffer.Written.ToArray());
    }

    [Fact]
    public void TimestampTz_IsMicrosecondsSince2000Utc_AndInfinityAtTheEnds()
    {
        var buffer = new BinaryCopyBuffer();

        buffer.TimestampTz(new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        buffer.TimestampTz(new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddTicks(15));
        buffer.TimestampTz(new DateTime(1999, 12, 31, 23, 59, 59, DateTimeKind.Utc));
        buffer.TimestampTz(DateTime.MinValue);
        buffer.TimestampTz(DateTime.MaxValue);

        var fields = Fields(buffer.Written.ToArray()).Select(f => BinaryPrimitives.ReadInt64BigEndian(f)).ToList();
        Assert.Equal([0L, 762_602_400_000_001L, -1_000_000L, long.MinValue, long.MaxValue], fields);
    }

    [Theory]
    [InlineData(DateTimeKind.Local)]
    [InlineData(DateTimeKind.Unspecified)]
    public void TimestampTz_WhenNotUtc_IsRefused(DateTimeKind kind)
    {
        var buffer = new BinaryCopyBuffer();

        var error = Assert.Throws<ArgumentException>(() => buffer.TimestampTz(new DateTime(2024, 3, 1, 10, 0, 0, kind)));

        Assert.Contains("must be UTC", error.Message);
    }

    [Fact]
    public void TextAndJsonb_AreUtf8WithTheirLength_JsonbAfterItsVersion_NullAsMinusOne()
    {
        var buffer = new BinaryCopyBuffer(capacity: 8);

        buffer.Text("Zürich 日本 😀");
        buffer.Text("");
        buffer.Text(null);
        buffer.Jsonb("""{"team":"ß"}""");
        buffer.Jsonb(null);

        var fields = Fields(buffer.Written.ToArray());
        Assert.Equal("Zürich 日本 😀", Encoding.UTF8.GetString(fields[0]!));
        Assert.Empty(fields[1]!);
        Assert.Null(fields[2]);
        Assert.Equal([1, .. """{"team":"ß"}"""u8], fields[3]);
        Assert.Null(fields[4]);
    }

    [Fact]
    public void Text_WhenLargerThanTheBuffer_GrowsIt()
    {
        var buffer = new BinaryCopyBuffer(capacity: 16);
        var large = new string('x', 1_000_000);

        buffer.Int16(7);
        buffer.Text(large);

        var fields = Fields(buffer.Written.ToArray());
        Assert.Equal(7, BinaryPrimitives.ReadInt16BigEndian(fields[0]));
        Assert.Equal(1_000_000, fields[1]!.Length);
    }

    [Fact]
    public void Text_WhenTheStringIsNotValidUtf16_IsRefused()
    {
        var buffer = new BinaryCopyBuffer();

        Assert.Throws<EncoderFallbackException>(() => buffer.Text("lone \uD800 surrogate"));
    }

    [Fact]
    public void UuidAndIntegers_AreBigEndianWithTheirLength()
    {
        var buffer = new BinaryCopyBuffer();
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

        buffer.Uuid(id);
        buffer.Int16(-2);
        buffer.Int64(1L << 40);

        var fields = Fields(buffer.Written.ToArray());
        Assert.Equal(Convert.FromHexString("00112233445566778899AABBCCDDEEFF"), fields[0]);
        Assert.Equal([0xFF, 0xFE], fields[1]);
        Assert.Equal([0, 0, 1, 0, 0, 0, 0, 0], fields[2]);
    }

    /// <summary>Length-prefixed fields (null for length -1).</summary>
    private static List<byte[]?> Fields(byte[] bytes)
    {
        var fields = new List<byte[]?>();
        for (var at = 0; at < bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
            at += 4;
            fields.Add(length < 0 ? null : bytes[at..(at + length)]);
            at += Math.Max(length, 0);
        }

        return fields;
    }
}
