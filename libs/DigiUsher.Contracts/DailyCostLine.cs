using System.Text.Json;

namespace DigiUsher.Contracts;

/// <summary>
/// One line of an import's daily rollup, as CurParser serves it to read models
/// (<c>GET /internal/v1/imports/{importId}/daily-costs</c>, NDJSON: one JSON object per line) and
/// <see cref="CostsImported"/> announces it: the sums of one day and one set of dimensions.
/// </summary>
/// <param name="Day">The usage day (UTC).</param>
/// <param name="UsageAccountId">The account that used the resource.</param>
/// <param name="ProductCode">The CUR's <c>lineItem/ProductCode</c>, e.g. <c>AmazonEC2</c>.</param>
/// <param name="ServiceName">The product's name, e.g. <c>Amazon Elastic Compute Cloud</c>.</param>
/// <param name="Region">The region (empty for global services).</param>
/// <param name="UsageType">The usage type, e.g. <c>BoxUsage:m5.large</c>.</param>
/// <param name="LineItemType">Usage, Tax, Credit, SavingsPlanCoveredUsage, ...</param>
/// <param name="ResourceId">The resource id or ARN (empty when the line names none).</param>
/// <param name="Tags">Resource tags by key.</param>
/// <param name="Currency">ISO currency code of every amount of the line.</param>
/// <param name="Unblended">Sum of unblended cost.</param>
/// <param name="NetUnblended">Sum of net unblended cost.</param>
/// <param name="Blended">Sum of blended cost.</param>
/// <param name="Amortized">Sum of amortized (effective) cost.</param>
/// <param name="PublicOnDemand">Sum of public on-demand cost.</param>
/// <param name="UsageAmount">Sum of usage amounts.</param>
/// <param name="LineItems">CUR line items summed into this line.</param>
/// <param name="PricingUnit">The unit of <paramref name="UsageAmount"/> (<c>pricing/unit</c>: Hrs, GB-Mo, ...); null from imports made before it was served.</param>
/// <param name="CostCategories">Cost category values by category name; null from imports made before they were served.</param>
/// <param name="UsageAccountName">The usage account's name where the CUR has it (CUR 2.0); null or empty otherwise.</param>
/// <param name="NetAmortized">Sum of net amortized cost (after discounts); null from imports made before it was served.</param>
public sealed record DailyCostLine(
    DateOnly Day,
    string UsageAccountId,
    string ProductCode,
    string ServiceName,
    string Region,
    string UsageType,
    string LineItemType,
    string ResourceId,
    IReadOnlyDictionary<string, string>? Tags,
    string Currency,
    decimal Unblended,
    decimal NetUnblended,
    decimal Blended,
    decimal Amortized,
    decimal PublicOnDemand,
    decimal UsageAmount,
    long LineItems,
    string? PricingUnit = null,
    IReadOnlyDictionary<string, string>? CostCategories = null,
    string? UsageAccountName = null,
    decimal? NetAmortized = null)
{
    /// <summary>The media type of the rollup stream.</summary>
    public const string MediaType = "application/x-ndjson";

    /// <summary>The JSON of one line: camelCase names, <c>yyyy-MM-dd</c> days, amounts as JSON numbers.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        MaxDepth = 32,
    };

    /// <summary>Writes the line as one JSON object (the caller writes the line break).</summary>
    public void WriteTo(Utf8JsonWriter writer) => JsonSerializer.Serialize(writer, this, Json);

    /// <summary>Reads one NDJSON line; null when the line is the JSON literal <c>null</c>.</summary>
    /// <exception cref="JsonException">The line is not a JSON object of this shape.</exception>
    public static DailyCostLine? Parse(string line) => JsonSerializer.Deserialize<DailyCostLine>(line, Json);
}
