using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

public class DailyCostsApiTests
{
    private static readonly DateTimeOffset Monday = new(2024, 2, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetDailyCosts_WhenImportIsCurrent_StreamsNdjsonWhoseSumsEqualTheTotals()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var file = await harness.UploadAsync("cur/h/20240101-20240201/d1/h-1.csv.gz", TestFiles.SmallCsv(96, 0.125m));
        await harness.PublishAsync(harness.Delivery("d1", Monday, ReportFormat.CsvGzip, [file]));
        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "d1", "ReportImported");
        using var client = harness.CreateClient(CurParserHarness.InternalTokenFor("query"));

        using var response = await client.GetAsync($"/internal/v1/imports/{imported.ImportId}/daily-costs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2 * 7, lines.Count);
        Assert.Equal(Assert.Single(imported.Totals).Unblended, lines.Sum(l => l.GetProperty("unblended").GetDecimal()));
        Assert.Equal(96, lines.Sum(l => l.GetProperty("lineItems").GetInt64()));
        var first = lines[0];
        Assert.Equal("2024-01-01", first.GetProperty("day").GetString());
        Assert.Equal("AmazonEC2", first.GetProperty("productCode").GetString());
        Assert.Equal("Amazon Elastic Compute Cloud", first.GetProperty("serviceName").GetString());
        Assert.Equal("us-east-1", first.GetProperty("region").GetString());
        Assert.Equal("web", first.GetProperty("tags").GetProperty("team").GetString());
        Assert.Equal("USD", first.GetProperty("currency").GetString());
        Assert.Equal(JsonValueKind.Number, first.GetProperty("netUnblended").ValueKind);
    }

    [Fact]
    public async Task GetHourlyCosts_WhenImportIsCurrent_HoursSumToTheDailyRollupWithUnitsAndCategories()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var csv = new System.Text.StringBuilder(
            "identity/LineItemId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,"
            + "product/regionCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UsageAmount,pricing/unit,lineItem/UnblendedCost,"
            + "lineItem/NetUnblendedCost,lineItem/CurrencyCode,costCategory/env\n");
        for (var i = 0; i < 60; i++)
        {
            var hour = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i % 30);
            csv.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"id{i},123456789012,Usage,{hour:yyyy-MM-ddTHH:mm:ssZ},{hour.AddHours(1):yyyy-MM-ddTHH:mm:ssZ},AmazonEC2,us-east-1,BoxUsage:m5.large,i-{i % 3:D17},2,Hrs,0.25,0.2,USD,{(i % 2 == 0 ? "prod" : "dev")}\n");
        }

        using var gzip = new MemoryStream();
        await using (var zip = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zip.Write(System.Text.Encoding.UTF8.GetBytes(csv.ToString()));
        }

        var file = await harness.UploadAsync("cur/h/20240101-20240201/h1/h-1.csv.gz", gzip.ToArray());
        await harness.PublishAsync(harness.Delivery("h1", Monday, ReportFormat.CsvGzip, [file]));
        var imported = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "h1", "ReportImported");
        using var client = harness.CreateClient(CurParserHarness.InternalTokenFor("query"));

        var daily = await LinesAsync(client, $"/internal/v1/imports/{imported.ImportId}/daily-costs", DailyCostLine.Parse);
        var hourly = await LinesAsync(client, $"/internal/v1/imports/{imported.ImportId}/hourly-costs", HourlyCostLine.Parse);
        var secondDay = await LinesAsync(client, $"/internal/v1/imports/{imported.ImportId}/hourly-costs?from=2024-01-02", HourlyCostLine.Parse);
        using var badFrom = await client.GetAsync($"/internal/v1/imports/{imported.ImportId}/hourly-costs?from=yesterday");

        Assert.All(daily, d => Assert.Equal("Hrs", d.PricingUnit));
        Assert.Equal(["dev", "prod"], daily.Select(d => d.CostCategories!["env"]).Distinct().Order());
        Assert.Equal(30, hourly.Select(h => h.Hour).Distinct().Count());
        Assert.All(hourly, h => Assert.Equal(TimeSpan.Zero, h.Hour.Offset));
        foreach (var day in daily.GroupBy(d => d.Day))
        {
            var hours = hourly.Where(h => DateOnly.FromDateTime(h.Hour.UtcDateTime) == day.Key).ToList();
            Assert.Equal(day.Sum(d => d.Unblended), hours.Sum(h => h.Unblended));
            Assert.Equal(day.Sum(d => d.NetUnblended), hours.Sum(h => h.NetUnblended));
            Assert.Equal(day.Sum(d => d.UsageAmount), hours.Sum(h => h.UsageAmount));
            Assert.Equal(day.Sum(d => d.LineItems), hours.Sum(h => h.LineItems));
        }

        Assert.Equal(60 * 0.25m, hourly.Sum(h => h.Unblended));
        Assert.Equal(60 * 0.2m, hourly.Sum(h => h.NetAmortized));
        Assert.All(secondDay, h => Assert.Equal(new DateOnly(2024, 1, 2), DateOnly.FromDateTime(h.Hour.UtcDateTime)));
        Assert.Equal(6, secondDay.Select(h => h.Hour).Distinct().Count());
        Assert.Equal(HttpStatusCode.BadRequest, badFrom.StatusCode);
    }

    private static async Task<List<T>> LinesAsync<T>(HttpClient client, string path, Func<string, T?> parse)
        where T : class
    {
        using var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => parse(l)!)];
    }

    [Fact]
    public async Task GetDailyCosts_WhenImportIsReplacedOrUnknown_Returns410Or404()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var v1 = await harness.UploadAsync("cur/h/20240101-20240201/v1/h-1.csv.gz", TestFiles.SmallCsv(5, 1m));
        var v2 = await harness.UploadAsync("cur/h/20240101-20240201/v2/h-1.csv.gz", TestFiles.SmallCsv(6, 1m));
        await harness.PublishAsync(harness.Delivery("v1", Monday, ReportFormat.CsvGzip, [v1]));
        var first = await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "v1", "the first import");
        await harness.PublishAsync(harness.Delivery("v2", Monday.AddDays(1), ReportFormat.CsvGzip, [v2]));
        await harness.WaitForAsync<ReportImported>(e => e.DeliveryId == "v2", "the second import");
        using var client = harness.CreateClient(CurParserHarness.InternalTokenFor("query"));

        using var gone = await client.GetAsync($"/internal/v1/imports/{first.ImportId}/daily-costs");
        using var unknown = await client.GetAsync($"/internal/v1/imports/{Guid.NewGuid()}/daily-costs");

        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task GetDailyCosts_WhenNoInternalToken_IsRefused()
    {
        await using var harness = await CurParserHarness.StartAsync();
        using var anonymous = harness.CreateClient(null);

        using var response = await anonymous.GetAsync($"/internal/v1/imports/{Guid.NewGuid()}/daily-costs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("correlationId").GetString()));
    }

    [Fact]
    public async Task GetDailyCosts_WhenTheTokenIsNotQuerysServiceIdentity_Returns403()
    {
        await using var harness = await CurParserHarness.StartAsync();
        using var tenantAdmin = harness.CreateClient(TestIssuer.Shared.Token(Guid.NewGuid()));
        using var otherService = harness.CreateClient(CurParserHarness.InternalTokenFor("resource-discovery"));
        using var queryWithoutScope = harness.CreateClient(TestIssuer.Shared.ServiceToken("query", []));
        var url = $"/internal/v1/imports/{Guid.NewGuid()}/daily-costs";

        foreach (var client in new[] { tenantAdmin, otherService, queryWithoutScope })
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var query = harness.CreateClient(CurParserHarness.InternalTokenFor("query"));
        Assert.Equal(HttpStatusCode.NotFound, (await query.GetAsync(url)).StatusCode);
    }
}
