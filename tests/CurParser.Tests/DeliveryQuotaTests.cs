using System.Buffers.Binary;
using System.Reflection;
using DigiUsher.Contracts;
using DigiUsher.CurParser.Importing;
using Parquet;
using Parquet.Meta;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// Tenants whose files would make the parser work or allocate without bound: a plain CSV listed at
/// 10 GiB, a file that sends more than it was listed with, more line items than the quota, a Parquet
/// footer declaring 2^40 values. Each delivery fails with a reason that names what it broke, while
/// another tenant's delivery on the same parser imports exactly.
/// </summary>
public class DeliveryQuotaTests
{
    private static readonly DateTimeOffset Monday = new(2024, 2, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Import_WhenAPlainCsvIsListedAt10GibAFileSendsMoreThanListedRowsPassTheQuotaOrAParquetFooterDeclares2Pow40Values_FailsEachNamingItWhileAnotherTenantImportsExactly()
    {
        // Quotas of this deployment: 8 GiB and 1,000 line items per delivery.
        await using var harness = await CurParserHarness.StartAsync(new Dictionary<string, string>
        {
            ["Quotas:DeliveryBytes"] = (8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Quotas:DeliveryRows"] = "1000",
        });

        // Listed at 10 GiB and never put in the bucket: a download would fail as "no object", not on the quota.
        var tenGib = Tenant(harness, "ten-gib", ReportFormat.CsvGzip, [new ReportFile("ten-gib/cur-1.csv", 10L << 30, "etag-10g")]);
        var plain = System.Text.Encoding.UTF8.GetBytes(TestFiles.Gunzip(TestFiles.SmallCsv(200, 0.5m)));
        var liarFile = await harness.UploadAsync("liar/cur-1.csv", plain);
        var liar = Tenant(harness, "liar", ReportFormat.CsvGzip, [liarFile with { Size = 1_000 }]);
        var rows = Tenant(harness, "rows", ReportFormat.CsvGzip, [await harness.UploadAsync("rows/cur-1.csv", System.Text.Encoding.UTF8.GetBytes(TestFiles.Gunzip(TestFiles.SmallCsv(2_000, 0.5m))))]);
        var parquet = await DeclaringAsync(await Cur2Export.ParquetAsync(Cur2Export.Rows(50), rowGroupSize: 50), 1L << 40);
        var footer = Tenant(harness, "footer", ReportFormat.Cur2Parquet, [await harness.UploadAsync("footer/cur-00001.snappy.parquet", parquet)]);
        var honest = harness.Delivery("honest", Monday, ReportFormat.CsvGzip, [await harness.UploadAsync("honest/cur-1.csv.gz", TestFiles.SmallCsv(96, 0.125m))]);

        foreach (var delivery in new[] { tenGib, liar, rows, footer, honest })
        {
            await harness.PublishAsync(delivery);
        }

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "honest", "the honest tenant's import");
        Assert.Equal(96, imported.Rows);
        Assert.Equal(12m, Assert.Single(imported.Totals).Unblended);
        Assert.Contains("are 10,737,418,240 bytes as S3 lists them, over the organization's quota of 8,589,934,592 bytes per delivery (Quotas:DeliveryBytes); nothing was downloaded",
            (await FailureAsync(harness, tenGib)).Reason, StringComparison.Ordinal);
        Assert.Contains($"S3 now sends {plain.Length:N0} bytes for a file it listed with 1,000; refused before reading", (await FailureAsync(harness, liar)).Reason, StringComparison.Ordinal);
        Assert.Contains("the delivery passed 1,000 line items, the organization's quota of rows per delivery (Quotas:DeliveryRows)", (await FailureAsync(harness, rows)).Reason, StringComparison.Ordinal);
        var refusedFooter = await FailureAsync(harness, footer);
        Assert.Contains($"the Parquet footer declares 1,099,511,627,776 rows, more than a {parquet.Length:N0}-byte file can hold; refused before reading any row", refusedFooter.Reason, StringComparison.Ordinal);
        Assert.Equal("footer/cur-00001.snappy.parquet", refusedFooter.File);
        foreach (var failed in new[] { tenGib, liar, rows, footer })
        {
            Assert.False((await FailureAsync(harness, failed)).Transient, $"{failed.DeliveryId} is retried");
            Assert.Equal(0, await harness.QuerySingleAsync<long>("select count(*) from curparser.current_line_items where data_source_id = @id", new { id = failed.DataSourceId }));
        }
    }

    [Fact]
    public async Task Read_WhenAStreamSendsMoreThanTheSizeItWasListedWith_IsCutOffJustPastThatSize()
    {
        // 10 GiB that never exist at once: the stream makes zeros as they are read.
        using var endless = new ZeroStream(10L << 30);
        using var listed = new ListedSizeStream(endless, 1_000_000, "t/cur-1.csv");
        var buffer = new byte[65_536];

        var failure = await Assert.ThrowsAsync<DigiUsher.Cur.Reading.CurFormatException>(async () =>
        {
            while (await listed.ReadAsync(buffer) > 0)
            {
            }
        });

        Assert.Equal("the file sent more than the 1,000,000 bytes S3 listed it with; cut off there", failure.Reason);
        Assert.True(endless.Sent < 1_000_000 + buffer.Length, $"{endless.Sent:N0} bytes were read");
    }

    private static ReportAvailable Tenant(CurParserHarness harness, string deliveryId, ReportFormat format, IReadOnlyList<ReportFile> files)
    {
        var dataSourceId = Guid.NewGuid();
        return harness.Delivery(deliveryId, Monday, format, files) with
        {
            OrganizationId = Guid.NewGuid(), DataSourceId = dataSourceId, IdempotencyKey = $"{dataSourceId}:2024-01:{deliveryId}",
        };
    }

    private static Task<ReportImportFailed> FailureAsync(CurParserHarness harness, ReportAvailable delivery) =>
        harness.WaitForAsync<ReportImportFailed>(e => e.DataSourceId == delivery.DataSourceId && !e.Transient, $"the failure of {delivery.DeliveryId}");

    /// <summary>The file with its footer rewritten to declare <paramref name="count"/> rows and values in every row group and column chunk.</summary>
    private static async Task<byte[]> DeclaringAsync(byte[] file, long count)
    {
        FileMetaData metadata;
        using (var input = new MemoryStream(file))
        {
            await using var reader = await ParquetReader.CreateAsync(input);
            metadata = reader.Metadata!;
        }

        metadata.NumRows = count;
        foreach (var group in metadata.RowGroups)
        {
            group.NumRows = count;
            foreach (var chunk in group.Columns)
            {
                chunk.MetaData!.NumValues = count;
            }
        }

        // Parquet.Net's own Thrift writer (internal), so the footer is well formed and only the counts lie.
        using var footer = new MemoryStream();
        var writerType = typeof(ParquetReader).Assembly.GetType("Parquet.Meta.Proto.ThriftCompactProtocolWriter", throwOnError: true)!;
        var writer = Activator.CreateInstance(writerType, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, [footer], null)!;
        typeof(FileMetaData).GetMethod("Write", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [writerType])!.Invoke(metadata, [writer]);
        var oldFooter = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8));
        var body = file.AsSpan(0, file.Length - 8 - oldFooter);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, (int)footer.Length);
        return [.. body, .. footer.ToArray(), .. length, .. "PAR1"u8];
    }

    private sealed class ZeroStream(long length) : DigiUsher.Cur.Reading.ReadOnlyStream
    {
        public long Sent { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, length - Sent);
            buffer[..count].Clear();
            Sent += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));
    }
}
