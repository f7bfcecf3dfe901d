using System.Net;
using System.Text.Json;
using DigiUsher.Contracts;

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
    }
}
