using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// One organization pressing "poll now" and "validate" in a loop: past its limits it is answered 429
/// with Retry-After, while another organization polls and validates as usual.
/// </summary>
public class PollRateLimitTests
{
    [Fact]
    public async Task PollAndValidate_WhenOneOrganizationPassesItsLimit_Are429WithRetryAfterWhileAnotherOrganizationPolls()
    {
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string>
        {
            ["RateLimits__Polls__Burst"] = "2", ["RateLimits__Polls__PerMinute"] = "1",
            ["RateLimits__Validations__Burst"] = "3", ["RateLimits__Validations__PerMinute"] = "1",
        });
        var greedy = await host.RegisterAsync();
        var polite = await host.RegisterAsync();
        using var greedyApi = host.CreateClient(greedy.Token);
        using var politeApi = host.CreateClient(polite.Token);
        var greedySource = await CreateAsync(host, greedyApi);
        var politeSource = await CreateAsync(host, politeApi);

        var poll = await UntilRefusedAsync(greedyApi, $"/api/v1/data-sources/{greedySource}/poll", HttpStatusCode.Accepted, burst: 2);
        // Creating used one of the three connection checks.
        var validate = await UntilRefusedAsync(greedyApi, $"/api/v1/data-sources/{greedySource}/validate", HttpStatusCode.OK, burst: 2);

        foreach (var (refused, what) in new[] { (poll, "polls than its limit of 2 at once and 1 a minute (RateLimits:Polls)"), (validate, "connection checks than its limit of 3 at once and 1 a minute (RateLimits:Validations)") })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
            Assert.Contains("This organization made more " + what, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await politeApi.PostAsync($"/api/v1/data-sources/{politeSource}/poll", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await politeApi.PostAsync($"/api/v1/data-sources/{politeSource}/poll", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await politeApi.PostAsync($"/api/v1/data-sources/{politeSource}/validate", null)).StatusCode);
    }

    private static async Task<Guid> CreateAsync(DataSourceHost host, HttpClient api)
    {
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        using var created = await api.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Payer", kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "limit-secret-0123456789", bucket, prefix = "cur",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> UntilRefusedAsync(HttpClient client, string url, HttpStatusCode allowed, int burst)
    {
        for (var i = 0; i < burst + 3; i++)
        {
            var response = await client.PostAsync(url, null);
            if (i < burst)
            {
                Assert.Equal(allowed, response.StatusCode);
            }
            else if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return response;
            }
        }

        throw new Xunit.Sdk.XunitException($"{url} was never refused after {burst + 3} requests");
    }
}
