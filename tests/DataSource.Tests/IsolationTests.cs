using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using MassTransit;

namespace DigiUsher.DataSource.Tests;

public class IsolationTests
{
    [Fact]
    public async Task EveryDataSourceRoute_WithAnotherOrganizationsToken_Returns404AndChangesNothing()
    {
        await using var host = await DataSourceHost.StartAsync();
        await using var bus = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly", withDataFile: false);
        }

        var orgA = await host.RegisterAsync();
        var orgB = await host.RegisterAsync();
        using var clientB = host.CreateClient(orgB.Token);
        var created = await clientB.PostAsJsonAsync("/api/v1/data-sources", new { name = "B's payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "b-secret", bucket, prefix = "cur" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var idOfB = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var outboxBefore = (await host.OutboxAsync()).Count;

        using var clientA = host.CreateClient(orgA.Token);
        var routes = new (HttpMethod Method, string Path, string? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/data-sources/{idOfB}", null),
            (HttpMethod.Patch, $"/api/v1/data-sources/{idOfB}", """{"name":"taken over"}"""),
            (HttpMethod.Patch, $"/api/v1/data-sources/{idOfB}", """{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"a-secret"}"""),
            (HttpMethod.Post, $"/api/v1/data-sources/{idOfB}/validate", null),
            (HttpMethod.Post, $"/api/v1/data-sources/{idOfB}/poll", null),
            (HttpMethod.Get, $"/api/v1/data-sources/{idOfB}/status", null),
            (HttpMethod.Delete, $"/api/v1/data-sources/{idOfB}", null),
        };
        foreach (var (method, path, body) in routes)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : AwsFixtures.Json(body) };
            var response = await clientA.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        var listA = await clientA.GetFromJsonAsync<JsonElement>("/api/v1/data-sources");
        Assert.Empty(listA.GetProperty("items").EnumerateArray());
        var answer = await bus.RequestCredentialsAsync(orgA.OrganizationId, idOfB);
        Assert.True(answer.Is(out Response<AwsCredentialsUnavailable>? _));

        var stillB = await clientB.GetFromJsonAsync<JsonElement>($"/api/v1/data-sources/{idOfB}");
        Assert.Equal("B's payer", stillB.GetProperty("name").GetString());
        Assert.Equal(outboxBefore, (await host.OutboxAsync()).Count);

        // Status events that name B's data source with A's organization are not B's status.
        await bus.Bus.Publish(new ReportPollFailed(orgA.OrganizationId, idOfB, "spoof", "spoofed", "s3:ListBucket", DateTimeOffset.UtcNow));
        await bus.Bus.Publish(new ReportPollCompleted(orgB.OrganizationId, idOfB, "real", "hourly", 1, 0, null, DateTimeOffset.UtcNow.AddMinutes(-1)));
        var status = await DigiUsher.Testing.Eventually.Get(async () =>
        {
            var s = await clientB.GetFromJsonAsync<JsonElement>($"/api/v1/data-sources/{idOfB}/status");
            return s.GetProperty("lastPoll").ValueKind == JsonValueKind.Object ? (JsonElement?)s : null;
        }, TimeSpan.FromSeconds(60), "B's poll status");
        Assert.True(status!.Value.GetProperty("lastPoll").GetProperty("succeeded").GetBoolean());
    }
}
