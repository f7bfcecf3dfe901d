using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// moto has no CUR API: DescribeReportDefinitions answers come from WireMock, shaped as
/// https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_cur_DescribeReportDefinitions.html documents them.
/// </summary>
public class CurApiTests
{
    private const string Target = "AWSOrigamiServiceGatewayService.DescribeReportDefinitions";

    [Fact]
    public async Task Create_WhenTheCurApiAnswers_ChoosesTheCompatibleReportOfTheBucket()
    {
        var bucket = AwsFixtures.NewBucketName();
        using var cur = WireMockServer.Start();
        cur.Given(Request.Create().WithPath("/").UsingPost().WithHeader("X-Amz-Target", Target))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/x-amz-json-1.1").WithBody($$"""
                {"ReportDefinitions":[
                  {"ReportName":"monthly-summary","TimeUnit":"MONTHLY","Format":"textORcsv","Compression":"GZIP","AdditionalSchemaElements":[],
                   "S3Bucket":"{{bucket}}","S3Prefix":"cur","S3Region":"us-east-1","AdditionalArtifacts":[],"RefreshClosedReports":true,"ReportVersioning":"CREATE_NEW_REPORT"},
                  {"ReportName":"hourly-resources","TimeUnit":"HOURLY","Format":"Parquet","Compression":"Parquet","AdditionalSchemaElements":["RESOURCES"],
                   "S3Bucket":"{{bucket}}","S3Prefix":"cur","S3Region":"us-east-1","AdditionalArtifacts":["ATHENA"],"RefreshClosedReports":true,"ReportVersioning":"OVERWRITE_REPORT"},
                  {"ReportName":"elsewhere","TimeUnit":"DAILY","Format":"textORcsv","Compression":"GZIP","AdditionalSchemaElements":["RESOURCES"],
                   "S3Bucket":"another-bucket","S3Prefix":"","S3Region":"eu-west-1","AdditionalArtifacts":[],"RefreshClosedReports":false,"ReportVersioning":"CREATE_NEW_REPORT"}
                ]}
                """));
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string> { ["Aws__CurServiceUrl"] = cur.Urls[0] });
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await s3.PutBucketAsync(bucket);
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "cur-secret", bucket, prefix = "cur" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("hourly-resources", view.GetProperty("reportName").GetString());
        var validation = view.GetProperty("validation");
        var reports = validation.GetProperty("reports").EnumerateArray().ToList();
        Assert.Equal(["hourly-resources", "monthly-summary"], reports.Select(r => r.GetProperty("name").GetString()));
        Assert.False(reports[1].GetProperty("compatible").GetBoolean());
        Assert.Equal("ok", validation.GetProperty("permissions").EnumerateArray().Single(p => p.GetProperty("action").GetString() == "cur:DescribeReportDefinitions").GetProperty("status").GetString());
        Assert.Contains(cur.LogEntries, e => e.RequestMessage.Headers!["Authorization"].Single().StartsWith("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_WhenTheCurApiIsDenied_FallsBackToTheManifestsAndNamesTheAction()
    {
        using var cur = WireMockServer.Start();
        cur.Given(Request.Create().WithPath("/").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/x-amz-json-1.1")
                .WithBody("""{"__type":"AccessDeniedException","Message":"User: arn:aws:iam::210987654321:user/digiusher is not authorized to perform: cur:DescribeReportDefinitions"}"""));
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string> { ["Aws__CurServiceUrl"] = cur.Urls[0] });
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, string.Empty, "legacy-hourly", withDataFile: false);
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "cur-secret", bucket });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("legacy-hourly", view.GetProperty("reportName").GetString());
        var validation = view.GetProperty("validation");
        Assert.Contains("cur:DescribeReportDefinitions", validation.GetProperty("missingActions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("manifest", validation.GetProperty("reports")[0].GetProperty("source").GetString());
        Assert.Empty(view.GetProperty("disabledFeatures").EnumerateArray());
    }
}
