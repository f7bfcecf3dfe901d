using Amazon.Runtime;

namespace DigiUsher.Aws.CloudWatch;

/// <summary>
/// CloudWatch metrics over the classic Query protocol, shaped like AWSSDK.CloudWatch's client (which
/// is not served to us) so the official package can replace ours.
/// </summary>
public interface ICloudWatchClient
{
    /// <summary><c>cloudwatch:GetMetricStatistics</c> in <paramref name="region"/>; datapoints sorted by time.</summary>
    /// <exception cref="CloudWatchException">AWS refused (e.g. <see cref="CloudWatchFailure.AccessDenied"/>).</exception>
    Task<GetMetricStatisticsResponse> GetMetricStatisticsAsync(AWSCredentials credentials, string region, GetMetricStatisticsRequest request, CancellationToken cancellationToken);

    /// <summary><c>cloudwatch:PutMetricData</c> (at most 1000 datums per call).</summary>
    Task PutMetricDataAsync(AWSCredentials credentials, string region, PutMetricDataRequest request, CancellationToken cancellationToken);
}

/// <summary>A metric dimension, e.g. <c>InstanceId=i-0abc</c>.</summary>
public sealed record Dimension(string Name, string Value);

/// <summary>
/// Request of <c>GetMetricStatistics</c>: <c>Period</c> in seconds (a multiple of 60); <c>Statistics</c>
/// among <c>SampleCount</c>, <c>Average</c>, <c>Sum</c>, <c>Minimum</c>, <c>Maximum</c>.
/// </summary>
public sealed record GetMetricStatisticsRequest(
    string Namespace,
    string MetricName,
    IReadOnlyList<Dimension> Dimensions,
    DateTimeOffset StartTime,
    DateTimeOffset EndTime,
    int Period,
    IReadOnlyList<string> Statistics,
    string? Unit = null);

/// <summary>Answer of <c>GetMetricStatistics</c>.</summary>
public sealed record GetMetricStatisticsResponse(string? Label, IReadOnlyList<Datapoint> Datapoints);

/// <summary>One datapoint; only the statistics asked for are set. Metric values, not money.</summary>
public sealed record Datapoint(
    DateTimeOffset Timestamp,
    double? Average,
    double? Maximum,
    double? Minimum,
    double? Sum,
    double? SampleCount,
    string? Unit);

/// <summary>Request of <c>PutMetricData</c>.</summary>
public sealed record PutMetricDataRequest(string Namespace, IReadOnlyList<MetricDatum> MetricData);

/// <summary>One value to put.</summary>
public sealed record MetricDatum(string MetricName, IReadOnlyList<Dimension> Dimensions, DateTimeOffset Timestamp, double Value, string? Unit = null);

/// <summary>Why CloudWatch could not answer.</summary>
public enum CloudWatchFailure
{
    AccessDenied,
    InvalidCredentials,
    Unavailable,
    Failed,
}

/// <summary>CloudWatch answered with an error.</summary>
public sealed class CloudWatchException(CloudWatchFailure failure, string action, string errorCode, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public CloudWatchFailure Failure { get; } = failure;

    /// <summary>The API action, e.g. <c>cloudwatch:GetMetricStatistics</c>.</summary>
    public string Action { get; } = action;

    public string ErrorCode { get; } = errorCode;
}
