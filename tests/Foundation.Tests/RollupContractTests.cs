using System.Text;
using System.Text.Json;
using DigiUsher.Contracts;

namespace DigiUsher.Foundation.Tests;

public class RollupContractTests
{
    private static readonly DailyCostLine Line = new(
        new DateOnly(2024, 2, 29), "123456789012", "AmazonEC2", "Amazon Elastic Compute Cloud", "eu-west-1", "BoxUsage:m5.large", "Usage",
        "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", new Dictionary<string, string> { ["team"] = "web", ["cost center"] = "ü-42" }, "EUR",
        1.0000000001m, 0.99m, 1.01m, 0.5m, 2.25m, 24m, 24, "Hrs", new Dictionary<string, string> { ["Business Unit"] = "Retail" }, "prod-web", 0.45m);

    private static readonly HourlyCostLine Hour = new(
        new DateTimeOffset(2024, 2, 29, 23, 0, 0, TimeSpan.Zero), "123456789012", "AmazonEC2", "eu-west-1", "BoxUsage:m5.large", "Usage", "Hrs",
        new Dictionary<string, string> { ["team"] = "web" }, new Dictionary<string, string> { ["Business Unit"] = "Retail" }, "EUR",
        0.0416666667m, 0.04m, 0.042m, 0.02m, 0.019m, 0.09m, 1m, 1);

    [Fact]
    public void DailyCostLine_WhenWrittenAndParsed_RoundTripsEveryField()
    {
        var text = Write(Line);

        var parsed = DailyCostLine.Parse(text)!;

        Assert.Equal(Line with { Tags = null, CostCategories = null }, parsed with { Tags = null, CostCategories = null });
        Assert.Equal(Line.Tags, parsed.Tags);
        Assert.Equal(Line.CostCategories, parsed.CostCategories);
    }

    [Fact]
    public void DailyCostLine_WhenWritten_HasTheAgreedNdjsonShape()
    {
        var json = JsonDocument.Parse(Write(Line)).RootElement;

        Assert.Equal(
            ["day", "usageAccountId", "productCode", "serviceName", "region", "usageType", "lineItemType", "resourceId", "tags", "currency",
             "unblended", "netUnblended", "blended", "amortized", "publicOnDemand", "usageAmount", "lineItems", "pricingUnit", "costCategories",
             "usageAccountName", "netAmortized"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2024-02-29", json.GetProperty("day").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("unblended").ValueKind);
        Assert.Equal(1.0000000001m, json.GetProperty("unblended").GetDecimal());
        Assert.DoesNotContain('\n', Write(Line));
    }

    [Fact]
    public void DailyCostLine_WhenWrittenBeforeTheCostExplorerFields_ParsesThemAsNull()
    {
        var parsed = DailyCostLine.Parse(
            """{"day":"2024-02-29","usageAccountId":"1","productCode":"AmazonEC2","serviceName":"","region":"","usageType":"","lineItemType":"Usage","""
            + """ "resourceId":"","tags":{},"currency":"USD","unblended":1,"netUnblended":1,"blended":1,"amortized":1,"publicOnDemand":1,"usageAmount":1,"lineItems":1}""")!;

        Assert.Null(parsed.PricingUnit);
        Assert.Null(parsed.CostCategories);
        Assert.Null(parsed.NetAmortized);
    }

    [Fact]
    public void HourlyCostLine_WhenWrittenAndParsed_HasTheAgreedShapeAndRoundTrips()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Hour.WriteTo(writer);
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        var json = JsonDocument.Parse(text).RootElement;
        var parsed = HourlyCostLine.Parse(text)!;

        Assert.Equal(
            ["hour", "usageAccountId", "productCode", "region", "usageType", "lineItemType", "pricingUnit", "tags", "costCategories", "currency",
             "unblended", "netUnblended", "blended", "amortized", "netAmortized", "publicOnDemand", "usageAmount", "lineItems"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Hour with { Tags = null, CostCategories = null }, parsed with { Tags = null, CostCategories = null });
        Assert.Equal(Hour.Tags, parsed.Tags);
        Assert.Equal(Hour.CostCategories, parsed.CostCategories);
    }

    [Fact]
    public void DailyCostLine_WhenLineIsNotTheShape_ThrowsJsonException()
    {
        Assert.ThrowsAny<JsonException>(() => DailyCostLine.Parse("""{"day":"29 February"}"""));
        Assert.ThrowsAny<JsonException>(() => DailyCostLine.Parse("""{"unblended":"a lot"}"""));
    }

    [Fact]
    public void CurrencyTotalsAccumulator_WhenAmountsInSeveralCurrencies_KeepsThemApartInCurrencyOrder()
    {
        var totals = new CurrencyTotalsAccumulator();

        totals.Add(Line);
        totals.Add("USD", 1m, 2m, 3m, 4m, 5m, 6m, rows: 1);
        totals.Add(Line with { Unblended = 0.0000000001m, LineItems = 1 });

        Assert.Equal(
            [new CurrencyTotals("EUR", 1.0000000002m, 1.98m, 2.02m, 1m, 4.5m, 48m, 25), new CurrencyTotals("USD", 1m, 2m, 3m, 4m, 5m, 6m, 1)],
            totals.ToList());
        Assert.Equal(new CurrencyTotals("GBP", 0, 0, 0, 0, 0, 0, 0), totals.Of("GBP"));
    }

    private static string Write(DailyCostLine line)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            line.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
