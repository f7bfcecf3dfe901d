using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using MassTransit;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// An operator raises one organization's quotas with <c>digiusher-admin quotas set</c> (a big customer at
/// month-end), without a redeploy: that organization connects more data sources than the default allows
/// while another is still held to the default, <c>GET /api/v1/quotas</c> shows each value and where it comes
/// from, and the other services get the override with the credentials they ask for. A tenant admin who
/// tries to raise its own quota, by every door a tenant has, is refused.
/// </summary>
public class QuotaOverrideTests
{
    [Fact]
    public async Task QuotasSet_WhenAnOperatorRaisesOneOrganization_ItConnectsMoreWhileAnotherIsHeldToTheDefaultAndATenantAdminCannotRaiseItsOwn()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var vhost = await TestVirtualHost.CreateAsync();
        await using var bus = await PeerBus.StartAsync(vhost, answerCredentials: false);
        var environment = ServiceProcess.EnvironmentFor("DataSource", database, vhost, TestEnvironment.SharedMotoUrl);
        environment["Quotas__DataSourcesPerOrganization"] = "1";
        environment["Quotas__KeysListedPerPoll"] = "1500";
        await ServiceProcess.MigrateAsync("DataSource", environment);
        await using var service = await ServiceProcess.StartAsync("DataSource", environment, readyTimeout: TimeSpan.FromSeconds(90));
        using var http = service.CreateClient();
        var big = await RegisterAsync(http);
        var small = await RegisterAsync(http);
        var buckets = Enumerable.Range(0, 5).Select(_ => AwsFixtures.NewBucketName()).ToList();
        using (var s3 = AwsFixtures.S3(TestEnvironment.SharedMotoUrl))
        {
            foreach (var bucket in buckets)
            {
                await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
            }
        }

        // The tenant admin's doors: the operators' endpoint with its own token, the scope asked for at sign-in,
        // a service client granted it, and a write to the tenant's quotas route. None opens.
        var operatorRoute = $"/internal/v1/admin/organizations/{big.OrganizationId}/quotas";
        var raise = new { dataSourcesPerOrganization = 100, reason = "I am big" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Put, operatorRoute, big.Token, raise)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, HttpMethod.Delete, operatorRoute, big.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, HttpMethod.Put, operatorRoute, null, raise)).StatusCode);
        var scopeAsked = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = big.Email, ["password"] = Password, ["client_id"] = "console", ["scope"] = "quotas:write",
        }));
        Assert.False(scopeAsked.IsSuccessStatusCode, await scopeAsked.Content.ReadAsStringAsync());
        var granted = await SendAsync(http, HttpMethod.Post, "/api/v1/service-clients", big.Token, new { name = "raiser", scopes = new[] { "quotas:write" } });
        Assert.Equal(HttpStatusCode.BadRequest, granted.StatusCode);
        var asAdminClient = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "admin", ["client_secret"] = "guessed", ["scope"] = "quotas:write",
        }));
        Assert.False(asAdminClient.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync(http, HttpMethod.Put, "/api/v1/quotas", big.Token, raise)).StatusCode);
        Assert.Equal(0, await CountOverridesAsync(database));

        // The operator: refused values are named, then the big customer gets 3 data sources and 3,000 keys per poll.
        var services = $"DataSource={service.BaseAddress}";
        var wrong = await AdminTool.RunAsync(vhost.Name, services, null, "quotas", "set", big.OrganizationId.ToString(), "--data-sources", "0", "--reason", "month-end");
        Assert.True(wrong.ExitCode == 2, wrong.Output);
        Assert.Contains("'dataSourcesPerOrganization' must be from 1 to 100,000; it is 0.", wrong.Output, StringComparison.Ordinal);
        var unknown = await AdminTool.RunAsync(vhost.Name, services, null, "quotas", "show", Guid.NewGuid().ToString());
        Assert.True(unknown.ExitCode == 2, unknown.Output);
        var set = await AdminTool.RunAsync(vhost.Name, services, null,
            "quotas", "set", big.OrganizationId.ToString(), "--data-sources", "3", "--keys-per-poll", "3000", "--reason", "month-end, ticket 4711");
        Assert.True(set.ExitCode == 0, set.Output);
        Assert.Matches(@"dataSourcesPerOrganization\s+3\s+override", set.Output);
        Assert.Matches(@"keysListedPerPoll\s+3,000\s+override", set.Output);
        Assert.Matches(@"manifestBytes\s+16,777,216\s+default", set.Output);
        Assert.Contains("\"month-end, ticket 4711\"", set.Output, StringComparison.Ordinal);

        using var bigApi = Client(service, big.Token);
        using var smallApi = Client(service, small.Token);
        var bigCreated = new List<Guid>();
        foreach (var bucket in buckets.Take(4))
        {
            var response = await bigApi.PostAsJsonAsync("/api/v1/data-sources", Request(bucket));
            if (response.StatusCode == HttpStatusCode.Created)
            {
                bigCreated.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
                continue;
            }

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Contains("has 3 data sources and its quota is 3 (an operator's override for this organization", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var smallFirst = await smallApi.PostAsJsonAsync("/api/v1/data-sources", Request(buckets[0]));
        var smallSecond = await smallApi.PostAsJsonAsync("/api/v1/data-sources", Request(buckets[1]));
        Assert.Equal(3, bigCreated.Count);
        Assert.Equal(HttpStatusCode.Created, smallFirst.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, smallSecond.StatusCode);
        Assert.Contains("has 1 data sources and its quota is 1 (Quotas:DataSourcesPerOrganization", await smallSecond.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var bigQuotas = await bigApi.GetFromJsonAsync<JsonElement>("/api/v1/quotas");
        Assert.Equal(3, bigQuotas.GetProperty("dataSourcesPerOrganization").GetInt32());
        Assert.Equal(3, bigQuotas.GetProperty("dataSources").GetInt32());
        Assert.Equal(3000, bigQuotas.GetProperty("keysListedPerPoll").GetInt32());
        Assert.Equal("override", bigQuotas.GetProperty("sources").GetProperty("dataSourcesPerOrganization").GetString());
        Assert.Equal("override", bigQuotas.GetProperty("sources").GetProperty("keysListedPerPoll").GetString());
        Assert.Equal("default", bigQuotas.GetProperty("sources").GetProperty("deliveryRows").GetString());
        var smallQuotas = await smallApi.GetFromJsonAsync<JsonElement>("/api/v1/quotas");
        Assert.Equal(1, smallQuotas.GetProperty("dataSourcesPerOrganization").GetInt32());
        Assert.Equal(1500, smallQuotas.GetProperty("keysListedPerPoll").GetInt32());
        Assert.All(smallQuotas.GetProperty("sources").EnumerateObject(), s => Assert.Equal("default", s.Value.GetString()));

        // CurPoller and CurParser learn it where they get their credentials: the big organization's answer carries it, the small one's does not.
        Assert.Equal(3000, (await IssuedAsync(bus, big.OrganizationId, bigCreated[0])).QuotaOverrides?.KeysListedPerPoll);
        Assert.Null((await IssuedAsync(bus, small.OrganizationId, (await smallFirst.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid())).QuotaOverrides);

        // Cleared: the defaults apply again, for the data sources' next poll or import too.
        var cleared = await AdminTool.RunAsync(vhost.Name, services, null, "quotas", "clear", big.OrganizationId.ToString());
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        Assert.Contains("No override: the defaults apply.", cleared.Output, StringComparison.Ordinal);
        Assert.Equal("default", (await bigApi.GetFromJsonAsync<JsonElement>("/api/v1/quotas")).GetProperty("sources").GetProperty("dataSourcesPerOrganization").GetString());
        Assert.Null((await IssuedAsync(bus, big.OrganizationId, bigCreated[0])).QuotaOverrides);
        Assert.Equal(HttpStatusCode.Conflict, (await bigApi.PostAsJsonAsync("/api/v1/data-sources", Request(buckets[4]))).StatusCode);

        // The big organization's admins read in their audit log that the operator changed its quotas, to what and why, then cleared them;
        // the small organization's log has no such entry.
        static List<JsonElement> QuotaEntries(JsonElement page) => page.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString()!.StartsWith("organization.quota", StringComparison.Ordinal)).ToList();
        var entries = QuotaEntries(await bigApi.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=organization."));
        Assert.Equal(["organization.quota-override-cleared", "organization.quotas-overridden"], entries.Select(e => e.GetProperty("action").GetString()));
        var overridden = entries[1];
        Assert.Equal("operator", overridden.GetProperty("actor").GetProperty("type").GetString());
        Assert.Equal("month-end, ticket 4711", overridden.GetProperty("detail").GetProperty("reason").GetString());
        Assert.Equal("3", overridden.GetProperty("detail").GetProperty("dataSourcesPerOrganization").GetString());
        Assert.Equal("3000", overridden.GetProperty("detail").GetProperty("keysListedPerPoll").GetString());
        Assert.Equal(big.OrganizationId.ToString(), overridden.GetProperty("targetId").GetString());
        Assert.Empty(QuotaEntries(await smallApi.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=organization.")));
    }

    private const string Password = "correct horse battery staple";

    private static async Task<AwsCredentialsIssued> IssuedAsync(PeerBus bus, Guid organizationId, Guid dataSourceId)
    {
        var answer = await bus.RequestCredentialsAsync(organizationId, dataSourceId);
        Assert.True(answer.Is(out Response<AwsCredentialsIssued>? issued), $"no credentials for {dataSourceId}");
        return issued!.Message;
    }

    private static async Task<long> CountOverridesAsync(TestDatabase database)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from datasource.quota_overrides", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static HttpClient Client(ServiceProcess service, string token)
    {
        var client = service.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private static async Task<(Guid OrganizationId, string Email, string Token)> RegisterAsync(HttpClient http)
    {
        var email = $"admin-{Guid.NewGuid():N}@example.com";
        var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email, password = Password, organizationName = "Quota " + Guid.NewGuid().ToString("N")[..6] });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var organizationId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationId").GetGuid();
        var token = await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password = Password });
        return (organizationId, email, (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
    }

    private static object Request(string bucket) => new
    {
        name = "Payer " + bucket, kind = "aws-root", accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "quota-secret-0123456789", bucket, prefix = "cur", reportName = "hourly",
        region = "us-east-1",
    };
}
