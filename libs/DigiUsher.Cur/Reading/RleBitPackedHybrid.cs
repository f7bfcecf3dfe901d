namespace DigiUsher.Cur.Reading;

/// <summary>
/// Parquet's RLE/bit-packing hybrid, in which definition and repetition levels and dictionary indices are stored
/// (https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3):
/// runs, each a ULEB128 header whose low bit tells a repeated run (count = header &gt;&gt; 1, then the value in
/// ceil(width / 8) little-endian bytes) from a bit-packed run (header &gt;&gt; 1 groups of 8 values, least significant
/// bit first).
/// </summary>
public static class RleBitPackedHybrid
{
    /// <summary>
    /// Decodes exactly <paramref name="values"/>.Length values of <paramref name="bitWidth"/> bits from
    /// <paramref name="data"/> (a bit-packed run's padding past the last value is ignored); returns the bytes used.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> values)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new CurFormatException($"a Parquet page declares {bitWidth}-bit levels or indices");
        }

        var position = 0;
        var filled = 0;
        var valueBytes = (bitWidth + 7) / 8;
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        while (filled < values.Length)
        {
            var header = ReadUleb128(data, ref position);
            var count = header >> 1;
            if ((header & 1) == 0)
            {
                if (count == 0)
                {
                    throw new CurFormatException("a Parquet page holds an empty run of levels or indices");
                }

                if (valueBytes > data.Length - position)
                {
                    throw Truncated();
                }

                uint value = 0;
                for (var b = 0; b < valueBytes; b++)
                {
                    value |= (uint)data[position + b] << (8 * b);
                }

                position += valueBytes;
                var take = (int)Math.Min(count, (ulong)(values.Length - filled));
                values.Slice(filled, take).Fill((int)value);
                filled += take;
            }
            else
            {
                // count groups of 8 values: count * bitWidth bytes.
                if (count == 0 || count > (ulong)(data.Length - position) || count * (ulong)bitWidth > (ulong)(data.Length - position))
                {
                    throw Truncated();
                }

                var bytes = (int)(count * (ulong)bitWidth);
                var take = (int)Math.Min(count * 8, (ulong)(values.Length - filled));
                if (bitWidth == 0)
                {
                    values.Slice(filled, take).Clear();
                }
                else
                {
                    var packed = data.Slice(position, bytes);
                    ulong buffer = 0;
                    var bits = 0;
                    var next = 0;
                    for (var i = 0; i < take; i++)
                    {
                        while (bits < bitWidth)
                        {
                            buffer |= (ulong)packed[next++] << bits;
                            bits += 8;
                        }

                        values[filled + i] = (int)((uint)buffer & mask);
                        buffer >>= bitWidth;
                        bits -= bitWidth;
                    }
                }

                position += bytes;
                filled += take;
            }
        }

        return position;
    }

    /// <summary>The number of bits that hold values 0..<paramref name="max"/>.</summary>
    public static int BitWidth(int max) => max <= 0 ? 0 : 32 - int.LeadingZeroCount(max);

    private static ulong ReadUleb128(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (position >= data.Length)
            {
                throw Truncated();
            }

            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new CurFormatException("a Parquet page holds a run header longer than 5 bytes");
    }

    private static CurFormatException Truncated() => new("a Parquet page's levels or indices end before the values it declares");
}
