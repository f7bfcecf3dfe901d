using Amazon.Runtime;

namespace DigiUsher.Aws.CostAndUsageReport;

/// <summary>
/// The CUR API (<c>cur:DescribeReportDefinitions</c>), shaped like AWSSDK.CostAndUsageReport's client
/// so the official package can replace ours. AWSSDK.CostAndUsageReport is not served to us.
/// </summary>
public interface ICostAndUsageReportClient
{
    /// <summary>Every report definition of the payer account (all pages).</summary>
    /// <exception cref="CostAndUsageReportException">Access denied, or the API is not offered at the endpoint.</exception>
    Task<IReadOnlyList<ReportDefinition>> DescribeReportDefinitionsAsync(AWSCredentials credentials, CancellationToken cancellationToken);
}

/// <summary>One CUR report definition (the documented response shape).</summary>
public sealed record ReportDefinition(
    string ReportName,
    string TimeUnit,
    string Format,
    string Compression,
    IReadOnlyList<string> AdditionalSchemaElements,
    string S3Bucket,
    string S3Prefix,
    string S3Region,
    IReadOnlyList<string> AdditionalArtifacts,
    bool RefreshClosedReports,
    string ReportVersioning,
    string? BillingViewArn)
{
    /// <summary>Usable by DigiUsher: resource ids included, hourly or daily.</summary>
    public bool IsCompatible =>
        AdditionalSchemaElements.Contains("RESOURCES", StringComparer.OrdinalIgnoreCase)
        && (TimeUnit.Equals("HOURLY", StringComparison.OrdinalIgnoreCase) || TimeUnit.Equals("DAILY", StringComparison.OrdinalIgnoreCase));
}

/// <summary>Why the CUR API could not answer.</summary>
public enum CostAndUsageReportFailure
{
    /// <summary>The credentials may not call <c>cur:DescribeReportDefinitions</c>.</summary>
    AccessDenied,

    /// <summary>The endpoint does not offer the CUR API (e.g. moto), or cannot be reached.</summary>
    Unavailable,

    /// <summary>The keys are invalid.</summary>
    InvalidCredentials,

    /// <summary>Anything else (throttling after retries, 5xx).</summary>
    Failed,
}

public sealed class CostAndUsageReportException(CostAndUsageReportFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public CostAndUsageReportFailure Failure { get; } = failure;
}
