namespace DigiUsher.Cur.Reading;

/// <summary>The Parquet page types (parquet.thrift <c>PageType</c>).</summary>
public enum ParquetPageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>
/// The fields of a Parquet <c>PageHeader</c> (with its data, dictionary or v2 data page header) that a
/// decoder needs, read from the Thrift compact protocol in which every page of a column chunk begins
/// (https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift,
/// https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md). Parquet.Net
/// keeps its own reader of these internal; statistics and unknown fields are skipped.
/// </summary>
public sealed class ParquetPageHeader
{
    /// <summary>How deep nested structs may go in a header (statistics hold none; a crafted header could hold thousands).</summary>
    private const int MaxDepth = 16;

    public ParquetPageType Type { get; private set; }

    public int UncompressedSize { get; private set; }

    public int CompressedSize { get; private set; }

    /// <summary>Levels in the page (values and nulls), for data pages; entries, for a dictionary page.</summary>
    public int NumValues { get; private set; }

    /// <summary>The values' encoding (parquet.thrift <c>Encoding</c>: 0 PLAIN, 2 PLAIN_DICTIONARY, 8 RLE_DICTIONARY, ...).</summary>
    public int Encoding { get; private set; }

    /// <summary>Data page v1: the encodings of the definition and repetition levels (3 RLE, 4 BIT_PACKED).</summary>
    public int DefinitionLevelEncoding { get; private set; } = 3;

    public int RepetitionLevelEncoding { get; private set; } = 3;

    /// <summary>Data page v2: the byte lengths of the (never compressed) levels, and whether the values are compressed.</summary>
    public int DefinitionLevelsByteLength { get; private set; }

    public int RepetitionLevelsByteLength { get; private set; }

    public bool IsCompressed { get; private set; } = true;

    private ParquetPageType? _kindRead;

    /// <summary>Reads the header at the start of <paramref name="data"/>; <paramref name="consumed"/> is its length in bytes.</summary>
    public static ParquetPageHeader Read(ReadOnlySpan<byte> data, out int consumed)
    {
        var reader = new CompactReader(data);
        var header = new ParquetPageHeader();
        var seen = 0;
        short field = 0;
        while (reader.NextField(ref field, out var type))
        {
            switch (field)
            {
                case 1 when type == CompactReader.I32:
                    header.Type = (ParquetPageType)reader.ReadI32();
                    seen |= 1;
                    break;
                case 2 when type == CompactReader.I32:
                    header.UncompressedSize = reader.ReadI32();
                    seen |= 2;
                    break;
                case 3 when type == CompactReader.I32:
                    header.CompressedSize = reader.ReadI32();
                    seen |= 4;
                    break;
                case 5 when type == CompactReader.Struct:
                    header.ReadDataPageHeader(ref reader);
                    break;
                case 7 when type == CompactReader.Struct:
                    header.ReadDictionaryPageHeader(ref reader);
                    break;
                case 8 when type == CompactReader.Struct:
                    header.ReadDataPageHeaderV2(ref reader);
                    break;
                default:
                    reader.Skip(type, MaxDepth);
                    break;
            }
        }

        if (seen != 7 || header.UncompressedSize < 0 || header.CompressedSize < 0)
        {
            throw new CurFormatException("a Parquet page header lacks its type or sizes, or declares a negative size");
        }

        if (header.Type != ParquetPageType.IndexPage && header._kindRead != header.Type)
        {
            throw new CurFormatException($"a Parquet {header.Type} page has no header of its kind");
        }

        consumed = reader.Position;
        return header;
    }

    private void ReadDataPageHeader(ref CompactReader reader)
    {
        _kindRead = ParquetPageType.DataPage;
        short field = 0;
        while (reader.NextField(ref field, out var type))
        {
            switch (field)
            {
                case 1 when type == CompactReader.I32: NumValues = reader.ReadI32(); break;
                case 2 when type == CompactReader.I32: Encoding = reader.ReadI32(); break;
                case 3 when type == CompactReader.I32: DefinitionLevelEncoding = reader.ReadI32(); break;
                case 4 when type == CompactReader.I32: RepetitionLevelEncoding = reader.ReadI32(); break;
                default: reader.Skip(type, MaxDepth); break;
            }
        }
    }

    private void ReadDictionaryPageHeader(ref CompactReader reader)
    {
        _kindRead = ParquetPageType.DictionaryPage;
        short field = 0;
        while (reader.NextField(ref field, out var type))
        {
            switch (field)
            {
                case 1 when type == CompactReader.I32: NumValues = reader.ReadI32(); break;
                case 2 when type == CompactReader.I32: Encoding = reader.ReadI32(); break;
                default: reader.Skip(type, MaxDepth); break;
            }
        }
    }

    private void ReadDataPageHeaderV2(ref CompactReader reader)
    {
        _kindRead = ParquetPageType.DataPageV2;
        short field = 0;
        while (reader.NextField(ref field, out var type))
        {
            switch (field)
            {
                case 1 when type == CompactReader.I32: NumValues = reader.ReadI32(); break;
                case 4 when type == CompactReader.I32: Encoding = reader.ReadI32(); break;
                case 5 when type == CompactReader.I32: DefinitionLevelsByteLength = reader.ReadI32(); break;
                case 6 when type == CompactReader.I32: RepetitionLevelsByteLength = reader.ReadI32(); break;
                case 7 when type is CompactReader.True or CompactReader.False: IsCompressed = type == CompactReader.True; break;
                default: reader.Skip(type, MaxDepth); break;
            }
        }
    }

    /// <summary>The Thrift compact protocol, as far as a page header needs it.</summary>
    private ref struct CompactReader(ReadOnlySpan<byte> data)
    {
        public const byte True = 1;
        public const byte False = 2;
        public const byte I32 = 5;
        public const byte Struct = 12;

        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        /// <summary>The next field of the current struct; false at its stop byte.</summary>
        public bool NextField(ref short field, out byte type)
        {
            var header = Byte();
            type = (byte)(header & 0x0F);
            if (type == 0)
            {
                return false;
            }

            var delta = header >> 4;
            field = delta != 0 ? checked((short)(field + delta)) : checked((short)ZigZag(VarInt()));
            return true;
        }

        public int ReadI32() => checked((int)ZigZag(VarInt()));

        public void Skip(byte type, int depth)
        {
            if (depth <= 0)
            {
                throw new CurFormatException("a Parquet page header nests deeper than any real one");
            }

            switch (type)
            {
                case True or False:
                    break;
                case 3:
                    Byte();
                    break;
                case 4 or 5 or 6:
                    VarInt();
                    break;
                case 7:
                    Advance(8);
                    break;
                case 8:
                    Advance(checked((int)VarInt()));
                    break;
                case 9 or 10:
                    {
                        var header = Byte();
                        var size = header >> 4 == 15 ? checked((int)VarInt()) : header >> 4;
                        var element = (byte)(header & 0x0F);
                        for (var i = 0; i < size; i++)
                        {
                            SkipElement(element, depth - 1);
                        }

                        break;
                    }

                case 11:
                    {
                        var size = checked((int)VarInt());
                        if (size > 0)
                        {
                            var types = Byte();
                            for (var i = 0; i < size; i++)
                            {
                                SkipElement((byte)(types >> 4), depth - 1);
                                SkipElement((byte)(types & 0x0F), depth - 1);
                            }
                        }

                        break;
                    }

                case Struct:
                    {
                        short field = 0;
                        while (NextField(ref field, out var inner))
                        {
                            Skip(inner, depth - 1);
                        }

                        break;
                    }

                default:
                    throw new CurFormatException($"a Parquet page header holds an unknown Thrift type {type}");
            }
        }

        /// <summary>In lists and maps a boolean is a whole byte.</summary>
        private void SkipElement(byte type, int depth)
        {
            if (type is True or False)
            {
                Byte();
            }
            else
            {
                Skip(type, depth);
            }
        }

        private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

        private ulong VarInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }

            throw new CurFormatException("a Parquet page header holds a variable-length integer longer than 10 bytes");
        }

        private byte Byte()
        {
            if (Position >= _data.Length)
            {
                throw new CurFormatException("a Parquet page header runs past its column chunk");
            }

            return _data[Position++];
        }

        private void Advance(int count)
        {
            if (count < 0 || count > _data.Length - Position)
            {
                throw new CurFormatException("a Parquet page header runs past its column chunk");
            }

            Position += count;
        }
    }
}
