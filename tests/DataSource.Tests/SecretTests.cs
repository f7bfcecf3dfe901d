using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using MassTransit;
using Npgsql;

namespace DigiUsher.DataSource.Tests;

public class SecretTests
{
    [Fact]
    public async Task SecretAccessKey_NeverAppearsInAResponseALogLineAnEventOrTheDatabase()
    {
        const string first = "FIRST-secret-wJalrXUtnFEMI-K7MDENG";
        const string rotated = "ROTATED-secret-bPxRfiCYEXAMPLEKEY";
        const string refused = "REFUSED-secret-nothing-stores-this";
        await using var host = await DataSourceHost.StartAsync();
        await using var bus = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, string.Empty, "hourly", withDataFile: false);
        }

        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);
        var created = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = first, bucket });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await client.GetAsync($"/api/v1/data-sources/{id}");
        await client.GetAsync("/api/v1/data-sources");
        await client.PostAsync($"/api/v1/data-sources/{id}/validate", null);
        await client.GetAsync($"/api/v1/data-sources/{id}/status");
        var rotation = await client.PatchAsync($"/api/v1/data-sources/{id}", AwsFixtures.Json($$"""{"accessKeyId":"AKIAI44QH8DHBEXAMPLE","secretAccessKey":"{{rotated}}"}"""));
        Assert.Equal(HttpStatusCode.OK, rotation.StatusCode);
        var refusedCreate = await client.PostAsJsonAsync("/api/v1/data-sources", new { name = "Nope", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = refused, bucket = AwsFixtures.NewBucketName() });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refusedCreate.StatusCode);
        var malformed = await client.PostAsync("/api/v1/data-sources", AwsFixtures.Json($$"""{"secretAccessKey":"{{refused}}", """));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        var updated = await Eventually.Get(() => Task.FromResult(bus.Recorded.All.OfType<DataSourceUpdated>().FirstOrDefault(m => m.DataSourceId == id)), TimeSpan.FromSeconds(60), "DataSourceUpdated");
        Assert.True(updated.CredentialsRotated);
        var answer = await bus.RequestCredentialsAsync(admin.OrganizationId, id);
        Assert.True(answer.Is(out Response<AwsCredentialsIssued>? issued));
        Assert.Equal("AKIAI44QH8DHBEXAMPLE", issued!.Message.AccessKeyId);
        await Eventually.True(async () => (await host.OutboxAsync()).All(o => o.Dispatched), TimeSpan.FromSeconds(60), "the outbox to be dispatched");

        var responses = string.Join("\n", host.ResponseBodies);
        var logs = string.Join("\n", host.Logs.Lines);
        var events = string.Join("\n", (await host.OutboxAsync()).Select(o => o.Body))
            + string.Join("\n", bus.Recorded.All.Select(m => JsonSerializer.Serialize(m, m.GetType())))
            + JsonSerializer.Serialize(issued.Message);
        Assert.NotEmpty(host.Logs.Lines);
        foreach (var secret in new[] { first, rotated, refused })
        {
            Assert.DoesNotContain(secret, responses, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, events, StringComparison.Ordinal);
        }

        await using var connection = new NpgsqlConnection(host.Database.AdminConnectionString);
        var dump = string.Join("\n", await connection.QueryAsync<string>(
            "select row_to_json(d)::text from datasource.data_sources d union all select encode(secret_ciphertext, 'escape') from datasource.data_sources"));
        Assert.DoesNotContain(first, dump, StringComparison.Ordinal);
        Assert.DoesNotContain(rotated, dump, StringComparison.Ordinal);
        Assert.Contains("AKIAI44QH8DHBEXAMPLE", dump, StringComparison.Ordinal);
    }
}
