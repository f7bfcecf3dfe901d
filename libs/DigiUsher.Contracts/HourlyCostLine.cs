using System.Text.Json;

namespace DigiUsher.Contracts;

/// <summary>
/// One line of an import's hourly rollup, as CurParser serves it to read models
/// (<c>GET /internal/v1/imports/{importId}/hourly-costs?from=yyyy-MM-dd</c>, NDJSON like
/// <see cref="DailyCostLine"/>): the sums of one usage hour and one set of dimensions. Resources are
/// not a dimension here (per resource and hour it would be the line items themselves); the hours of
/// a day sum to that day's <see cref="DailyCostLine"/>s.
/// </summary>
/// <param name="Hour">The start of the usage hour (UTC).</param>
/// <param name="UsageAccountId">The account that used the resource.</param>
/// <param name="ProductCode">The CUR's <c>lineItem/ProductCode</c>.</param>
/// <param name="Region">The region (empty for global services).</param>
/// <param name="UsageType">The usage type.</param>
/// <param name="LineItemType">Usage, Tax, Credit, SavingsPlanCoveredUsage, ...</param>
/// <param name="PricingUnit">The unit of <paramref name="UsageAmount"/>.</param>
/// <param name="Tags">Resource tags by key.</param>
/// <param name="CostCategories">Cost category values by category name.</param>
/// <param name="Currency">ISO currency code of every amount of the line.</param>
/// <param name="Unblended">Sum of unblended cost.</param>
/// <param name="NetUnblended">Sum of net unblended cost.</param>
/// <param name="Blended">Sum of blended cost.</param>
/// <param name="Amortized">Sum of amortized (effective) cost.</param>
/// <param name="NetAmortized">Sum of net amortized cost; null for line items imported before it was computed.</param>
/// <param name="PublicOnDemand">Sum of public on-demand cost.</param>
/// <param name="UsageAmount">Sum of usage amounts.</param>
/// <param name="LineItems">CUR line items summed into this line.</param>
public sealed record HourlyCostLine(
    DateTimeOffset Hour,
    string UsageAccountId,
    string ProductCode,
    string Region,
    string UsageType,
    string LineItemType,
    string PricingUnit,
    IReadOnlyDictionary<string, string>? Tags,
    IReadOnlyDictionary<string, string>? CostCategories,
    string Currency,
    decimal Unblended,
    decimal NetUnblended,
    decimal Blended,
    decimal Amortized,
    decimal? NetAmortized,
    decimal PublicOnDemand,
    decimal UsageAmount,
    long LineItems)
{
    /// <summary>Writes the line as one JSON object (the caller writes the line break).</summary>
    public void WriteTo(Utf8JsonWriter writer) => JsonSerializer.Serialize(writer, this, DailyCostLine.Json);

    /// <summary>Reads one NDJSON line; null when the line is the JSON literal <c>null</c>.</summary>
    /// <exception cref="JsonException">The line is not a JSON object of this shape.</exception>
    public static HourlyCostLine? Parse(string line) => JsonSerializer.Deserialize<HourlyCostLine>(line, DailyCostLine.Json);
}
