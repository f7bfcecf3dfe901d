using System.Globalization;
using System.Text.Json;
using Item = DigiUsher.Query.Tests.GeneratedCosts.CostItem;

namespace DigiUsher.Query.Tests;

/// <summary>
/// What a cost query must answer, computed from the generated line items with LINQ (no SQL), and the
/// same shape read from an answer, to compare the two exactly.
/// </summary>
public static class ExpectedCosts
{
    /// <summary>A group: time bucket, keys and currency → the metrics' sums, and usage per unit.</summary>
    public sealed record Group(Dictionary<string, decimal> Amounts, Dictionary<string, decimal> Usage);

    public static Dictionary<string, Group> Sum(
        IEnumerable<Item> items, DateOnly from, DateOnly to, string granularity, string[] groupBy, string[] metrics, Func<Item, bool>? where = null) =>
        items.Where(i => i.Day >= from && i.Day <= to && (where?.Invoke(i) ?? true))
            .GroupBy(i => Key(Bucket(i, from, granularity), groupBy.Select(i.Value), i.Currency))
            .ToDictionary(g => g.Key, g => new Group(
                metrics.Where(m => m != "usageAmount").ToDictionary(m => m, m => g.Sum(i => i.Metric(m))),
                metrics.Contains("usageAmount") ? g.GroupBy(i => i.Unit).ToDictionary(u => u.Key, u => u.Sum(i => i.UsageAmount)) : []));

    /// <summary>The groups of an answer, keyed like <see cref="Sum"/>.</summary>
    public static Dictionary<string, Group> Read(JsonElement answer, string[] groupBy, string property = "amounts") =>
        answer.GetProperty("items").EnumerateArray().ToDictionary(
            item => Key(item.TryGetProperty("time", out var time) && time.ValueKind == JsonValueKind.String ? time.GetString() : null,
                groupBy.Select(g => item.GetProperty("keys").GetProperty(g).GetString()!), item.GetProperty("currency").GetString()!),
            item => new Group(
                item.GetProperty(property).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal()),
                item.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Array
                    ? usage.EnumerateArray().ToDictionary(u => u.GetProperty("unit").GetString()!, u => u.GetProperty(property == "amounts" ? "amount" : "previous").GetDecimal())
                    : []));

    /// <summary>Asserts the two sets of groups are the same, metric by metric, exactly.</summary>
    public static void Equal(Dictionary<string, Group> expected, Dictionary<string, Group> actual, string what)
    {
        Assert.True(expected.Count > 0, $"{what}: the generated data has nothing to compare");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, group) in expected)
        {
            foreach (var (metric, amount) in group.Amounts)
            {
                Assert.True(amount == actual[key].Amounts[metric], $"{what} {key} {metric}: expected {amount}, answered {actual[key].Amounts[metric]}");
            }

            Assert.Equal(group.Usage.OrderBy(u => u.Key, StringComparer.Ordinal), actual[key].Usage.OrderBy(u => u.Key, StringComparer.Ordinal));
        }
    }

    public static string? Bucket(Item item, DateOnly from, string granularity) => granularity switch
    {
        "hour" => item.Hour.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        "day" => GeneratedCosts.Day(item.Day),
        "week" => GeneratedCosts.Day(Max(item.Day.AddDays(-(((int)item.Day.DayOfWeek + 6) % 7)), from)),
        "month" => item.Day.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => null,
    };

    private static string Key(string? time, IEnumerable<string> keys, string currency) => $"{time}|{string.Join('|', keys)}|{currency}";

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
