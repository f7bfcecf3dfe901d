using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// Optimistic concurrency on a data source: its GET's ETag names its version, a change or delete with
/// an If-Match naming another version is refused with 412 and changes nothing, and two changes made
/// from the same read cannot both win (the second is the lost update If-Match exists to prevent).
/// </summary>
public class DataSourceIfMatchTests
{
    [Fact]
    public async Task UpdateAndDelete_WhenIfMatchNamesAnOlderVersion_Are412AndChangeNothing()
    {
        await using var host = await DataSourceHost.StartAsync();
        var (client, id) = await ConnectAsync(host);
        var path = $"/api/v1/data-sources/{id}";

        using var read = await client.GetAsync(path);
        var first = read.Headers.ETag!.Tag;
        using var notModified = await Send(client, HttpMethod.Get, path, "If-None-Match", first);
        using var renamed = await Send(client, HttpMethod.Patch, path, "If-Match", first, """{"name":"Renamed with If-Match"}""");
        var second = renamed.Headers.ETag!.Tag;
        using var lostUpdate = await Send(client, HttpMethod.Patch, path, "If-Match", first, """{"name":"Lost update"}""");
        using var staleDelete = await Send(client, HttpMethod.Delete, path, "If-Match", first);
        using var reread = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.NotEqual(first, second);
        await AssertPreconditionFailedAsync(lostUpdate, id);
        await AssertPreconditionFailedAsync(staleDelete, id);
        Assert.Equal(HttpStatusCode.OK, reread.StatusCode);
        Assert.Equal(second, reread.Headers.ETag!.Tag);
        Assert.Equal("Renamed with If-Match", (await reread.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name").GetString());
        Assert.Equal(0, (await host.OutboxAsync()).Count(e => e.Type.Contains("DataSourceRemoved", StringComparison.Ordinal)));

        using var deleted = await Send(client, HttpMethod.Delete, path, "If-Match", second);
        using var gone = await Send(client, HttpMethod.Delete, path, "If-Match", second);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(1, (await host.OutboxAsync()).Count(e => e.Type.Contains("DataSourceRemoved", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Update_WhenTwoChangesRaceFromTheSameRead_OneWinsAndTheOtherIs412()
    {
        await using var host = await DataSourceHost.StartAsync();
        var (client, id) = await ConnectAsync(host);
        var path = $"/api/v1/data-sources/{id}";
        using var read = await client.GetAsync(path);
        var etag = read.Headers.ETag!.Tag;

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Send(client, HttpMethod.Patch, path, "If-Match", etag, $$"""{"name":"Writer {{i}}"}""")));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a => Assert.Equal(HttpStatusCode.PreconditionFailed, a.StatusCode));
        var winner = await answers.Single(a => a.StatusCode == HttpStatusCode.OK).Content.ReadFromJsonAsync<JsonElement>();
        var stored = await client.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal(winner.GetProperty("name").GetString(), stored.GetProperty("name").GetString());
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }

    private static async Task<(HttpClient Client, Guid Id)> ConnectAsync(DataSourceHost host)
    {
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "billing", "hourly-report");
        }

        var admin = await host.RegisterAsync();
        var client = host.CreateClient(admin.Token);
        using var created = await client.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Payer account", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "if-match-secret-0123456789", bucket, prefix = "billing/",
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (client, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string header, string etag, string? json = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = json is null ? null : AwsFixtures.Json(json) };
        request.Headers.TryAddWithoutValidation(header, etag);
        return client.SendAsync(request);
    }

    private static async Task AssertPreconditionFailedAsync(HttpResponseMessage response, Guid id)
    {
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains($"Data source {id} changed after the version your If-Match names", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
