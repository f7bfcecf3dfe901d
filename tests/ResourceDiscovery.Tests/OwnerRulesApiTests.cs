using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>One service process for the class; every test works in an organization of its own.</summary>
public sealed class OwnerRulesApiTests(OwnerRulesApiTests.Service service) : IClassFixture<OwnerRulesApiTests.Service>
{
    private DiscoveryHarness Harness => service.Harness;

    [Fact]
    public async Task OwnerRules_WhenCreatedInsertedReorderedAndDeleted_KeepTheirOrder()
    {
        using var api = Harness.ApiClient(Guid.NewGuid());

        var a = await CreateAsync(api, new { match = "tagEquals", key = "team", value = "web", ownerEmail = "web@example.com" });
        var b = await CreateAsync(api, new { match = "region", value = "eu-west-1", ownerEmail = "eu@example.com" });
        var c = await CreateAsync(api, new { match = "namePrefix", value = "ci-", ownerEmail = "ci@example.com", position = 0 });
        Assert.Equal([c, a, b], await IdsAsync(api));
        using (var firstPage = JsonDocument.Parse(await api.GetStringAsync("/api/v1/owner-rules?limit=2")))
        {
            var cursor = firstPage.RootElement.GetProperty("nextCursor").GetString()!;
            using var secondPage = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/owner-rules?limit=2&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal([c, a, b], firstPage.RootElement.GetProperty("items").EnumerateArray().Concat(secondPage.RootElement.GetProperty("items").EnumerateArray())
                .Select(r => r.GetProperty("id").GetGuid()));
            Assert.Equal(JsonValueKind.Null, secondPage.RootElement.GetProperty("nextCursor").ValueKind);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await api.GetAsync("/api/v1/owner-rules?order=position")).StatusCode);

        var reordered = await api.PutAsJsonAsync("/api/v1/owner-rules/order", new { ruleIds = new[] { b, c, a } });
        Assert.Equal(HttpStatusCode.OK, reordered.StatusCode);
        Assert.Equal([b, c, a], await IdsAsync(api));

        var replaced = await api.PutAsJsonAsync($"/api/v1/owner-rules/{c}", new { match = "tagExists", key = "cost-center", ownerEmail = "finance@example.com" });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        using (var rule = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/owner-rules/{c}")))
        {
            Assert.Equal(("tagExists", "cost-center", "finance@example.com", 1), (
                rule.RootElement.GetProperty("match").GetString(), rule.RootElement.GetProperty("key").GetString(),
                rule.RootElement.GetProperty("ownerEmail").GetString(), rule.RootElement.GetProperty("position").GetInt32()));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/v1/owner-rules/{b}")).StatusCode);
        Assert.Equal([c, a], await IdsAsync(api));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/owner-rules/{b}")).StatusCode);
    }

    [Fact]
    public async Task ReplaceAndDelete_WhenIfMatchNamesAnOlderVersion_AnswerPreconditionFailedAndChangeNothing()
    {
        using var api = Harness.ApiClient(Guid.NewGuid());
        var rule = await CreateAsync(api, new { match = "tagEquals", key = "team", value = "web", ownerEmail = "web@example.com" });
        using var read = await api.GetAsync($"/api/v1/owner-rules/{rule}");
        var first = read.Headers.ETag!;

        using var replaced = await PutAsync(api, rule, new { match = "tagEquals", key = "team", value = "data", ownerEmail = "data@example.com" }, first.Tag);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var second = replaced.Headers.ETag!;
        using var reread = await api.GetAsync($"/api/v1/owner-rules/{rule}");
        Assert.Equal(second, reread.Headers.ETag);
        Assert.NotEqual(first, second);

        // A second writer still holding the first version loses, with problem details, and changes nothing.
        using var stale = await PutAsync(api, rule, new { match = "region", value = "eu-west-1", ownerEmail = "eu@example.com" }, first.Tag);
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType?.MediaType);
        using var staleDelete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/owner-rules/{rule}") { Headers = { { "If-Match", first.Tag } } };
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await api.SendAsync(staleDelete)).StatusCode);
        using (var unchanged = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/owner-rules/{rule}")))
        {
            Assert.Equal("data", unchanged.RootElement.GetProperty("value").GetString());
        }

        using var delete = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/owner-rules/{rule}") { Headers = { { "If-Match", second.Tag } } };
        Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(delete)).StatusCode);
        Assert.Empty(await IdsAsync(api));
    }

    [Fact]
    public async Task OwnerRules_WhenAnotherOrganizationAsks_AreNeitherVisibleNorChangeable()
    {
        using var mine = Harness.ApiClient(Guid.NewGuid());
        using var theirs = Harness.ApiClient(Guid.NewGuid());
        var rule = await CreateAsync(mine, new { match = "resourceType", value = "s3-bucket", ownerEmail = "data@example.com" });

        Assert.Empty(await IdsAsync(theirs));
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.GetAsync($"/api/v1/owner-rules/{rule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.DeleteAsync($"/api/v1/owner-rules/{rule}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await theirs.PutAsJsonAsync($"/api/v1/owner-rules/{rule}", new { match = "region", value = "x", ownerEmail = "x@example.com" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await theirs.PutAsJsonAsync("/api/v1/owner-rules/order", new { ruleIds = new[] { rule } })).StatusCode);
        Assert.Equal([rule], await IdsAsync(mine));
    }

    [Fact]
    public async Task CreateOwnerRule_WhenTheRuleIsIncomplete_AnswersAProblemNamingEachField()
    {
        using var api = Harness.ApiClient(Guid.NewGuid());

        var response = await api.PostAsJsonAsync("/api/v1/owner-rules", new { match = "tagEquals", value = "web", ownerEmail = "not-an-email" });
        var wrongKind = await api.PostAsJsonAsync("/api/v1/owner-rules", new { match = "resourceType", value = "lambda", ownerEmail = "a@example.com" });
        var unknownMatch = await api.PostAsJsonAsync("/api/v1/owner-rules", new { match = "costAbove", value = "1", ownerEmail = "a@example.com" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("key", out _));
        Assert.True(errors.TryGetProperty("ownerEmail", out _));
        Assert.Contains("ec2-instance", await wrongKind.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("tagEquals, tagExists", await unknownMatch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"match\":\"tagEquals\",\"key\":\"te\\u0000am\",\"value\":\"web\",\"ownerEmail\":\"a@example.com\"}", "key")]
    [InlineData("{\"match\":\"namePrefix\",\"value\":\"web\\u0000\",\"ownerEmail\":\"a@example.com\"}", "value")]
    [InlineData("{\"match\":\"tagExists\",\"key\":\"team\",\"ownerEmail\":\"a\\u0007b@example.com\"}", "ownerEmail")]
    public async Task CreateOwnerRule_WhenAFieldHoldsAControlCharacter_AnswersAProblemNamingIt(string body, string field)
    {
        using var api = Harness.ApiClient(Guid.NewGuid());

        var response = await api.PostAsync("/api/v1/owner-rules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([field], problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task CreateOwnerRule_WhenOnlyTheValueIsTooLong_NamesTheValue()
    {
        using var api = Harness.ApiClient(Guid.NewGuid());

        var response = await api.PostAsJsonAsync("/api/v1/owner-rules", new { match = "tagEquals", key = "team", value = new string('v', 257), ownerEmail = "a@example.com" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["value"], problem.RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task OwnerRules_WhenTheCallerIsAMemberOrAnonymous_MayReadOnlyOrNothing()
    {
        var organizationId = Guid.NewGuid();
        using var member = Harness.ApiClient(organizationId, DigiUsherClaims.MemberRole);
        using var anonymous = Harness.Service.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/v1/owner-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/v1/owner-rules", new { match = "region", value = "us-east-1", ownerEmail = "a@example.com" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/owner-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Contains("/api/v1/owner-rules", await anonymous.GetStringAsync("/openapi/v1.json"), StringComparison.Ordinal);
    }

    public sealed class Service : IAsyncLifetime
    {
        private MotoServer _moto = null!;

        public DiscoveryHarness Harness { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _moto = await TestMoto.StartAsync();
            Harness = await DiscoveryHarness.StartAsync(_moto);
        }

        public async Task DisposeAsync()
        {
            await Harness.DisposeAsync();
            await _moto.DisposeAsync();
        }
    }

    private static async Task<Guid> CreateAsync(HttpClient api, object rule)
    {
        var response = await api.PostAsJsonAsync("/api/v1/owner-rules", rule);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return created.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient api, Guid rule, object body, string ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/owner-rules/{rule}") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await api.SendAsync(request);
    }

    private static async Task<List<Guid>> IdsAsync(HttpClient api)
    {
        using var list = JsonDocument.Parse(await api.GetStringAsync("/api/v1/owner-rules"));
        return list.RootElement.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToList();
    }
}
