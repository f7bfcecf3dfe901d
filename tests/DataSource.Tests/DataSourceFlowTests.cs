using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Tests;

public class DataSourceFlowTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task WholeFlow_RegisterConnectPollStatusCredentialsDelete_Works()
    {
        await using var host = await DataSourceHost.StartAsync();
        await using var bus = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "billing", "hourly-report");
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);

        var setup = await client.GetFromJsonAsync<JsonElement>($"/api/v1/aws/setup?bucket={bucket}");
        Assert.Contains($"arn:aws:s3:::{bucket}/*", setup.GetProperty("billingReadPolicy").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("billingreports.amazonaws.com", setup.GetProperty("bucketPolicy").GetRawText(), StringComparison.Ordinal);
        Assert.Contains("iam:GetLoginProfile", setup.GetProperty("discoveryPolicy").GetRawText(), StringComparison.Ordinal);

        var created = await client.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Payer account",
            kind = "aws-root",
            accessKeyId = "AKIAIOSFODNN7EXAMPLE",
            secretAccessKey = "flow-secret-0123456789",
            bucket,
            prefix = "billing/",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dataSource = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = dataSource.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/data-sources/{id}", created.Headers.Location!.ToString());
        Assert.Equal("hourly-report", dataSource.GetProperty("reportName").GetString());
        Assert.Equal(AwsFixtures.PayerAccount, dataSource.GetProperty("payerAccountId").GetString());
        Assert.Equal("billing", dataSource.GetProperty("prefix").GetString());
        Assert.Equal("us-east-1", dataSource.GetProperty("region").GetString());
        var validation = dataSource.GetProperty("validation");
        Assert.Equal("ok", validation.GetProperty("outcome").GetString());
        Assert.Equal("manifest", validation.GetProperty("payerAccountSource").GetString());
        var permissions = validation.GetProperty("permissions").EnumerateArray().ToDictionary(p => p.GetProperty("action").GetString()!, p => p.GetProperty("status").GetString());
        Assert.Equal("ok", permissions["s3:GetObject"]);
        Assert.Equal("ok", permissions["s3:ListBucket"]);
        Assert.Equal("notChecked", permissions["cur:DescribeReportDefinitions"]);

        var connected = await Eventually.Get(() => Task.FromResult(bus.Recorded.All.OfType<DataSourceConnected>().FirstOrDefault(m => m.DataSourceId == id)), Wait, "DataSourceConnected");
        Assert.Equal(admin.OrganizationId, connected.OrganizationId);
        Assert.Equal(bucket, connected.Settings.Bucket);
        Assert.Equal("hourly-report", connected.Settings.ReportName);
        Assert.Equal(admin.Email, connected.Settings.CreatedByEmail);

        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/data-sources");
        Assert.Equal(id, Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());

        var renamed = await client.PatchAsync($"/api/v1/data-sources/{id}", AwsFixtures.Json("""{"name":"Renamed payer"}"""));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var updated = await Eventually.Get(() => Task.FromResult(bus.Recorded.All.OfType<DataSourceUpdated>().FirstOrDefault(m => m.DataSourceId == id)), Wait, "DataSourceUpdated");
        Assert.Equal("Renamed payer", updated.Settings.Name);
        Assert.False(updated.CredentialsRotated);

        var poll = await client.PostAsync($"/api/v1/data-sources/{id}/poll", null);
        Assert.Equal(HttpStatusCode.Accepted, poll.StatusCode);
        await Eventually.Get(() => Task.FromResult(bus.Recorded.All.OfType<PollRequested>().FirstOrDefault(m => m.DataSourceId == id)), Wait, "PollRequested");

        var revalidated = await client.PostAsync($"/api/v1/data-sources/{id}/validate", null);
        Assert.Equal(HttpStatusCode.OK, revalidated.StatusCode);
        Assert.Equal("ok", (await revalidated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());

        // The other services report what they did; the status shows it.
        var now = DateTimeOffset.UtcNow;
        await bus.Bus.Publish(new ReportPollCompleted(admin.OrganizationId, id, "poll-1", "hourly-report", 2, 1, "assembly-2", now));
        await bus.Bus.Publish(new ReportImported(admin.OrganizationId, id, "imp-1", "2024-01", "assembly-1", Guid.NewGuid(), 19, 1,
            [new CurrencyTotals("USD", 12.34m, 12.34m, 12.30m, 10.00m, 15.00m, 24m, 19)], false, TimeSpan.FromSeconds(3), now.AddMinutes(-5)));
        await bus.Bus.Publish(new ReportImportFailed(admin.OrganizationId, id, "imp-2", "2024-01", "assembly-2", Guid.NewGuid(),
            "billing/hourly-report/x.csv.gz", 7, "Row 7: lineItem/UnblendedCost 'abc' is not a number.", false, now));
        await bus.Bus.Publish(new DiscoveryCompleted(admin.OrganizationId, id, "run-1", Guid.NewGuid(), AwsFixtures.PayerAccount,
            new Dictionary<string, int> { ["ec2-instance"] = 3 }, ["ec2-instance@us-east-1"], [new DiscoverySkip("iam-user", null, "AccessDenied on iam:ListUsers")], now, now));
        var status = await Eventually.Get(async () =>
        {
            var s = await client.GetFromJsonAsync<JsonElement>($"/api/v1/data-sources/{id}/status");
            return s.GetProperty("lastPoll").ValueKind == JsonValueKind.Object
                && s.GetProperty("lastDiscovery").ValueKind == JsonValueKind.Object
                && s.GetProperty("imports").GetArrayLength() == 1
                && s.GetProperty("imports")[0].GetProperty("deliveries").GetArrayLength() == 2
                ? (JsonElement?)s : null;
        }, Wait, "the status to show poll, imports and discovery");
        var s = status!.Value;
        Assert.Equal("ok", s.GetProperty("validation").GetProperty("outcome").GetString());
        Assert.Equal("assembly-2", s.GetProperty("lastDelivery").GetProperty("deliveryId").GetString());
        var period = s.GetProperty("imports")[0];
        Assert.Equal("2024-01", period.GetProperty("billingPeriod").GetString());
        Assert.Equal("assembly-1", period.GetProperty("currentDeliveryId").GetString());
        var failed = period.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("deliveryId").GetString() == "assembly-2");
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Equal(7, failed.GetProperty("error").GetProperty("row").GetInt64());
        var imported = period.GetProperty("deliveries").EnumerateArray().Single(d => d.GetProperty("deliveryId").GetString() == "assembly-1");
        Assert.Equal(12.34m, imported.GetProperty("totals")[0].GetProperty("unblended").GetDecimal());
        Assert.Equal("AccessDenied on iam:ListUsers", s.GetProperty("lastDiscovery").GetProperty("skipped")[0].GetProperty("reason").GetString());

        // Another service asks for the credentials: the secret arrives sealed.
        var answer = await bus.RequestCredentialsAsync(admin.OrganizationId, id);
        Assert.True(answer.Is(out Response<AwsCredentialsIssued>? issued));
        Assert.Equal("AKIAIOSFODNN7EXAMPLE", issued!.Message.AccessKeyId);
        Assert.NotEqual("flow-secret-0123456789", issued.Message.SealedSecretAccessKey);
        var sealer = new CredentialSealer(Options.Create(new CredentialTransportOptions { TransportKey = TestEnvironment.TransportKey }));
        Assert.Equal("flow-secret-0123456789", sealer.Open(issued.Message.SealedSecretAccessKey));
        Assert.Null(issued.Message.SealedSessionToken);

        var deleted = await client.DeleteAsync($"/api/v1/data-sources/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/data-sources/{id}")).StatusCode);
        await Eventually.Get(() => Task.FromResult(bus.Recorded.All.OfType<DataSourceRemoved>().FirstOrDefault(m => m.DataSourceId == id)), Wait, "DataSourceRemoved");
        var afterDelete = await bus.RequestCredentialsAsync(admin.OrganizationId, id);
        Assert.True(afterDelete.Is(out Response<AwsCredentialsUnavailable>? _));
    }

    [Fact]
    public async Task Create_WhenTheSameBucketPrefixAndReportExist_Returns409AndKeepsOne()
    {
        await using var host = await DataSourceHost.StartAsync();
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, string.Empty, "daily");
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);
        var body = new { name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "dup-secret", bucket };

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/data-sources", body)).StatusCode);
        var second = await client.PostAsJsonAsync("/api/v1/data-sources", body);

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await host.CountAsync("data_sources"));
        Assert.Single(await host.OutboxAsync(), o => o.Type.EndsWith("DataSourceConnected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_WithRole_IssuesAssumedRoleCredentialsWithSessionToken()
    {
        await using var host = await DataSourceHost.StartAsync();
        await using var bus = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);
        var created = await client.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Role payer",
            kind = "aws-root",
            roleArn = $"arn:aws:iam::{AwsFixtures.PayerAccount}:role/DigiUsherReadOnly",
            externalId = await IssuedExternalIdAsync(client),
            bucket,
            prefix = "cur",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("role", view.GetProperty("authType").GetString());

        var answer = await bus.RequestCredentialsAsync(admin.OrganizationId, view.GetProperty("id").GetGuid());

        Assert.True(answer.Is(out Response<AwsCredentialsIssued>? issued));
        Assert.NotNull(issued!.Message.SealedSessionToken);
        Assert.NotNull(issued.Message.ExpiresAt);
        Assert.StartsWith("ASIA", issued.Message.AccessKeyId, StringComparison.Ordinal);
    }

    private static async Task<string> IssuedExternalIdAsync(HttpClient client)
    {
        using var issued = await client.PostAsync("/api/v1/aws/external-ids", null);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        return (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("externalId").GetString()!;
    }
}
