using System.Globalization;
using Dapper;
using DigiUsher.Cur.Reading;
using DigiUsher.CurParser.Importing;
using DigiUsher.Testing;
using Npgsql;
using NpgsqlTypes;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// The import's own binary COPY encoding against real Postgres: every row it writes reads back exactly as the
/// same row written through Npgsql's parameters (numeric scale, Unicode, JSON, timestamps), and the server's
/// count is checked per transaction.
/// </summary>
public class LineItemCopyTests
{
    private const string Schema = "curparser";

    [Fact]
    public async Task Copy_OfRowsWithEveryKindOfValue_StoresExactlyWhatNpgsqlParametersStore()
    {
        await using var database = await CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionStringFor("CurParser"));
        var rows = Rows(3_000);
        var copied = Guid.NewGuid();
        var inserted = Guid.NewGuid();
        await CreatePartitionsAsync(dataSource, copied, inserted);

        await using (var connection = await dataSource.OpenConnectionAsync())
        {
            await using var copy = await LineItemCopy.BeginAsync(connection, Schema, copied, CancellationToken.None);
            await copy.WriteAsync(rows, 1_000, CancellationToken.None);
            await copy.WriteAsync(rows[1_000..], rows.Length - 1_000, CancellationToken.None);
            Assert.Equal(rows.Length, await copy.CompleteAsync(CancellationToken.None));
        }

        await InsertByParametersAsync(dataSource, inserted, rows);
        await using var check = await dataSource.OpenConnectionAsync();
        var asText = string.Join(", ", LineItemCopy.Columns.Split(", ").Skip(1).Select(c => $"{c}::text"));
        var differences = await check.ExecuteScalarAsync<long>(
            $"""
            select count(*) from (
                (select {asText} from {LineItemLoader.PartitionOf(Schema, "line_items", copied)}
                 except all select {asText} from {LineItemLoader.PartitionOf(Schema, "line_items", inserted)})
                union all
                (select {asText} from {LineItemLoader.PartitionOf(Schema, "line_items", inserted)}
                 except all select {asText} from {LineItemLoader.PartitionOf(Schema, "line_items", copied)})) d
            """);
        var stored = (await check.QueryAsync<(long RowNumber, decimal Unblended, string UnblendedText, string ResourceId)>(
            $"select row_number, unblended, unblended::text, resource_id from {LineItemLoader.PartitionOf(Schema, "line_items", copied)} order by row_number")).ToList();

        Assert.Equal(0, differences);
        Assert.Equal(rows.Select(r => (r.RowNumber, r.Unblended, r.Unblended.ToString(CultureInfo.InvariantCulture), r.ResourceId)), stored);
    }

    [Fact]
    public async Task Copy_WhenDisposedBeforeItCompletes_KeepsNothingAndLeavesTheConnectionUsable()
    {
        await using var partition = await PartitionUnderTest.CreateAsync();
        var (dataSource, importId) = (partition.DataSource, partition.ImportId);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using (var copy = await LineItemCopy.BeginAsync(connection, Schema, importId, CancellationToken.None))
        {
            await copy.WriteAsync(Rows(500), 500, CancellationToken.None);
        }

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>($"select count(*) from {LineItemLoader.PartitionOf(Schema, "line_items", importId)}"));
    }

    [Fact]
    public async Task Copy_OfTwoFilesIntoOnePartitionAtOnce_CountsEachTransactionsOwnRows()
    {
        await using var partition = await PartitionUnderTest.CreateAsync();
        var (dataSource, importId) = (partition.DataSource, partition.ImportId);
        await using var first = await dataSource.OpenConnectionAsync();
        await using var second = await dataSource.OpenConnectionAsync();
        await using var firstCopy = await LineItemCopy.BeginAsync(first, Schema, importId, CancellationToken.None);
        await using var secondCopy = await LineItemCopy.BeginAsync(second, Schema, importId, CancellationToken.None);

        await firstCopy.WriteAsync(Rows(700), 700, CancellationToken.None);
        await secondCopy.WriteAsync(Rows(300), 300, CancellationToken.None);
        var secondTook = await secondCopy.CompleteAsync(CancellationToken.None);
        var firstTook = await firstCopy.CompleteAsync(CancellationToken.None);

        Assert.Equal((700, 300), (firstTook, secondTook));
        Assert.Equal(1_000, await first.ExecuteScalarAsync<long>($"select count(*) from {LineItemLoader.PartitionOf(Schema, "line_items", importId)}"));
    }

    [Fact]
    public async Task Copy_AfterAnotherCopyOnTheSameConnection_CountsOnlyItsOwnRows()
    {
        await using var partition = await PartitionUnderTest.CreateAsync();
        var (dataSource, importId) = (partition.DataSource, partition.ImportId);
        await using var connection = await dataSource.OpenConnectionAsync();
        var took = new List<long>();

        // Postgres keeps a backend's counts of committed transactions until it is idle for a while: the second
        // COPY, right after the first on the same backend, must not count the first one's rows.
        foreach (var count in new[] { 400, 3, 0 })
        {
            await using var copy = await LineItemCopy.BeginAsync(connection, Schema, importId, CancellationToken.None);
            await copy.WriteAsync(Rows(count), count, CancellationToken.None);
            took.Add(await copy.CompleteAsync(CancellationToken.None));
        }

        Assert.Equal([400L, 3L, 0L], took);
    }

    [Fact]
    public async Task Copy_WhenTheServerKeepsNoStatistics_CountsTheRowsItInserted()
    {
        await using var partition = await PartitionUnderTest.CreateAsync();
        var (database, dataSource, importId) = (partition.Database, partition.DataSource, partition.ImportId);
        await using var admin = new NpgsqlConnection(database.AdminConnectionString);
        await admin.OpenAsync();
        await admin.ExecuteAsync("set track_counts = off");

        await using var copy = await LineItemCopy.BeginAsync(admin, Schema, importId, CancellationToken.None);
        await copy.WriteAsync(Rows(250), 250, CancellationToken.None);
        var took = await copy.CompleteAsync(CancellationToken.None);

        Assert.Equal(250, took);
        Assert.Equal(250, await admin.ExecuteScalarAsync<long>($"select count(*) from {LineItemLoader.PartitionOf(Schema, "line_items", importId)}"));
    }

    /// <summary>A fresh database with CurParser's schema and one import's partitions.</summary>
    private sealed class PartitionUnderTest : IAsyncDisposable
    {
        private PartitionUnderTest(TestDatabase database, NpgsqlDataSource dataSource, Guid importId) =>
            (Database, DataSource, ImportId) = (database, dataSource, importId);

        public TestDatabase Database { get; }

        public NpgsqlDataSource DataSource { get; }

        public Guid ImportId { get; }

        public static async Task<PartitionUnderTest> CreateAsync()
        {
            var database = await CreateDatabaseAsync();
            var dataSource = NpgsqlDataSource.Create(database.ConnectionStringFor("CurParser"));
            var importId = Guid.NewGuid();
            await CreatePartitionsAsync(dataSource, importId);
            return new PartitionUnderTest(database, dataSource, importId);
        }

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    private static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var database = await TestDatabase.CreateAsync();
        await database.MigrateAsync("CurParser", typeof(LineItemLoader).Assembly);
        return database;
    }

    private static async Task CreatePartitionsAsync(NpgsqlDataSource dataSource, params Guid[] importIds)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var importId in importIds)
        {
            await ImportStore.CreatePartitionsAsync(connection, null, Schema, importId);
        }
    }

    /// <summary>The same rows by plain INSERTs with Npgsql's parameters: the encoding every other write in DigiUsher uses.</summary>
    private static async Task InsertByParametersAsync(NpgsqlDataSource dataSource, Guid importId, CurLineItem[] rows)
    {
        var placeholders = string.Join(", ", Enumerable.Range(1, 28).Select(i => $"${i}"));
        foreach (var chunk in rows.Chunk(500))
        {
            await using var batch = dataSource.CreateBatch();
            foreach (var row in chunk)
            {
                var command = new NpgsqlBatchCommand($"insert into {LineItemLoader.PartitionOf(Schema, "line_items", importId)} ({LineItemCopy.Columns}) values ({placeholders})");
                foreach (var (value, type) in Fields(importId, row))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
                }

                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync();
        }
    }

    private static (object Value, NpgsqlDbType Type)[] Fields(Guid importId, CurLineItem r) =>
    [
        (importId, NpgsqlDbType.Uuid), ((short)r.FileIndex, NpgsqlDbType.Smallint), (r.RowNumber, NpgsqlDbType.Bigint),
        (r.UsageAccountId, NpgsqlDbType.Text), (r.PayerAccountId, NpgsqlDbType.Text), (r.LineItemType, NpgsqlDbType.Text),
        (r.ProductCode, NpgsqlDbType.Text), (r.ServiceName, NpgsqlDbType.Text), (r.UsageType, NpgsqlDbType.Text),
        (r.Operation, NpgsqlDbType.Text), (r.Region, NpgsqlDbType.Text), (r.AvailabilityZone, NpgsqlDbType.Text),
        (r.ResourceId, NpgsqlDbType.Text), (r.UsageStart, NpgsqlDbType.TimestampTz), (r.UsageEnd, NpgsqlDbType.TimestampTz),
        (r.UsageAmount, NpgsqlDbType.Numeric), (r.PricingUnit, NpgsqlDbType.Text), (r.Currency, NpgsqlDbType.Text),
        (r.Unblended, NpgsqlDbType.Numeric), (r.NetUnblended, NpgsqlDbType.Numeric), (r.Blended, NpgsqlDbType.Numeric),
        (r.Amortized, NpgsqlDbType.Numeric), (r.PublicOnDemand, NpgsqlDbType.Numeric), (r.InvoiceId, NpgsqlDbType.Text),
        (r.TagsJson, NpgsqlDbType.Jsonb), (r.CostCategoriesJson, NpgsqlDbType.Jsonb), (r.UsageAccountName, NpgsqlDbType.Text),
        (r.NetAmortized, NpgsqlDbType.Numeric),
    ];

    /// <summary>
    /// Seeded rows: amounts of every scale from 0 to 28 and sign, the decimal's extremes, zeros with a scale,
    /// non-ASCII text and JSON, timestamps with sub-microsecond ticks.
    /// </summary>
    private static CurLineItem[] Rows(int count)
    {
        var random = new Random(20261207);
        decimal[] extremes = [decimal.MaxValue, decimal.MinValue, 0m, -0.000m, 1.50m, 10000m, 0.00001m, new decimal(1, 0, 0, false, 28), 123456789012345678901234.5678m];
        decimal Amount(int i)
        {
            if (i < extremes.Length)
            {
                return extremes[i];
            }

            // Cent-like amounts as often as amounts that fill the decimal's 96 bits.
            var scale = (byte)random.Next(0, 29);
            return random.Next(2) == 0
                ? new decimal(random.Next(0, 1_000_000), 0, 0, random.Next(2) == 0, scale)
                : new decimal(random.Next(), random.Next(), random.Next(0, 1 << random.Next(0, 31)), random.Next(2) == 0, scale);
        }

        string[] texts = ["", "i-0abc", "Zürich", "東京リージョン", "emoji 😀 tag", "quote \" and \\ backslash", "tab\tnew\nline"];
        var start = new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        return [.. Enumerable.Range(0, count).Select(i => new CurLineItem
        {
            FileIndex = 1 + (i % 3),
            RowNumber = i + 1,
            UsageAccountId = "1234567890" + (i % 100).ToString("00", CultureInfo.InvariantCulture),
            UsageAccountName = texts[i % texts.Length],
            PayerAccountId = "999999999999",
            LineItemType = i % 5 == 0 ? "Credit" : "Usage",
            ProductCode = "AmazonEC2",
            ServiceName = texts[(i + 2) % texts.Length],
            UsageType = "BoxUsage:m5.large",
            Operation = "RunInstances",
            Region = "eu-central-1",
            AvailabilityZone = i % 2 == 0 ? "" : "eu-central-1a",
            ResourceId = $"i-{i:x8} {texts[i % texts.Length]}",
            UsageStart = start.AddTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 31)),
            UsageEnd = start.AddHours(1 + (i % 744)),
            UsageAmount = Amount(i),
            PricingUnit = "Hrs",
            Currency = i % 7 == 0 ? "EUR" : "USD",
            Unblended = Amount(i + 3),
            NetUnblended = Amount(i + 5),
            Blended = Amount(i + 1),
            Amortized = Amount(i + 2),
            NetAmortized = Amount(i + 4),
            PublicOnDemand = Amount(i + 6),
            InvoiceId = i % 4 == 0 ? "" : "INV-2024-03",
            TagsJson = i % 3 == 0 ? "{}" : $$"""{"team":"{{texts[i % texts.Length].Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\t", "\\t").Replace("\n", "\\n")}}","n":"{{i}}"}""",
            CostCategoriesJson = i % 4 == 0 ? """{"unit":"Zürich"}""" : "{}",
        })];
    }
}
