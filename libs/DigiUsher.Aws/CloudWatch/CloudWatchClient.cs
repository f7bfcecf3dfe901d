using System.Globalization;
using System.Xml.Linq;
using Amazon.Runtime;
using DigiUsher.Aws.IdentityManagement;
using static DigiUsher.Aws.IdentityManagement.AwsQueryProtocol;

namespace DigiUsher.Aws.CloudWatch;

/// <summary>
/// CloudWatch over the Query protocol, signed with service <c>monitoring</c> and the metric's region.
/// Current AWS SDKs talk CBOR or JSON to CloudWatch, but the service still accepts Query
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/making-api-requests.html).
/// </summary>
public sealed class CloudWatchClient(AwsQueryProtocol protocol, AwsClientFactory factory) : ICloudWatchClient
{
    private const string Version = "2010-08-01";

    public async Task<GetMetricStatisticsResponse> GetMetricStatisticsAsync(
        AWSCredentials credentials, string region, GetMetricStatisticsRequest request, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>
        {
            new("Namespace", request.Namespace),
            new("MetricName", request.MetricName),
            new("StartTime", FormatDate(request.StartTime)),
            new("EndTime", FormatDate(request.EndTime)),
            new("Period", request.Period.ToString(CultureInfo.InvariantCulture)),
        };
        AddDimensions(parameters, "Dimensions", request.Dimensions);
        for (var i = 0; i < request.Statistics.Count; i++)
        {
            parameters.Add(new($"Statistics.member.{i + 1}", request.Statistics[i]));
        }

        if (!string.IsNullOrEmpty(request.Unit))
        {
            parameters.Add(new("Unit", request.Unit));
        }

        var result = await SendAsync(credentials, region, "GetMetricStatistics", parameters, cancellationToken);

        // Datapoints come back unordered: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html
        var datapoints = Members(Child(result, "Datapoints"))
            .Select(m => new Datapoint(
                Date(m, "Timestamp") ?? DateTimeOffset.MinValue,
                Number(m, "Average"),
                Number(m, "Maximum"),
                Number(m, "Minimum"),
                Number(m, "Sum"),
                Number(m, "SampleCount"),
                Text(m, "Unit")))
            .OrderBy(d => d.Timestamp)
            .ToList();
        return new GetMetricStatisticsResponse(Text(result, "Label"), datapoints);
    }

    public async Task PutMetricDataAsync(AWSCredentials credentials, string region, PutMetricDataRequest request, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("Namespace", request.Namespace) };
        for (var i = 0; i < request.MetricData.Count; i++)
        {
            var datum = request.MetricData[i];
            var prefix = $"MetricData.member.{i + 1}.";
            parameters.Add(new(prefix + "MetricName", datum.MetricName));
            parameters.Add(new(prefix + "Timestamp", FormatDate(datum.Timestamp)));
            parameters.Add(new(prefix + "Value", datum.Value.ToString("R", CultureInfo.InvariantCulture)));
            if (!string.IsNullOrEmpty(datum.Unit))
            {
                parameters.Add(new(prefix + "Unit", datum.Unit));
            }

            AddDimensions(parameters, prefix + "Dimensions", datum.Dimensions);
        }

        await SendAsync(credentials, region, "PutMetricData", parameters, cancellationToken);
    }

    private async Task<XElement?> SendAsync(
        AWSCredentials credentials, string region, string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        try
        {
            var root = await protocol.SendAsync(
                credentials, factory.EndpointFor("monitoring", region), region, "monitoring", action, Version, parameters, cancellationToken);
            return Child(root, action + "Result");
        }
        catch (AwsQueryException ex)
        {
            var failure = ex.Error switch
            {
                { IsInvalidCredentials: true } => CloudWatchFailure.InvalidCredentials,
                { IsAccessDenied: true } => CloudWatchFailure.AccessDenied,
                { IsTransient: true } => CloudWatchFailure.Unavailable,
                _ => CloudWatchFailure.Failed,
            };
            throw new CloudWatchException(failure, "cloudwatch:" + action, ex.Error.Code, $"cloudwatch:{action}: {ex.Error.Code} {ex.Error.Message}".TrimEnd(), ex);
        }
    }

    private static void AddDimensions(List<KeyValuePair<string, string>> parameters, string prefix, IReadOnlyList<Dimension> dimensions)
    {
        for (var i = 0; i < dimensions.Count; i++)
        {
            parameters.Add(new($"{prefix}.member.{i + 1}.Name", dimensions[i].Name));
            parameters.Add(new($"{prefix}.member.{i + 1}.Value", dimensions[i].Value));
        }
    }

    private static double? Number(XElement parent, string localName) =>
        Text(parent, localName) is { Length: > 0 } text ? double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
}
