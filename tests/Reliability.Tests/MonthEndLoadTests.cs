using System.Diagnostics;
using System.Globalization;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// Month-end: many organizations' deliveries published at once to two CurParser processes. Runs only
/// on demand (it takes far longer than CI allows): set DIGIUSHER_MONTH_END=1, and optionally
/// DIGIUSHER_MONTH_END_DELIVERIES / DIGIUSHER_MONTH_END_ROWS (defaults 50 and 100000).
/// </summary>
public sealed class MonthEndLoadTests(ITestOutputHelper output)
{
    private const string Period = "2026-05";

    [MonthEndFact]
    public async Task Import_WhenFiftyDeliveriesArriveAtOnce_AllAreImportedExactlyAndNoneTwiceInParallel()
    {
        var deliveries = Setting("DIGIUSHER_MONTH_END_DELIVERIES", 50);
        var rows = Setting("DIGIUSHER_MONTH_END_ROWS", 100_000);
        await using var h = await ParserHarness.StartAsync(parsers: 2);
        var expected = new Dictionary<Guid, (decimal Unblended, long Rows)>();
        var messages = new List<ReportAvailable>();
        for (var i = 0; i < deliveries; i++)
        {
            var tenant = Tenant.New();
            var csv = new CurCsv(Period).AddRows(rows, seed: i);
            messages.Add(await h.CsvDeliveryAsync(tenant, Period, $"month-end-{i}", DateTimeOffset.UtcNow, csv.Gzip()));
            expected[tenant.DataSourceId] = (csv.Unblended, csv.Rows);
        }

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(messages.Select(h.PublishAsync));
        await Eventually.True(async () => await CurrentCountAsync(h) == deliveries, TimeSpan.FromHours(2), "every delivery to become current");
        var drain = clock.Elapsed;
        await Eventually.True(h.QueueDrainedAsync, TimeSpan.FromMinutes(2), "the queue to drain");

        foreach (var (dataSourceId, totals) in expected)
        {
            Assert.Equal(totals, await h.CurrentLineItemsAsync(dataSourceId, Period));
            Assert.Single(h.Events.Of<ReportImportStarted>(dataSourceId));
            Assert.Single(h.Events.Of<CostsImported>(dataSourceId));
        }

        // Every import attempt leaves a row: one per delivery means no delivery was loaded twice, in parallel or not.
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select count(*) from (select delivery_id from curparser.imports group by data_source_id, delivery_id having count(*) > 1) d"));
        Assert.Equal(0, await h.ErrorMessagesAsync());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"month-end drain: {deliveries} deliveries x {rows} rows, 2 CurParser processes: {drain.TotalSeconds:0.0} s ({deliveries * (long)rows / drain.TotalSeconds:0} rows/s)"));

        // Per replica, from each parser's own meters (digiusher_import_rows_total): what the
        // dashboards show as rows per second per replica.
        var perReplica = new List<double>();
        foreach (var parser in h.Parsers)
        {
            using var http = parser.CreateClient();
            var loaded = (await MetricsScrape.OfAsync(http)).Value("digiusher_import_rows_total");
            perReplica.Add(loaded);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  replica {parser.BaseAddress.Port}: {loaded:0} rows, {loaded / drain.TotalSeconds:0} rows/s"));
        }

        Assert.Equal(deliveries * (double)rows, perReplica.Sum());
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static async Task<long> CurrentCountAsync(ParserHarness h)
    {
        await using var connection = new NpgsqlConnection(h.Database.AdminConnectionString);
        return await connection.ExecuteScalarAsync<long>("select count(*) from curparser.current_imports");
    }
}

/// <summary>A fact that runs only when DIGIUSHER_MONTH_END is set (kept out of the default CI run).</summary>
public sealed class MonthEndFactAttribute : FactAttribute
{
    public MonthEndFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DIGIUSHER_MONTH_END")))
        {
            Skip = "month-end load runs on demand: set DIGIUSHER_MONTH_END=1 (it takes far longer than CI allows)";
        }
    }
}
