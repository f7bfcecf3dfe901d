namespace DigiUsher.Query.Imports;

/// <summary>One line of CurParser's <c>daily-costs</c> NDJSON: the rollup of one day and dimension set.</summary>
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
    long LineItems);
