using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.Cur.Writing;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace DigiUsher.Cur.Tests;

/// <summary>
/// The string column chunk decoder against Parquet.Net's own reading of the same chunks (files Parquet.Net wrote with
/// each codec, plain-encoded; AWS's real files, dictionary-encoded), and against hand-made pages for what Parquet.Net
/// does not write (data page v2) or what a damaged file holds.
/// </summary>
public class ParquetStringChunkDecoderTests
{
    private static readonly string?[] Texts = ["a", " padded ", null, "", "été €", "😀 emoji", "EC2", "EC2", null, "line\nbreak"];

    [Fact]
    public void Decode_WhenRepeatedAndBitPackedRuns_GivesTheLevels()
    {
        // A repeated run of 4 x 5 (width 3: one byte), then the spec's bit-packed example: 0..7 in width 3 (0x88 0xC6 0xFA).
        byte[] data = [4 << 1, 5, (1 << 1) | 1, 0x88, 0xC6, 0xFA];
        var values = new int[12];

        var used = RleBitPackedHybrid.Decode(data, 3, values);

        Assert.Equal(6, used);
        Assert.Equal([5, 5, 5, 5, 0, 1, 2, 3, 4, 5, 6, 7], values);
    }

    [Fact]
    public void Decode_WhenRunsEndBeforeTheValues_Throws()
    {
        byte[] data = [(1 << 1) | 1, 0x88];

        Assert.Throws<CurFormatException>(() => RleBitPackedHybrid.Decode(data, 3, new int[8]));
    }

    [Theory]
    [InlineData(CompressionMethod.None)]
    [InlineData(CompressionMethod.Snappy)]
    [InlineData(CompressionMethod.Gzip)]
    [InlineData(CompressionMethod.Zstd)]
    public async Task TryDecode_WhenParquetNetWroteTheChunk_GivesWhatParquetNetReads(CompressionMethod codec)
    {
        var required = new DataField<string>("required", false);
        var optional = new DataField<string>("optional", true);
        var rows = 5_000;
        var optionalValues = Enumerable.Range(0, rows).Select(i => Texts[i % Texts.Length]).ToArray();
        var requiredValues = Enumerable.Range(0, rows).Select(i => $"value {i / 3}").ToArray();
        var file = new MemoryStream();
        var options = new ParquetOptions { CompressionMethod = codec };
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(required, optional), file, options))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(required, requiredValues);
            await group.WriteAsync(optional, optionalValues);
        }

        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { TreatByteArrayAsString = true }, leaveStreamOpen: true);
        using var rowGroup = reader.OpenRowGroupReader(0);
        foreach (var field in new[] { required, optional })
        {
            var column = rowGroup.GetMetadata(field)!.MetaData!;
            var slots = new string?[rows];

            var decoded = await new ParquetStringChunkDecoder().TryDecodeAsync(
                file, column, field.Name, field.MaxDefinitionLevel, 0, rows, slots, null, new StringPool(1_000), trim: true, CancellationToken.None);

            Assert.True(decoded);
            var expected = await ParquetColumnReader.ReadStringsAsync(rowGroup, field);
            Assert.Equal(expected.Select(v => v?.Trim()), slots);
        }
    }

    [Fact]
    public async Task TryDecode_WhenMapColumn_GivesParquetNetsSlotsAndRepetitions()
    {
        var file = new MemoryStream();
        await using (var writer = await CurParquetWriter.CreateAsync(file, [new CurColumn("product", CurColumnKind.Map)], optional: true))
        {
            for (var i = 0; i < 300; i++)
            {
                writer.Set(0, i % 3 == 0 ? new Dictionary<string, string>() : new() { ["region"] = $"r{i % 5}", ["sku"] = i % 2 == 0 ? "" : $"sku{i}" });
                await writer.EndRowAsync();
            }
        }

        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { TreatByteArrayAsString = true }, leaveStreamOpen: true);
        using var rowGroup = reader.OpenRowGroupReader(0);
        var map = (MapField)reader.Schema.Fields[0];
        foreach (var field in new[] { (DataField)map.Key, (DataField)map.Value })
        {
            var column = rowGroup.GetMetadata(field)!.MetaData!;
            var levels = checked((int)column.NumValues);
            var raw = new ReadOnlyMemory<char>[levels];
            var definitions = new int[levels];
            var expectedRepetitions = new int[levels];
            await rowGroup.ReadRawAsync<ReadOnlyMemory<char>>(field, raw, definitions, expectedRepetitions);
            var packed = 0;
            var expected = definitions.Select(d => d >= field.MaxDefinitionLevel ? raw[packed++].ToString() : null).ToArray();
            var slots = new string?[levels];
            var repetitions = new int[levels];

            var decoded = await new ParquetStringChunkDecoder().TryDecodeAsync(
                file, column, "product", field.MaxDefinitionLevel, field.MaxRepetitionLevel, levels, slots, repetitions, new StringPool(100), trim: false, CancellationToken.None);

            Assert.True(decoded);
            Assert.Equal(expected, slots);
            Assert.Equal(expectedRepetitions, repetitions);
        }
    }

    [Theory]
    [InlineData("cur-legacy-parquet-wa-workshop/Oct2018-WorkshopCUR-00001.snappy.parquet")]
    [InlineData("cur-legacy-parquet-wa-workshop/Nov2018-WorkshopCUR-00001.snappy.parquet")]
    [InlineData("cur-legacy-parquet-wa-workshop/Dec2018-WorkshopCUR-00001.snappy.parquet")]
    public async Task TryDecode_WhenAwsWroteTheFile_DecodesEveryStringColumnAsParquetNet(string sample)
    {
        await using var file = File.OpenRead(SampleFiles.Path(sample));
        await using var reader = await ParquetReader.CreateAsync(file, new ParquetOptions { TreatByteArrayAsString = true }, leaveStreamOpen: true);
        var decoder = new ParquetStringChunkDecoder();
        var strings = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rowGroup = reader.OpenRowGroupReader(g);
            var rows = checked((int)rowGroup.RowCount);
            foreach (var field in reader.Schema.GetDataFields().Where(f => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>)))
            {
                var column = rowGroup.GetMetadata(field)!.MetaData!;
                var slots = new string?[rows];

                var decoded = await decoder.TryDecodeAsync(file, column, field.Name, field.MaxDefinitionLevel, 0, rows, slots, null, new StringPool(100_000), trim: true, CancellationToken.None);

                Assert.True(decoded, field.Name);
                var expected = await ParquetColumnReader.ReadStringsAsync(rowGroup, field);
                Assert.Equal(expected.Select(v => v?.Trim()), slots);
                strings++;
            }
        }

        Assert.True(strings > 20);
    }

    [Fact]
    public void Decode_WhenDictionaryAndDataPageV2_GivesTheValuesAndNulls()
    {
        var chunk = DictionaryAndV2Page(index: 1);
        var slots = new string?[5];

        var decoded = new ParquetStringChunkDecoder().Decode(chunk, chunk.Length, CompressionCodec.UNCOMPRESSED, 1, 0, 5, slots, null, new StringPool(10), trim: true);

        Assert.True(decoded);
        Assert.Equal(new string?[] { "a", "b", null, "b", "a" }, slots.AsEnumerable());
    }

    [Fact]
    public void Decode_WhenAnIndexIsPastTheDictionary_Throws()
    {
        var chunk = DictionaryAndV2Page(index: 3);

        Assert.Throws<CurFormatException>(() =>
            new ParquetStringChunkDecoder().Decode(chunk, chunk.Length, CompressionCodec.UNCOMPRESSED, 1, 0, 5, new string?[5], null, new StringPool(10), trim: true));
    }

    [Fact]
    public void Decode_WhenTheChunkIsCutShort_Throws()
    {
        var chunk = DictionaryAndV2Page(index: 1);

        Assert.Throws<CurFormatException>(() =>
            new ParquetStringChunkDecoder().Decode(chunk, chunk.Length - 3, CompressionCodec.UNCOMPRESSED, 1, 0, 5, new string?[5], null, new StringPool(10), trim: true));
    }

    [Fact]
    public void Decode_WhenAPageUsesAnotherEncoding_LeavesTheChunkToParquetNet()
    {
        // A v1 data page of one required value in DELTA_BYTE_ARRAY (7).
        byte[] values = [0, 0, 0, 0];
        var chunk = Header(0, values.Length, values.Length, 5, (1, 1), (2, 7), (3, 3), (4, 3)).Concat(values).ToArray();

        var decoded = new ParquetStringChunkDecoder().Decode(chunk, chunk.Length, CompressionCodec.UNCOMPRESSED, 0, 0, 1, new string?[1], null, new StringPool(10), trim: true);

        Assert.False(decoded);
    }

    [Fact]
    public async Task Read_WhenTheCodecIsNotDecodedHere_ReadsThroughParquetNetTheSameRows()
    {
        var lz4 = await LegacyParquetAsync(CompressionMethod.Lz4Raw);
        var snappy = await LegacyParquetAsync(CompressionMethod.Snappy);

        var (fallback, r1) = await SampleFiles.ReadAllAsync(ReportFormat.Parquet, lz4, "lz4.parquet");
        var (decoded, r2) = await SampleFiles.ReadAllAsync(ReportFormat.Parquet, snappy, "snappy.parquet");
        await r1.DisposeAsync();
        await r2.DisposeAsync();

        Assert.Equal(40, decoded.Count);
        Assert.Equal(
            decoded.Select(i => (i.UsageAccountId, i.ProductCode, i.UsageType, i.ResourceId, i.Unblended)),
            fallback.Select(i => (i.UsageAccountId, i.ProductCode, i.UsageType, i.ResourceId, i.Unblended)));
        Assert.Contains(decoded, i => i.ResourceId == "i-0123");
    }

    /// <summary>A legacy CUR Parquet file of a few string columns and a cost, in <paramref name="codec"/>.</summary>
    private static async Task<MemoryStream> LegacyParquetAsync(CompressionMethod codec)
    {
        string[] names = ["line_item_usage_account_id", "line_item_product_code", "line_item_usage_type", "line_item_resource_id", "line_item_line_item_type"];
        var fields = names.Select(n => new DataField<string>(n, false)).Cast<Field>()
            .Append(new DataField<double>("line_item_unblended_cost"))
            .Append(new DataField<DateTime>("line_item_usage_start_date"))
            .ToArray();
        var rows = 40;
        var file = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), file, new ParquetOptions { CompressionMethod = codec }))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync((DataField)fields[0], Enumerable.Range(0, rows).Select(i => $"11111111111{i % 2}").ToArray());
            await group.WriteAsync((DataField)fields[1], Enumerable.Range(0, rows).Select(i => i % 3 == 0 ? "AmazonS3" : "AmazonEC2").ToArray());
            await group.WriteAsync((DataField)fields[2], Enumerable.Range(0, rows).Select(i => $" BoxUsage:t{i % 4} ").ToArray());
            await group.WriteAsync((DataField)fields[3], Enumerable.Range(0, rows).Select(i => i == 5 ? "i-0123" : $"i-{i:x4}").ToArray());
            await group.WriteAsync((DataField)fields[4], Enumerable.Range(0, rows).Select(_ => "Usage").ToArray());
            await group.WriteAsync<double>((DataField)fields[5], Enumerable.Range(0, rows).Select(i => i * 0.01).ToArray().AsMemory());
            await group.WriteAsync<DateTime>((DataField)fields[6], Enumerable.Range(0, rows).Select(i => new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i)).ToArray().AsMemory());
        }

        return new MemoryStream(file.ToArray());
    }

    /// <summary>
    /// An uncompressed chunk: a PLAIN dictionary page ("a", "b ") and a v2 data page of 5 levels [1,1,0,1,1] (bit-packed,
    /// width 1) and the indices [0, <paramref name="index"/>, 1, 0] (bit-packed, width 2), its values marked uncompressed.
    /// </summary>
    private static byte[] DictionaryAndV2Page(int index)
    {
        byte[] dictionary = [1, 0, 0, 0, (byte)'a', 2, 0, 0, 0, (byte)'b', (byte)' '];
        byte[] definitions = [(1 << 1) | 1, 0b0001_1011];
        byte[] indices = [2, (1 << 1) | 1, (byte)(0 | (index << 2) | (1 << 4) | (0 << 6)), 0];
        var page = definitions.Concat(indices).ToArray();
        return
        [
            .. Header(2, dictionary.Length, dictionary.Length, 7, (1, 2), (2, 0)),
            .. dictionary,
            .. Header(3, page.Length, page.Length, 8, (1, 5), (2, 1), (3, 5), (4, 8), (5, definitions.Length), (6, 0), (7, -1)),
            .. page,
        ];
    }

    /// <summary>
    /// A page header in the Thrift compact protocol: type, sizes, and the page-kind header (field
    /// <paramref name="kind"/>) of i32 fields; a field value of -1 at id 7 is the boolean false (v2's is_compressed).
    /// </summary>
    private static byte[] Header(int type, int uncompressed, int compressed, int kind, params (int Id, int Value)[] fields)
    {
        var bytes = new List<byte>();
        void VarInt(uint value)
        {
            while (value >= 0x80)
            {
                bytes.Add((byte)(value | 0x80));
                value >>= 7;
            }

            bytes.Add((byte)value);
        }

        void I32(int delta, int value)
        {
            bytes.Add((byte)((delta << 4) | 5));
            VarInt((uint)((value << 1) ^ (value >> 31)));
        }

        I32(1, type);
        I32(1, uncompressed);
        I32(1, compressed);
        bytes.Add((byte)(((kind - 3) << 4) | 12));
        var last = 0;
        foreach (var (id, value) in fields)
        {
            if (id == 7 && value == -1)
            {
                bytes.Add((byte)(((id - last) << 4) | 2));
            }
            else
            {
                I32(id - last, value);
            }

            last = id;
        }

        bytes.Add(0);
        bytes.Add(0);
        return [.. bytes];
    }
}
