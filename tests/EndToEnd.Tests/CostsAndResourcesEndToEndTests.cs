using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// The five real services as processes on one database and virtual host, a dedicated moto holding
/// an AWS account and one month of CUR: connect the account through DataSource's API as a customer
/// would, and check what Query answers against what the CUR file and the account hold.
/// </summary>
public class CostsAndResourcesEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task ConnectedAccount_WhenImportedAndDiscovered_AnswersCostsResourcesAndFindings()
    {
        await using var moto = await MotoServer.StartAsync();
        var account = new AwsAccount(moto.Url);
        await account.SeedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CurMonth(account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
        await month.UploadAsync(moto.Url, account.CurBucket);

        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        var services = new List<ServiceProcess>();
        try
        {
            ServiceProcess? curParser = null;
            foreach (var name in new[] { "DataSource", "CurParser", "CurPoller", "ResourceDiscovery", "Query" })
            {
                var environment = ServiceProcess.EnvironmentFor(name, database, vhost, moto.Url);
                if (name == "Query")
                {
                    environment["Services__CurParser"] = curParser!.BaseAddress.ToString();
                }

                await ServiceProcess.MigrateAsync(name, environment);
                var process = await ServiceProcess.StartAsync(name, environment, readyTimeout: TimeSpan.FromSeconds(120));
                services.Add(process);
                curParser = name == "CurParser" ? process : curParser;
            }

            var dataSourceApi = services[0].CreateClient();
            var queryApi = services[^1].CreateClient();
            var orgA = await RegisterAsync(dataSourceApi, "a");
            Authorize(dataSourceApi, orgA.Token);
            Authorize(queryApi, orgA.Token);
            using var created = await dataSourceApi.PostAsJsonAsync("api/v1/data-sources", new
            {
                name = "E2E payer", kind = "aws-root", accessKeyId = account.AccessKeyId, secretAccessKey = account.SecretAccessKey,
                bucket = account.CurBucket, prefix = CurMonth.Prefix, region = "us-east-1",
            });
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());

            var costsUrl = $"api/v1/costs?from={month.From}&to={month.To}";
            var total = await Eventually.Get(async () =>
            {
                var costs = await GetAsync(queryApi, costsUrl);
                return costs.GetProperty("total").GetDecimal() == month.Total ? (object)true : null;
            }, Patience, $"Query to show the imported month ({month.Total} USD)");

            var byService = await GetAsync(queryApi, costsUrl + "&groupBy=service");
            Assert.Equal("USD", byService.GetProperty("currency").GetString());
            Assert.Equal(
                new Dictionary<string, decimal> { ["AmazonEC2"] = month.ByService("AmazonEC2"), ["AmazonS3"] = month.ByService("AmazonS3") },
                Groups(byService, "service"));
            var byTeam = await GetAsync(queryApi, costsUrl + "&groupBy=tag:team");
            Assert.Equal(
                new Dictionary<string, decimal> { ["web"] = month.ByTeam("web"), ["data"] = month.ByTeam("data"), [""] = month.ByTeam("") },
                Groups(byTeam, "tag:team"));
            var byResource = Groups(await GetAsync(queryApi, costsUrl + "&groupBy=resource"), "resource");
            foreach (var resource in account.Resources)
            {
                Assert.Equal(month.ByResource(resource.ResourceId), byResource[resource.ResourceId]);
            }

            var web = account.Resources.First(r => r.Kind == "instance");
            await Eventually.True(async () =>
            {
                var discovered = (await GetAsync(queryApi, $"api/v1/resources?discovered=true&from={month.From}&to={month.To}&limit=1000"))
                    .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("resourceId").GetString()).ToHashSet();
                return account.Resources.All(r => discovered.Contains(r.ResourceId));
            }, Patience, "every seeded resource discovered in Query");
            var detail = await GetAsync(queryApi, $"api/v1/resources/{web.ResourceId}?from={month.From}&to={month.To}");
            Assert.True(detail.GetProperty("resource").GetProperty("discovered").GetBoolean());
            Assert.Equal(month.Days, detail.GetProperty("dailyCost").GetArrayLength());
            Assert.Equal(month.ByResource(web.ResourceId), detail.GetProperty("dailyCost").EnumerateArray().Sum(d => d.GetProperty("amount").GetDecimal()));

            var findings = (await GetAsync(queryApi, "api/v1/findings")).GetProperty("items").EnumerateArray()
                .Select(f => (Type: f.GetProperty("type").GetString()!, Id: f.GetProperty("resourceId").GetString()!)).ToHashSet();
            var orphanVolume = account.Resources.First(r => r.Kind == "volume" && r.Team == "data").ResourceId;
            var snapshot = account.Resources.First(r => r.Kind == "snapshot").ResourceId;
            var address = account.Resources.First(r => r.Kind == "elastic-ip").ResourceId;
            Assert.Contains(("unattached-volume", orphanVolume), findings);
            Assert.Contains(("snapshot-of-deleted-volume", snapshot), findings);
            Assert.Contains(("unassociated-elastic-ip", address), findings);
            Assert.Contains(findings, f => f.Type == "stopped-instance-with-storage");
            Assert.DoesNotContain(findings, f => f.Id == web.ResourceId);

            var imports = (await GetAsync(queryApi, "api/v1/imports")).GetProperty("items");
            var import = Assert.Single(imports.EnumerateArray());
            Assert.Equal(month.BillingPeriod, import.GetProperty("billingPeriod").GetString());
            Assert.Equal("loaded", import.GetProperty("costsStatus").GetString());

            // Another organization sees none of it.
            var orgB = await RegisterAsync(services[0].CreateClient(), "b");
            using var queryB = services[^1].CreateClient();
            Authorize(queryB, orgB.Token);
            Assert.Equal(0m, (await GetAsync(queryB, costsUrl)).GetProperty("total").GetDecimal());
            Assert.Empty((await GetAsync(queryB, "api/v1/resources")).GetProperty("items").EnumerateArray());
            Assert.Empty((await GetAsync(queryB, "api/v1/findings")).GetProperty("items").EnumerateArray());
            Assert.Empty((await GetAsync(queryB, "api/v1/imports")).GetProperty("items").EnumerateArray());
            Assert.Equal(System.Net.HttpStatusCode.NotFound, (await queryB.GetAsync($"api/v1/resources/{web.ResourceId}?from={month.From}&to={month.To}")).StatusCode);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException || services.Count > 0)
        {
            // The services' own log lines say why a step never happened (failed import, denied call ...).
            var logs = string.Join('\n', services.Select(s =>
                $"--- {s.Service} ---\n" + string.Join('\n', s.LogLines.Where(l => l.Contains("\"LogLevel\":\"Warning\"", StringComparison.Ordinal)
                    || l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal)).TakeLast(15))));
            throw new InvalidOperationException($"{ex.Message}\n{logs}", ex);
        }
        finally
        {
            foreach (var service in services)
            {
                await service.DisposeAsync();
            }
        }
    }

    private static async Task<(Guid Organization, string Token)> RegisterAsync(HttpClient dataSourceApi, string suffix)
    {
        var email = $"e2e-{suffix}-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        using var registered = await dataSourceApi.PostAsJsonAsync("api/v1/auth/register", new { email, password, organizationName = $"E2E {suffix}" });
        var body = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement;
        Assert.True(registered.IsSuccessStatusCode, body.ToString());
        using var token = await dataSourceApi.PostAsJsonAsync("api/v1/auth/token", new { email, password });
        var tokenBody = JsonDocument.Parse(await token.Content.ReadAsStringAsync()).RootElement;
        Assert.True(token.IsSuccessStatusCode, tokenBody.ToString());
        return (body.GetProperty("organizationId").GetGuid(), tokenBody.GetProperty("accessToken").GetString()!);
    }

    private static void Authorize(HttpClient client, string token) =>
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    private static async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {text}");
    }

    private static Dictionary<string, decimal> Groups(JsonElement costs, string key) =>
        costs.GetProperty("items").EnumerateArray().ToDictionary(g => g.GetProperty("keys").GetProperty(key).GetString()!, g => g.GetProperty("amount").GetDecimal());
}
