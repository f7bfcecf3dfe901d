using Amazon.Runtime;
using DigiUsher.Aws.CostAndUsageReport;
using DigiUsher.Aws.Signing;
using DigiUsher.Testing;
using Microsoft.Extensions.Options;
using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DigiUsher.Aws.Tests;

/// <summary>
/// The CUR API client against canned responses shaped as botocore's <c>cur/2017-01-06</c> model and the
/// API reference document them (moto has no CUR API).
/// </summary>
public sealed class CostAndUsageReportClientTests : IDisposable
{
    private const string Target = "AWSOrigamiServiceGatewayService.DescribeReportDefinitions";
    private static readonly BasicAWSCredentials Credentials = new("AKIAEXAMPLE", "secret-example");

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly AwsSignedHttpClientFactory _httpClients = new();

    [Fact]
    public async Task DescribeReportDefinitions_WhenTwoPages_ReturnsEveryDefinitionFollowingNextToken()
    {
        _server.Given(CurRequest().WithBody(new JsonMatcher("""{"MaxResults":5}""")))
            .RespondWith(Json(200, PageOne));
        _server.Given(CurRequest().WithBody(new JsonMatcher("""{"MaxResults":5,"NextToken":"page-2_token.x="}""")))
            .RespondWith(Json(200, PageTwo));

        var definitions = await CreateClient(_server.Url!).DescribeReportDefinitionsAsync(Credentials, CancellationToken.None);

        Assert.Equal(["hourly-cur", "daily-parquet", "monthly-no-resources"], definitions.Select(d => d.ReportName));
        var first = definitions[0];
        Assert.Equal("my-billing-bucket", first.S3Bucket);
        Assert.Equal("cur", first.S3Prefix);
        Assert.Equal("eu-west-1", first.S3Region);
        Assert.Equal("textORcsv", first.Format);
        Assert.Equal("GZIP", first.Compression);
        Assert.Equal("CREATE_NEW_REPORT", first.ReportVersioning);
        Assert.Equal(["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"], first.AdditionalSchemaElements);
        Assert.True(first.RefreshClosedReports);
        Assert.Equal("arn:aws:billing::123456789012:billingview/primary", first.BillingViewArn);
        Assert.True(first.IsCompatible);
        Assert.Equal("OVERWRITE_REPORT", definitions[1].ReportVersioning);
        Assert.Equal(["ATHENA"], definitions[1].AdditionalArtifacts);
        Assert.False(definitions[2].IsCompatible);
        Assert.Equal(2, _server.LogEntries.Count());
    }

    [Fact]
    public async Task DescribeReportDefinitions_WhenSending_SignsForCurInUsEast1WithTheJson11Headers()
    {
        _server.Given(CurRequest()).RespondWith(Json(200, """{"ReportDefinitions":[]}"""));

        var definitions = await CreateClient(_server.Url!).DescribeReportDefinitionsAsync(
            new SessionAWSCredentials("ASIAEXAMPLE", "secret", "token-1"), CancellationToken.None);

        Assert.Empty(definitions);
        var request = Assert.Single(_server.LogEntries).RequestMessage;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        var headers = new Dictionary<string, WireMock.Types.WireMockList<string>>(request.Headers!, StringComparer.OrdinalIgnoreCase);
        Assert.StartsWith("application/x-amz-json-1.1", headers["Content-Type"].Single());
        var authorization = headers["Authorization"].Single();
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/", authorization);
        Assert.Contains("/us-east-1/cur/aws4_request", authorization);
        Assert.Contains("x-amz-target", authorization);
        Assert.Equal("token-1", headers["X-Amz-Security-Token"].Single());
    }

    [Theory]
    [InlineData(400, "com.amazonaws.awsorigamiservicegatewayservice#AccessDeniedException", "User: arn:aws:iam::123456789012:user/poller is not authorized to perform: cur:DescribeReportDefinitions", CostAndUsageReportFailure.AccessDenied)]
    [InlineData(400, "UnrecognizedClientException", "The security token included in the request is invalid.", CostAndUsageReportFailure.InvalidCredentials)]
    [InlineData(404, "", "Not Found", CostAndUsageReportFailure.Unavailable)]
    [InlineData(500, "com.amazonaws.awsorigamiservicegatewayservice#InternalErrorException", "An internal error occurred.", CostAndUsageReportFailure.Failed)]
    public async Task DescribeReportDefinitions_WhenTheServiceAnswersAnError_ThrowsTheMatchingFailure(
        int status, string type, string message, CostAndUsageReportFailure expected)
    {
        var body = type.Length == 0 ? message : $$"""{"__type":"{{type}}","Message":"{{message}}"}""";
        _server.Given(CurRequest()).RespondWith(Json(status, body));

        var ex = await Assert.ThrowsAsync<CostAndUsageReportException>(
            () => CreateClient(_server.Url!).DescribeReportDefinitionsAsync(Credentials, CancellationToken.None));

        Assert.Equal(expected, ex.Failure);
        if (expected == CostAndUsageReportFailure.AccessDenied)
        {
            Assert.Contains("cur:DescribeReportDefinitions", ex.Message);
        }

        if (expected == CostAndUsageReportFailure.Failed)
        {
            Assert.Equal(3, _server.LogEntries.Count());
        }
    }

    [Fact]
    public async Task DescribeReportDefinitions_WhenNothingListens_ThrowsUnavailable()
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";

        var ex = await Assert.ThrowsAsync<CostAndUsageReportException>(
            () => CreateClient(url).DescribeReportDefinitionsAsync(Credentials, CancellationToken.None));

        Assert.Equal(CostAndUsageReportFailure.Unavailable, ex.Failure);
    }

    [Fact]
    public void Endpoint_WhenNothingIsConfigured_IsTheRealUsEast1Endpoint()
    {
        var client = new CostAndUsageReportClient(_httpClients, Options.Create(new AwsOptions()), Options.Create(new CostAndUsageReportOptions()));

        Assert.Equal(new Uri("https://cur.us-east-1.amazonaws.com/"), client.Endpoint);
    }

    [Fact]
    public void Endpoint_WhenOnlyTheSharedServiceUrlIsSet_UsesIt()
    {
        var client = new CostAndUsageReportClient(
            _httpClients, Options.Create(new AwsOptions { ServiceUrl = "http://127.0.0.1:5000" }), Options.Create(new CostAndUsageReportOptions()));

        Assert.Equal(new Uri("http://127.0.0.1:5000/"), client.Endpoint);
    }

    public void Dispose()
    {
        _server.Stop();
        _server.Dispose();
        _httpClients.Dispose();
    }

    private CostAndUsageReportClient CreateClient(string url) => new(
        _httpClients,
        Options.Create(new AwsOptions { ServiceUrl = "http://127.0.0.1:1" }),
        Options.Create(new CostAndUsageReportOptions { CurServiceUrl = url, RequestTimeout = TimeSpan.FromSeconds(10) }));

    private static IRequestBuilder CurRequest() => Request.Create().UsingPost().WithPath("/").WithHeader("X-Amz-Target", Target);

    private static IResponseBuilder Json(int status, string body) => Response.Create()
        .WithStatusCode(status)
        .WithHeader("Content-Type", "application/x-amz-json-1.1")
        .WithBody(body);

    private const string PageOne = """
        {
          "ReportDefinitions": [
            {
              "ReportName": "hourly-cur",
              "TimeUnit": "HOURLY",
              "Format": "textORcsv",
              "Compression": "GZIP",
              "AdditionalSchemaElements": ["RESOURCES", "SPLIT_COST_ALLOCATION_DATA"],
              "S3Bucket": "my-billing-bucket",
              "S3Prefix": "cur",
              "S3Region": "eu-west-1",
              "AdditionalArtifacts": [],
              "RefreshClosedReports": true,
              "ReportVersioning": "CREATE_NEW_REPORT",
              "BillingViewArn": "arn:aws:billing::123456789012:billingview/primary",
              "ReportStatus": {"lastDelivery": "20250101T031500Z", "lastStatus": "SUCCESS"}
            },
            {
              "ReportName": "daily-parquet",
              "TimeUnit": "DAILY",
              "Format": "Parquet",
              "Compression": "Parquet",
              "AdditionalSchemaElements": ["RESOURCES"],
              "S3Bucket": "my-billing-bucket",
              "S3Prefix": "athena",
              "S3Region": "eu-west-1",
              "AdditionalArtifacts": ["ATHENA"],
              "RefreshClosedReports": true,
              "ReportVersioning": "OVERWRITE_REPORT"
            }
          ],
          "NextToken": "page-2_token.x="
        }
        """;

    private const string PageTwo = """
        {
          "ReportDefinitions": [
            {
              "ReportName": "monthly-no-resources",
              "TimeUnit": "MONTHLY",
              "Format": "textORcsv",
              "Compression": "ZIP",
              "AdditionalSchemaElements": [],
              "S3Bucket": "other-bucket",
              "S3Prefix": "",
              "S3Region": "us-east-1",
              "AdditionalArtifacts": ["REDSHIFT", "QUICKSIGHT"],
              "RefreshClosedReports": false,
              "ReportVersioning": "CREATE_NEW_REPORT",
              "ReportStatus": {"lastStatus": "ERROR_PERMISSIONS"}
            }
          ]
        }
        """;
}
