using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// A moto of its own that enforces signatures and IAM policies after the setup requests: users with
/// full, billing-only and GetObject-less policies, and a bucket with one CUR delivery.
/// </summary>
public sealed class EnforcingMoto : IAsyncLifetime
{
    // 3 requests per user (CreateUser, PutUserPolicy, CreateAccessKey) x 3, 3 for the bucket and 1 for the organization.
    private const int SetupRequests = 13;

    private MotoServer? _moto;

    public string Url => _moto!.Url;

    public string Bucket { get; } = AwsFixtures.NewBucketName();

    public TestKeys Full { get; private set; } = null!;

    public TestKeys BillingOnly { get; private set; } = null!;

    public TestKeys NoGetObject { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync(freeRequests: SetupRequests);
        await MotoOrganizations.CreateOrganizationAsync(Url);
        Full = await AwsFixtures.CreateUserAsync(Url, "digiusher-full", "*");
        BillingOnly = await AwsFixtures.CreateUserAsync(Url, "digiusher-billing", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject", "sts:GetCallerIdentity");
        NoGetObject = await AwsFixtures.CreateUserAsync(Url, "digiusher-noget", "s3:ListBucket", "s3:GetBucketLocation", "sts:GetCallerIdentity");
        using var s3 = AwsFixtures.S3(Url);
        await AwsFixtures.CreateCurBucketAsync(s3, Bucket, "billing", "hourly");
    }

    public async Task DisposeAsync()
    {
        if (_moto is not null)
        {
            await _moto.DisposeAsync();
        }
    }
}

public class PermissionTests(EnforcingMoto moto) : IClassFixture<EnforcingMoto>
{
    [Fact]
    public async Task Create_WhenThePolicyLacksGetObject_Returns422NamingItAndCreatesNothing()
    {
        await using var host = await DataSourceHost.StartAsync(moto.Url);
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", Body(moto.NoGetObject.AccessKeyId, moto.NoGetObject.SecretAccessKey));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("billing-access-denied", problem.GetProperty("outcome").GetString());
        Assert.Contains("s3:GetObject", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("s3:GetObject", problem.GetProperty("missingActions").EnumerateArray().Select(a => a.GetString()));
        var permissions = problem.GetProperty("permissions").EnumerateArray().ToDictionary(p => p.GetProperty("action").GetString()!, p => p.GetProperty("status").GetString());
        Assert.Equal("ok", permissions["s3:ListBucket"]);
        Assert.Equal("denied", permissions["s3:GetObject"]);
        Assert.Equal(0, await host.CountAsync("data_sources"));
        Assert.Equal(0, await host.CountAsync("outbox"));
    }

    [Fact]
    public async Task Create_WhenTheSecretKeyIsWrong_Returns422CredentialsRejected()
    {
        await using var host = await DataSourceHost.StartAsync(moto.Url);
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var wrongSecret = await client.PostAsJsonAsync("/api/v1/data-sources", Body(moto.Full.AccessKeyId, "wrong-secret-wrong-secret-wrong-secret12"));
        var unknownKey = await client.PostAsJsonAsync("/api/v1/data-sources", Body("AKIAUNKNOWNUNKNOWN12", moto.Full.SecretAccessKey));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongSecret.StatusCode);
        var problem = await wrongSecret.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("credentials-rejected", problem.GetProperty("outcome").GetString());
        Assert.Contains("SignatureDoesNotMatch", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownKey.StatusCode);
        var unknown = await unknownKey.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("credentials-rejected", unknown.GetProperty("outcome").GetString());
        Assert.Contains("access key id", unknown.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await host.CountAsync("data_sources"));
    }

    [Fact]
    public async Task Create_WhenOnlyBillingIsAllowed_ConnectsWithDiscoveryFeaturesDisabled()
    {
        await using var host = await DataSourceHost.StartAsync(moto.Url);
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", Body(moto.BillingOnly.AccessKeyId, moto.BillingOnly.SecretAccessKey));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["ec2", "s3", "iam", "cloudwatch", "organizations"], view.GetProperty("disabledFeatures").EnumerateArray().Select(f => f.GetString()));
        var missing = view.GetProperty("validation").GetProperty("missingActions").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("ec2:DescribeInstances", missing);
        Assert.Contains("s3:ListAllMyBuckets", missing);
        Assert.Contains("iam:ListUsers", missing);
        Assert.Contains("cloudwatch:GetMetricStatistics", missing);
        Assert.Contains("organizations:ListAccounts", missing);
        Assert.DoesNotContain("s3:GetObject", missing);
        var organizations = view.GetProperty("validation").GetProperty("permissions").EnumerateArray()
            .Single(p => p.GetProperty("action").GetString() == "organizations:ListAccounts");
        Assert.Equal("denied", organizations.GetProperty("status").GetString());
        Assert.Contains("member account names", organizations.GetProperty("fix").GetString(), StringComparison.Ordinal);
        Assert.Equal(AwsFixtures.PayerAccount, view.GetProperty("payerAccountId").GetString());
        Assert.Equal("hourly", view.GetProperty("reportName").GetString());
    }

    [Fact]
    public async Task Create_WithTheGuidesFullPolicy_ReportsEveryPermissionOk()
    {
        await using var host = await DataSourceHost.StartAsync(moto.Url);
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var response = await client.PostAsJsonAsync("/api/v1/data-sources", Body(moto.Full.AccessKeyId, moto.Full.SecretAccessKey));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var view = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(view.GetProperty("disabledFeatures").EnumerateArray());
        var statuses = view.GetProperty("validation").GetProperty("permissions").EnumerateArray()
            .ToDictionary(p => p.GetProperty("action").GetString()!, p => p.GetProperty("status").GetString());
        Assert.All(new[] { "s3:ListBucket", "s3:GetObject", "s3:GetBucketLocation", "ec2:DescribeInstances", "s3:ListAllMyBuckets", "iam:ListUsers", "iam:ListAccessKeys", "iam:GetLoginProfile", "iam:GetAccessKeyLastUsed", "cloudwatch:GetMetricStatistics", "organizations:ListAccounts" },
            action => Assert.Equal("ok", statuses[action]));
        Assert.Equal("notChecked", statuses["cur:DescribeReportDefinitions"]);
    }

    private object Body(string accessKeyId, string secretAccessKey) => new
    {
        name = "Payer",
        kind = "aws-root",
        accessKeyId,
        secretAccessKey,
        bucket = moto.Bucket,
        prefix = "billing",
    };
}
