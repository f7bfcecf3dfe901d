using System.Buffers.Binary;
using System.IO.Compression;
using Parquet.Meta;
using Snappier;
using ZstdSharp;
using ParquetType = Parquet.Meta.Type;

namespace DigiUsher.Cur.Reading;

/// <summary>
/// Decodes a BYTE_ARRAY (string) column chunk straight into pooled strings, one slot per level, without
/// allocating per value: Parquet.Net 6.1 decodes every string into characters of its own, and that garbage
/// was about half of the Parquet import's CPU (collections). A dictionary page's entries become pooled strings
/// once; a data page's indices just refer to them; a plain value is decoded into a reused character buffer
/// and looked up in the column's <see cref="StringPool"/> (a repeat of the previous value is not even decoded).
/// </summary>
/// <remarks>
/// Handles what CUR files use: data pages v1 and v2, PLAIN and PLAIN_DICTIONARY/RLE_DICTIONARY values,
/// RLE/bit-packed levels, and UNCOMPRESSED, SNAPPY, GZIP and ZSTD pages of at most <see cref="MaxPageBytes"/>.
/// Anything else (another codec or encoding, a larger page) makes <see cref="TryDecodeAsync"/> return false
/// before any slot is trusted, and the caller reads the chunk with Parquet.Net as before. Damaged data is a
/// <see cref="CurFormatException"/>, never a wrong value: sizes, lengths, levels and indices are checked
/// against the bytes that hold them, and each page decompresses to exactly the size it declares.
/// (Format: https://parquet.apache.org/docs/file-format/data-pages/.)
/// </remarks>
public sealed class ParquetStringChunkDecoder : IDisposable
{
    /// <summary>
    /// Largest page this decoder decompresses (declared by the file, so bounded before anything is allocated):
    /// a writer's pages are about 1 MB (parquet-mr) or one per column chunk (Parquet.Net: a few MB per 100k rows).
    /// Larger pages go to Parquet.Net, as before this decoder.
    /// </summary>
    public const int MaxPageBytes = 64 << 20;

    private const int Plain = 0;
    private const int PlainDictionary = 2;
    private const int Rle = 3;
    private const int BitPacked = 4;
    private const int RleDictionary = 8;

    private byte[] _chunk = [];
    private byte[] _page = [];
    private char[] _chars = new char[256];
    private string[] _dictionary = [];
    private int _dictionaryCount;
    private int[] _definitions = [];
    private int[] _repetitions = [];
    private int[] _indices = [];
    private Decompressor? _zstd;

    /// <summary>Whether the chunk's type, codec and listed encodings are ones this decoder reads.</summary>
    public static bool Handles(ColumnMetaData column) =>
        column.Type == ParquetType.BYTE_ARRAY
        && column.Codec is CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY or CompressionCodec.GZIP or CompressionCodec.ZSTD
        && (column.Encodings ?? []).All(e => (int)e is Plain or PlainDictionary or Rle or BitPacked or RleDictionary);

    /// <summary>
    /// Decodes the chunk of <paramref name="column"/> (stored in <paramref name="file"/>) into
    /// <paramref name="slots"/>[0..<paramref name="levels"/>): the pooled string of each level, null where the
    /// definition level says undefined; with <paramref name="maxRepetition"/> above 0, each level's repetition
    /// level into <paramref name="repetitions"/>. False when the chunk uses something this decoder does not read
    /// (the slots then mean nothing: read the chunk with Parquet.Net).
    /// </summary>
    public async ValueTask<bool> TryDecodeAsync(
        Stream file,
        ColumnMetaData column,
        string name,
        int maxDefinition,
        int maxRepetition,
        int levels,
        string?[] slots,
        int[]? repetitions,
        StringPool pool,
        bool trim,
        CancellationToken cancellationToken)
    {
        if (!Handles(column) || column.NumValues != levels || column.TotalCompressedSize is <= 0 or > int.MaxValue)
        {
            return false;
        }

        var start = column.DictionaryPageOffset is > 0 and var dictionary && dictionary < column.DataPageOffset ? dictionary : column.DataPageOffset;
        var length = (int)column.TotalCompressedSize;
        if (start < 0 || start > file.Length - length)
        {
            return false;
        }

        if (_chunk.Length < length)
        {
            _chunk = new byte[length];
        }

        file.Seek(start, SeekOrigin.Begin);
        await file.ReadExactlyAsync(_chunk.AsMemory(0, length), cancellationToken);
        try
        {
            return Decode(_chunk, length, column.Codec, maxDefinition, maxRepetition, levels, slots, repetitions, pool, trim);
        }
        catch (CurFormatException ex)
        {
            throw new CurFormatException($"column {name}: {ex.Reason}", inner: ex);
        }
    }

    /// <summary>The same as <see cref="TryDecodeAsync"/>, over a column chunk's bytes <paramref name="chunk"/>[0..<paramref name="length"/>).</summary>
    public bool Decode(
        byte[] chunk,
        int length,
        CompressionCodec codec,
        int maxDefinition,
        int maxRepetition,
        int levels,
        string?[] slots,
        int[]? repetitions,
        StringPool pool,
        bool trim)
    {
        if (maxDefinition < 0 || maxRepetition < 0 || slots.Length < levels || (maxRepetition > 0 && (repetitions is null || repetitions.Length < levels)))
        {
            throw new ArgumentException("slots or repetitions smaller than the levels, or negative maximum levels");
        }

        _dictionaryCount = -1;
        var position = 0;
        var filled = 0;
        try
        {
            while (filled < levels)
            {
                if (position >= length)
                {
                    throw new CurFormatException($"the column chunk ends after {filled:N0} of the {levels:N0} values it declares");
                }

                var header = ParquetPageHeader.Read(chunk.AsSpan(position, length - position), out var used);
                position += used;
                if (header.CompressedSize > length - position)
                {
                    throw new CurFormatException($"a page of {header.CompressedSize:N0} bytes runs past its column chunk");
                }

                var payloadAt = position;
                position += header.CompressedSize;
                switch (header.Type)
                {
                    case ParquetPageType.IndexPage:
                        continue;
                    case ParquetPageType.DictionaryPage:
                        if (header.Encoding is not (Plain or PlainDictionary) || header.NumValues < 0)
                        {
                            return false;
                        }

                        ReadDictionary(Decompress(codec, chunk, payloadAt, header.CompressedSize, header.UncompressedSize), header.NumValues, pool, trim);
                        continue;
                    case ParquetPageType.DataPage or ParquetPageType.DataPageV2:
                        break;
                    default:
                        throw new CurFormatException($"a page of unknown type {(int)header.Type}");
                }

                var count = header.NumValues;
                if (count < 0 || count > levels - filled)
                {
                    throw new CurFormatException($"a page declares {count:N0} values where the column chunk has {levels - filled:N0} left");
                }

                EnsureLevels(count);
                ReadOnlySpan<byte> values;
                if (header.Type == ParquetPageType.DataPage)
                {
                    var page = Decompress(codec, chunk, payloadAt, header.CompressedSize, header.UncompressedSize);
                    var at = 0;
                    if (maxRepetition > 0)
                    {
                        at += ReadLevelsV1(page[at..], header.RepetitionLevelEncoding, maxRepetition, _repetitions.AsSpan(0, count));
                    }

                    if (maxDefinition > 0)
                    {
                        at += ReadLevelsV1(page[at..], header.DefinitionLevelEncoding, maxDefinition, _definitions.AsSpan(0, count));
                    }

                    values = page[at..];
                }
                else
                {
                    var repetitionBytes = header.RepetitionLevelsByteLength;
                    var definitionBytes = header.DefinitionLevelsByteLength;
                    if (repetitionBytes < 0 || definitionBytes < 0 || repetitionBytes + (long)definitionBytes > Math.Min(header.CompressedSize, header.UncompressedSize))
                    {
                        throw new CurFormatException("a v2 page declares levels larger than the page");
                    }

                    if (maxRepetition > 0)
                    {
                        ReadLevels(chunk.AsSpan(payloadAt, repetitionBytes), maxRepetition, _repetitions.AsSpan(0, count));
                    }

                    if (maxDefinition > 0)
                    {
                        ReadLevels(chunk.AsSpan(payloadAt + repetitionBytes, definitionBytes), maxDefinition, _definitions.AsSpan(0, count));
                    }

                    var levelBytes = repetitionBytes + definitionBytes;
                    var compressed = header.CompressedSize - levelBytes;
                    var uncompressed = header.UncompressedSize - levelBytes;
                    values = header.IsCompressed
                        ? Decompress(codec, chunk, payloadAt + levelBytes, compressed, uncompressed)
                        : Decompress(CompressionCodec.UNCOMPRESSED, chunk, payloadAt + levelBytes, compressed, uncompressed);
                }

                if (!ReadValues(header.Encoding, values, count, maxDefinition, slots.AsSpan(filled, count), pool, trim))
                {
                    return false;
                }

                if (maxRepetition > 0)
                {
                    _repetitions.AsSpan(0, count).CopyTo(repetitions.AsSpan(filled));
                }

                filled += count;
            }

            return true;
        }
        catch (UnsupportedPage)
        {
            return false;
        }
        finally
        {
            Array.Clear(_dictionary, 0, Math.Max(_dictionaryCount, 0));
        }
    }

    public void Dispose() => _zstd?.Dispose();

    /// <summary>Data page v1 levels: with the RLE encoding, a 4-byte length and the hybrid runs; returns the bytes used.</summary>
    private static int ReadLevelsV1(ReadOnlySpan<byte> page, int encoding, int max, Span<int> levels)
    {
        if (encoding != Rle)
        {
            throw new UnsupportedPage();
        }

        if (page.Length < 4)
        {
            throw new CurFormatException("a page ends before its levels' length");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(page);
        if (length < 0 || length > page.Length - 4)
        {
            throw new CurFormatException($"a page declares {length:N0} bytes of levels, more than it holds");
        }

        ReadLevels(page.Slice(4, length), max, levels);
        return 4 + length;
    }

    private static void ReadLevels(ReadOnlySpan<byte> data, int max, Span<int> levels)
    {
        RleBitPackedHybrid.Decode(data, RleBitPackedHybrid.BitWidth(max), levels);
        foreach (var level in levels)
        {
            if ((uint)level > (uint)max)
            {
                throw new CurFormatException($"a page holds level {level}, above the column's maximum {max}");
            }
        }
    }

    private bool ReadValues(int encoding, ReadOnlySpan<byte> values, int count, int maxDefinition, Span<string?> slots, StringPool pool, bool trim)
    {
        var definitions = _definitions.AsSpan(0, count);
        switch (encoding)
        {
            case Plain:
                {
                    var at = 0;
                    string? previous = null;
                    var previousAt = 0;
                    var previousLength = -1;
                    for (var i = 0; i < count; i++)
                    {
                        if (maxDefinition > 0 && definitions[i] != maxDefinition)
                        {
                            slots[i] = null;
                            continue;
                        }

                        var length = ValueLength(values, at);
                        var bytes = values.Slice(at + 4, length);

                        // Consecutive rows mostly repeat a value (hourly lines of one resource): compare the bytes first.
                        if (length != previousLength || !bytes.SequenceEqual(values.Slice(previousAt, previousLength)))
                        {
                            previous = Intern(bytes, pool, trim);
                            previousAt = at + 4;
                            previousLength = length;
                        }

                        slots[i] = previous;
                        at += 4 + length;
                    }

                    return true;
                }

            case PlainDictionary or RleDictionary:
                {
                    if (_dictionaryCount < 0)
                    {
                        throw new CurFormatException("a dictionary-encoded page comes before any dictionary page");
                    }

                    if (values.IsEmpty)
                    {
                        throw new CurFormatException("a dictionary-encoded page has no index width");
                    }

                    var present = 0;
                    for (var i = 0; i < count; i++)
                    {
                        if (maxDefinition == 0 || definitions[i] == maxDefinition)
                        {
                            present++;
                        }
                    }

                    if (_indices.Length < present)
                    {
                        _indices = new int[Math.Max(present, _indices.Length * 2)];
                    }

                    var indices = _indices.AsSpan(0, present);
                    if (present > 0)
                    {
                        RleBitPackedHybrid.Decode(values[1..], values[0], indices);
                    }

                    var next = 0;
                    for (var i = 0; i < count; i++)
                    {
                        if (maxDefinition > 0 && definitions[i] != maxDefinition)
                        {
                            slots[i] = null;
                            continue;
                        }

                        var index = indices[next++];
                        if ((uint)index >= (uint)_dictionaryCount)
                        {
                            throw new CurFormatException($"a page refers to dictionary entry {index}, past the dictionary's {_dictionaryCount}");
                        }

                        slots[i] = _dictionary[index];
                    }

                    return true;
                }

            default:
                return false;
        }
    }

    private void ReadDictionary(ReadOnlySpan<byte> page, int count, StringPool pool, bool trim)
    {
        Array.Clear(_dictionary, 0, Math.Max(_dictionaryCount, 0));

        // Each entry takes at least its 4-byte length: a count beyond that is a lie, refused before allocating for it.
        if (count > page.Length / 4 + 1)
        {
            throw new CurFormatException($"a dictionary page declares {count:N0} entries in {page.Length:N0} bytes");
        }

        if (_dictionary.Length < count)
        {
            _dictionary = new string[count];
        }

        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var length = ValueLength(page, at);
            _dictionary[i] = Intern(page.Slice(at + 4, length), pool, trim);
            at += 4 + length;
        }

        _dictionaryCount = count;
    }

    private static int ValueLength(ReadOnlySpan<byte> values, int at)
    {
        if (values.Length - at < 4)
        {
            throw new CurFormatException("a page ends before the values its levels declare");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(values[at..]);
        if (length < 0 || length > values.Length - at - 4)
        {
            throw new CurFormatException($"a value declares {length:N0} bytes, more than its page holds");
        }

        return length;
    }

    /// <summary>The pooled string of UTF-8 <paramref name="bytes"/> (invalid sequences become U+FFFD, as Parquet.Net reads them).</summary>
    private string Intern(ReadOnlySpan<byte> bytes, StringPool pool, bool trim)
    {
        if (_chars.Length < bytes.Length)
        {
            _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        }

        var text = _chars.AsSpan(0, System.Text.Encoding.UTF8.GetChars(bytes, _chars));
        return pool.Get(trim ? text.Trim() : text);
    }

    private void EnsureLevels(int count)
    {
        if (_definitions.Length < count)
        {
            _definitions = new int[count];
            _repetitions = new int[count];
        }
    }

    /// <summary>The page's bytes, decompressed to exactly the size the page declares.</summary>
    private ReadOnlySpan<byte> Decompress(CompressionCodec codec, byte[] chunk, int at, int compressed, int uncompressed)
    {
        if (compressed < 0 || uncompressed < 0)
        {
            throw new CurFormatException("a page declares a negative size");
        }

        var source = chunk.AsSpan(at, compressed);
        if (codec == CompressionCodec.UNCOMPRESSED)
        {
            if (compressed != uncompressed)
            {
                throw new CurFormatException($"an uncompressed page declares {uncompressed:N0} bytes but holds {compressed:N0}");
            }

            return source;
        }

        if (uncompressed > MaxPageBytes)
        {
            throw new UnsupportedPage();
        }

        if (_page.Length < uncompressed)
        {
            _page = new byte[Math.Max(uncompressed, Math.Min(_page.Length * 2, MaxPageBytes))];
        }

        var target = _page.AsSpan(0, uncompressed);
        int written;
        try
        {
            switch (codec)
            {
                case CompressionCodec.SNAPPY:
                    if (Snappy.GetUncompressedLength(source) != uncompressed)
                    {
                        throw new CurFormatException($"a Snappy page declares {uncompressed:N0} bytes but its data decompresses to another size");
                    }

                    written = Snappy.Decompress(source, target);
                    break;
                case CompressionCodec.ZSTD:
                    _zstd ??= new Decompressor();
                    written = _zstd.Unwrap(source, target);
                    break;
                case CompressionCodec.GZIP:
                    {
                        using var gzip = new GZipStream(new MemoryStream(chunk, at, compressed, writable: false), CompressionMode.Decompress);
                        written = gzip.ReadAtLeast(target, uncompressed, throwOnEndOfStream: false);
                        if (written == uncompressed && gzip.ReadByte() >= 0)
                        {
                            throw new CurFormatException($"a GZIP page decompresses to more than the {uncompressed:N0} bytes it declares");
                        }

                        break;
                    }

                default:
                    throw new UnsupportedPage();
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or ZstdException or ArgumentException or IndexOutOfRangeException)
        {
            throw new CurFormatException($"a {codec} page does not decompress ({ex.Message})", inner: ex);
        }

        if (written != uncompressed)
        {
            throw new CurFormatException($"a {codec} page declares {uncompressed:N0} bytes but decompresses to {written:N0}");
        }

        return target;
    }

    /// <summary>Something this decoder does not read: the chunk goes to Parquet.Net.</summary>
    private sealed class UnsupportedPage : Exception;
}
