using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DigiUsher.Query.Tests;

/// <summary>
/// One organization hammering the cost queries and exports: past its limit it is answered 429 with
/// Retry-After and a problem that names the limit, while another organization's requests on the same
/// Query all succeed.
/// </summary>
public class TenantRateLimitTests
{
    private const string Costs = "/api/v1/costs?from=2024-01-01&to=2024-01-31&groupBy=service";
    private const string Export = "/api/v1/costs/export?from=2024-01-01&to=2024-01-31&groupBy=service";

    [Fact]
    public async Task CostQueriesAndExports_WhenOneOrganizationPassesItsLimit_Are429WithRetryAfterWhileAnotherOrganizationsSucceed()
    {
        await using var app = await QueryApp.StartAsync(new()
        {
            ["RateLimits:Queries:Burst"] = "3", ["RateLimits:Queries:PerMinute"] = "1",
            ["RateLimits:Exports:Burst"] = "1", ["RateLimits:Exports:PerMinute"] = "1",
        });
        using var greedy = app.ClientFor(Guid.NewGuid());
        using var polite = app.ClientFor(Guid.NewGuid());

        var queries = await UntilRefusedAsync(greedy, Costs, burst: 3);
        var exports = await UntilRefusedAsync(greedy, Export, burst: 1);

        foreach (var (refused, what, setting) in new[] { (queries, "cost queries than its limit of 3 at once", "RateLimits:Queries"), (exports, "exports than its limit of 1 at once", "RateLimits:Exports") })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {refused.Headers.RetryAfter}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains($"This organization made more {what}", detail, StringComparison.Ordinal);
            Assert.Contains(setting, detail, StringComparison.Ordinal);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await polite.GetAsync(Costs)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await polite.GetAsync(Export)).StatusCode);
    }

    /// <summary>The first <paramref name="burst"/> answers are 200; answers the first refusal (a refill may let one more through first).</summary>
    private static async Task<HttpResponseMessage> UntilRefusedAsync(HttpClient client, string url, int burst)
    {
        for (var i = 0; i < burst + 3; i++)
        {
            var response = await client.GetAsync(url);
            if (i < burst)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            else if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return response;
            }
        }

        throw new Xunit.Sdk.XunitException($"{url} was never refused after {burst + 3} requests");
    }
}
