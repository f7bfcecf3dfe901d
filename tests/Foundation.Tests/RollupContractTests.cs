using System.Text;
using System.Text.Json;
using DigiUsher.Contracts;

namespace DigiUsher.Foundation.Tests;

public class RollupContractTests
{
    private static readonly DailyCostLine Line = new(
        new DateOnly(2024, 2, 29), "123456789012", "AmazonEC2", "Amazon Elastic Compute Cloud", "eu-west-1", "BoxUsage:m5.large", "Usage",
        "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", new Dictionary<string, string> { ["team"] = "web", ["cost center"] = "ü-42" }, "EUR",
        1.0000000001m, 0.99m, 1.01m, 0.5m, 2.25m, 24m, 24);

    [Fact]
    public void DailyCostLine_WhenWrittenAndParsed_RoundTripsEveryField()
    {
        var text = Write(Line);

        var parsed = DailyCostLine.Parse(text)!;

        Assert.Equal(Line with { Tags = null }, parsed with { Tags = null });
        Assert.Equal(Line.Tags, parsed.Tags);
    }

    [Fact]
    public void DailyCostLine_WhenWritten_HasTheAgreedNdjsonShape()
    {
        var json = JsonDocument.Parse(Write(Line)).RootElement;

        Assert.Equal(
            ["day", "usageAccountId", "productCode", "serviceName", "region", "usageType", "lineItemType", "resourceId", "tags", "currency",
             "unblended", "netUnblended", "blended", "amortized", "publicOnDemand", "usageAmount", "lineItems"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2024-02-29", json.GetProperty("day").GetString());
        Assert.Equal(JsonValueKind.Number, json.GetProperty("unblended").ValueKind);
        Assert.Equal(1.0000000001m, json.GetProperty("unblended").GetDecimal());
        Assert.DoesNotContain('\n', Write(Line));
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
