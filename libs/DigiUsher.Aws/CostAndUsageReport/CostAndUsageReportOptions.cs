namespace DigiUsher.Aws.CostAndUsageReport;

/// <summary>
/// <c>Aws:CurServiceUrl</c>: where the CUR API is called. Empty means <c>Aws:ServiceUrl</c> when that
/// is set (moto has no CUR API, so it answers "unavailable" and callers fall back to scanning S3),
/// else the only real endpoint, <c>https://cur.us-east-1.amazonaws.com/</c>.
/// </summary>
public sealed class CostAndUsageReportOptions
{
    /// <summary>The CUR API exists only in us-east-1 (https://docs.aws.amazon.com/general/latest/gr/billing.html).</summary>
    public const string SigningRegion = "us-east-1";

    public const string DefaultServiceUrl = "https://cur.us-east-1.amazonaws.com/";

    public string? CurServiceUrl { get; set; }

    /// <summary>Per-request timeout.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Attempts for throttling and 5xx answers (the signing handler signs each attempt afresh).</summary>
    public int MaxAttempts { get; set; } = 3;
}
