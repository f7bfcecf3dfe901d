using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// An organization at its quota of data sources: one more is refused with a 409 that names the
/// quota, also when several are created at once; another organization connects as usual; the quotas
/// are shown at <c>GET /api/v1/quotas</c>.
/// </summary>
public class DataSourceQuotaTests
{
    [Fact]
    public async Task CreateDataSource_WhenTheOrganizationHasItsQuotaOfDataSources_Is409NamingTheQuotaWhileAnotherOrganizationConnects()
    {
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string>
        {
            ["Quotas__DataSourcesPerOrganization"] = "2", ["Quotas__KeysListedPerPoll"] = "1500",
        });
        var greedy = await host.RegisterAsync();
        var other = await host.RegisterAsync();
        var buckets = Enumerable.Range(0, 5).Select(_ => AwsFixtures.NewBucketName()).ToList();
        using (var s3 = AwsFixtures.S3(host.MotoUrl))
        {
            foreach (var bucket in buckets)
            {
                await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
            }
        }

        using var greedyApi = host.CreateClient(greedy.Token);
        using var otherApi = host.CreateClient(other.Token);

        // Five at once against a quota of two: exactly two are connected, each other one is told why.
        var attempts = await Task.WhenAll(buckets.Select(b => greedyApi.PostAsJsonAsync("/api/v1/data-sources", Request(b))));
        var created = await otherApi.PostAsJsonAsync("/api/v1/data-sources", Request(buckets[0]));

        Assert.Equal(2, attempts.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in attempts.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("The organization's quota of data sources is reached", problem.GetProperty("title").GetString());
            Assert.Contains("has 2 data sources and its quota is 2 (Quotas:DataSourcesPerOrganization", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("dataSourcesPerOrganization", problem.GetProperty("quota").GetString());
        }

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var quotas = await greedyApi.GetFromJsonAsync<JsonElement>("/api/v1/quotas");
        Assert.Equal(2, quotas.GetProperty("dataSourcesPerOrganization").GetInt32());
        Assert.Equal(2, quotas.GetProperty("dataSources").GetInt32());
        Assert.Equal(1500, quotas.GetProperty("keysListedPerPoll").GetInt32());
        Assert.Equal(16L << 20, quotas.GetProperty("manifestBytes").GetInt64());
        Assert.Equal(32L << 30, quotas.GetProperty("deliveryBytes").GetInt64());
        Assert.Equal(500_000_000, quotas.GetProperty("deliveryRows").GetInt64());
        Assert.Equal(1, (await otherApi.GetFromJsonAsync<JsonElement>("/api/v1/quotas")).GetProperty("dataSources").GetInt32());
    }

    private static object Request(string bucket) => new
    {
        name = "Payer " + bucket, kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "quota-secret-0123456789", bucket, prefix = "cur", reportName = "hourly",
        region = "us-east-1",
    };
}
