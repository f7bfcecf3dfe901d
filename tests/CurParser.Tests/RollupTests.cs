using System.Text;
using Dapper;
using DigiUsher.Contracts;

namespace DigiUsher.CurParser.Tests;

/// <summary>
/// The daily rollup summed while the rows stream (whole, or written as partial sums at its memory bound and merged) against
/// the rollup SQL computes from the loaded line items, through the real consumer with files loaded in parallel.
/// </summary>
public class RollupTests
{
    private const string Header = "identity/LineItemId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,product/ProductName,product/regionCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UsageAmount,lineItem/UnblendedCost,lineItem/CurrencyCode";

    [Theory]
    [InlineData("100000")]
    [InlineData("7")]
    [InlineData("1")]
    public async Task Import_WhenFilesLoadInParallel_TheDailyRollupEqualsTheSqlRollupOfTheLineItems(string rollupGroupsInMemory)
    {
        await using var harness = await CurParserHarness.StartAsync(new Dictionary<string, string>
        {
            ["CurParser:ParallelFiles"] = "2",
            ["CurParser:RollupGroupsInMemory"] = rollupGroupsInMemory,
        });
        var files = new[]
        {
            await harness.UploadAsync("cur/r/20240101-20240201/r1/r-1.csv.gz", await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-csv-koku/test_cur.csv.gz"))),
            await harness.UploadAsync("cur/r/20240101-20240201/r1/r-2.csv.gz", TestFiles.Gzip(await File.ReadAllBytesAsync(TestFiles.Sample("cur-legacy-csv-koku/2023-06-01.csv")))),
            // The same tags in the other column order: jsonb equality makes them one group in SQL, so must the streaming rollup.
            await harness.UploadAsync("cur/r/20240101-20240201/r1/r-3.csv.gz", TaggedCsv("resourceTags/user:team,resourceTags/user:env", "web,prod", 0.10m)),
            await harness.UploadAsync("cur/r/20240101-20240201/r1/r-4.csv.gz", TaggedCsv("resourceTags/user:env,resourceTags/user:team", "prod,web", 0.25m)),
            await harness.UploadAsync("cur/r/20240101-20240201/r1/r-5.csv.gz", TestFiles.SmallCsv(500, 0.125m)),
        };

        await harness.PublishAsync(harness.Delivery("r1", new DateTimeOffset(2024, 2, 5, 8, 0, 0, TimeSpan.Zero), ReportFormat.CsvGzip, files));

        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "r1", "ReportImported");
        await using var db = await harness.OpenAsync();
        var differences = await db.QuerySingleAsync<long>(
            """
            with expected as (
                select (usage_start at time zone 'UTC')::date as day, usage_account_id, product_code, service_name, region, usage_type, line_item_type,
                       resource_id, tags, currency, sum(unblended) as unblended, sum(net_unblended) as net_unblended, sum(blended) as blended,
                       sum(amortized) as amortized, sum(public_on_demand) as public_on_demand, sum(usage_amount) as usage_amount, count(*) as line_items,
                       max(usage_account_name collate "C") as usage_account_name, pricing_unit, cost_categories, sum(net_amortized) as net_amortized
                from curparser.line_items where import_id = @id
                group by 1, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency, pricing_unit, cost_categories),
            actual as (
                select day, usage_account_id, product_code, service_name, region, usage_type, line_item_type, resource_id, tags, currency, unblended,
                       net_unblended, blended, amortized, public_on_demand, usage_amount, line_items, usage_account_name, pricing_unit, cost_categories, net_amortized
                from curparser.daily_costs where import_id = @id)
            select (select count(*) from (select * from expected except all select * from actual) missing)
                 + (select count(*) from (select * from actual except all select * from expected) extra)
            """, new { id = imported.ImportId });
        Assert.Equal(0, differences);
        Assert.Equal(imported.Rows, await db.QuerySingleAsync<long>("select sum(line_items)::bigint from curparser.daily_costs where import_id = @id", new { id = imported.ImportId }));
        var tagged = await db.QuerySingleAsync<(long Groups, long LineItems)>(
            "select count(*), sum(line_items)::bigint from curparser.daily_costs where import_id = @id and tags = '{\"env\": \"prod\", \"team\": \"web\"}'::jsonb",
            new { id = imported.ImportId });
        Assert.Equal((1L, 2L), tagged);
        Assert.Equal(["NOK", "USD"], imported.Totals.Select(t => t.Currency));
    }

    private static byte[] TaggedCsv(string tagColumns, string tagValues, decimal cost) => TestFiles.Gzip(Encoding.UTF8.GetBytes(
        $"{Header},{tagColumns}\n" +
        $"t-{cost},123456789012,Usage,2024-01-03T10:00:00Z,2024-01-03T11:00:00Z,AmazonEC2,Amazon Elastic Compute Cloud,us-east-1,BoxUsage:m5.large,i-tagorder,1,{cost.ToString(System.Globalization.CultureInfo.InvariantCulture)},USD,{tagValues}\n"));
}
