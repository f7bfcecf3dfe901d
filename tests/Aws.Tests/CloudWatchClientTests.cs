using System.Net;
using Amazon.Runtime;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Testing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.Tests;

public class CloudWatchClientTests
{
    private static readonly BasicAWSCredentials MotoRoot = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    [Fact]
    public async Task GetMetricStatistics_WhenPastDaysWerePut_ReturnsDailyAverageAndMaximumInOrder()
    {
        await using var moto = await MotoServer.StartAsync();
        var client = Create(moto.Url);
        var today = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero);
        var dimensions = new[] { new Dimension("InstanceId", "i-0123456789abcdef0") };
        var data = new List<MetricDatum>();
        for (var day = 1; day <= 14; day++)
        {
            // Two samples per day: 10 and 10+day percent -> average 10+day/2, maximum 10+day.
            data.Add(new MetricDatum("CPUUtilization", dimensions, today.AddDays(-day).AddHours(3), 10, "Percent"));
            data.Add(new MetricDatum("CPUUtilization", dimensions, today.AddDays(-day).AddHours(9), 10 + day, "Percent"));
        }

        await client.PutMetricDataAsync(MotoRoot, "eu-west-1", new PutMetricDataRequest("AWS/EC2", data), CancellationToken.None);
        var stats = await client.GetMetricStatisticsAsync(MotoRoot, "eu-west-1", new GetMetricStatisticsRequest(
            "AWS/EC2", "CPUUtilization", dimensions, today.AddDays(-14), today, 86400, ["Average", "Maximum"]), CancellationToken.None);

        Assert.Equal(14, stats.Datapoints.Count);
        Assert.Equal(stats.Datapoints.OrderBy(d => d.Timestamp).Select(d => d.Timestamp), stats.Datapoints.Select(d => d.Timestamp));
        var threeDaysAgo = Assert.Single(stats.Datapoints, d => d.Timestamp.UtcDateTime.Date == today.AddDays(-3).UtcDateTime.Date);
        Assert.Equal(11.5, threeDaysAgo.Average);
        Assert.Equal(13, threeDaysAgo.Maximum);
    }

    [Fact]
    public async Task GetMetricStatistics_WhenTheDocumentedResponseIsUnordered_SortsByTimestampAndSignsForMonitoring()
    {
        var transport = new CannedTransport((HttpStatusCode.OK, """
            <GetMetricStatisticsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
              <GetMetricStatisticsResult>
                <Label>CPUUtilization</Label>
                <Datapoints>
                  <member><Timestamp>2025-01-01T01:00:00Z</Timestamp><Average>12.5</Average><Maximum>30.0</Maximum><Unit>Percent</Unit></member>
                  <member><Timestamp>2025-01-01T00:00:00Z</Timestamp><Average>20.25</Average><Maximum>40.0</Maximum><Unit>Percent</Unit></member>
                </Datapoints>
              </GetMetricStatisticsResult>
              <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
            </GetMetricStatisticsResponse>
            """));
        var client = Create("http://monitoring.example.invalid", transport);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var stats = await client.GetMetricStatisticsAsync(MotoRoot, "ap-southeast-2", new GetMetricStatisticsRequest(
            "AWS/EC2", "CPUUtilization", [new Dimension("InstanceId", "i-0abc")], start, start.AddDays(1), 3600, ["Average", "Maximum"]), CancellationToken.None);

        Assert.Equal("CPUUtilization", stats.Label);
        Assert.Equal([start, start.AddHours(1)], stats.Datapoints.Select(d => d.Timestamp));
        Assert.Equal(20.25, stats.Datapoints[0].Average);
        Assert.Equal(40.0, stats.Datapoints[0].Maximum);
        var (body, authorization) = Assert.Single(transport.Requests);
        Assert.Contains("/ap-southeast-2/monitoring/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Contains("Dimensions.member.1.Name=InstanceId", body, StringComparison.Ordinal);
        Assert.Contains("Statistics.member.2=Maximum", body, StringComparison.Ordinal);
        Assert.Contains("StartTime=2025-01-01T00%3A00%3A00Z", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetricStatistics_WhenDenied_ThrowsAccessDenied()
    {
        var transport = new CannedTransport((HttpStatusCode.Forbidden, """
            <ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code>
            <Message>not authorized to perform: cloudwatch:GetMetricStatistics</Message></Error><RequestId>1</RequestId></ErrorResponse>
            """));
        var client = Create("http://monitoring.example.invalid", transport);
        var now = DateTimeOffset.UtcNow;

        var ex = await Assert.ThrowsAsync<CloudWatchException>(() => client.GetMetricStatisticsAsync(MotoRoot, "us-east-1",
            new GetMetricStatisticsRequest("AWS/EC2", "CPUUtilization", [], now.AddDays(-1), now, 86400, ["Average"]), CancellationToken.None));

        Assert.Equal(CloudWatchFailure.AccessDenied, ex.Failure);
        Assert.Equal("cloudwatch:GetMetricStatistics", ex.Action);
    }

    private static CloudWatchClient Create(string serviceUrl, HttpMessageHandler? transport = null)
    {
        var options = Options.Create(new AwsOptions { ServiceUrl = serviceUrl, MaxErrorRetry = 3 });
        var protocol = transport is null ? new AwsQueryProtocol(options) : new AwsQueryProtocol(transport, options);
        return new CloudWatchClient(protocol, new AwsClientFactory(options));
    }
}
