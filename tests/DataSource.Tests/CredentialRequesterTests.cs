using System.Net.Http.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using MassTransit;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// GetAwsCredentials asked by another service's RabbitMQ user: DataSource reads who sent it from the
/// broker-validated user_id, not from the message, and answers only the services that poll, parse and discover.
/// </summary>
public class CredentialRequesterTests
{
    [Fact]
    public async Task GetAwsCredentials_WhenQuerysRabbitMqUserAsks_GetsNoCredentials()
    {
        var pollerUser = "cur-poller-" + Guid.NewGuid().ToString("N")[..8];
        var queryUser = "query-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string> { ["CredentialRequesters__Users__0"] = pollerUser });
        var admin = await host.RegisterAsync();
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        using var api = host.CreateClient(admin.Token);
        using var created = await api.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "requester-secret-0123456789", bucket, prefix = "cur",
        });
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var dataSourceId = (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        await using var asPoller = await PeerBus.StartAsync(host.VirtualHost, await host.VirtualHost.CreateUserAsync(pollerUser));
        await using var asQuery = await PeerBus.StartAsync(host.VirtualHost, await host.VirtualHost.CreateUserAsync(queryUser));

        var queryAnswer = await asQuery.RequestCredentialsAsync(admin.OrganizationId, dataSourceId);
        var pollerAnswer = await asPoller.RequestCredentialsAsync(admin.OrganizationId, dataSourceId);

        Assert.True(queryAnswer.Is(out Response<AwsCredentialsUnavailable>? refused), "Query's user got credentials");
        Assert.Contains("only CurPoller, CurParser and ResourceDiscovery", refused!.Message.Reason, StringComparison.Ordinal);
        Assert.True(pollerAnswer.Is(out Response<AwsCredentialsIssued>? issued), "CurPoller's user got none: " + string.Join("\n", host.Logs.Lines.Where(l => l.Contains("Refused", StringComparison.Ordinal))));
        Assert.Equal(dataSourceId, issued!.Message.DataSourceId);
    }
}
