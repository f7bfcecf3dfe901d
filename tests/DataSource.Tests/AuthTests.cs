using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;

namespace DigiUsher.DataSource.Tests;

public class AuthTests
{
    [Fact]
    public async Task Token_ForARegisteredUser_CarriesOrganizationAdminRoleAndEmail()
    {
        await using var host = await DataSourceHost.StartAsync();

        var admin = await host.RegisterAsync();

        var claims = Payload(admin.Token);
        Assert.Equal(admin.OrganizationId.ToString(), claims.GetProperty("org").GetString());
        Assert.Equal(admin.UserId.ToString(), claims.GetProperty("sub").GetString());
        Assert.Equal("admin", claims.GetProperty("role").GetString());
        Assert.Equal(admin.Email, claims.GetProperty("email").GetString());
        using var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/data-sources")).StatusCode);
        using var authenticated = host.CreateClient(admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await authenticated.GetAsync("/api/v1/data-sources")).StatusCode);
    }

    [Fact]
    public async Task Register_WhenTheEmailIsTakenInAnyCase_Returns409()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient();

        var again = await client.PostAsJsonAsync("/api/v1/auth/register", new { email = admin.Email.ToUpperInvariant(), password = "another long password", organizationName = "Copycat" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await host.CountAsync("organizations"));
    }

    [Fact]
    public async Task Token_AfterFiveWrongPasswords_Returns429WithRetryAfterEvenForTheRightOne()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var wrong = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = "wrong password " + attempt });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        var locked = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = admin.Password });

        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
        var otherUser = await host.RegisterAsync();
        Assert.NotNull(otherUser.Token);
    }

    [Fact]
    public async Task InvitedMember_AfterAccepting_CanReadButNotManage()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var adminClient = host.CreateClient(admin.Token);
        var email = $"member-{Guid.NewGuid():N}@example.com";
        var invited = await adminClient.PostAsJsonAsync("/api/v1/users", new { email, role = "member" });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var code = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("invitationCode").GetString();

        using var anonymous = host.CreateClient();
        var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/invitations/accept", new { invitationCode = code, password = "member password 123" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var reused = await anonymous.PostAsJsonAsync("/api/v1/auth/invitations/accept", new { invitationCode = code, password = "member password 456" });
        Assert.Equal(HttpStatusCode.NotFound, reused.StatusCode);
        var login = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = "member password 123" });
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

        Assert.Equal("member", Payload(token).GetProperty("role").GetString());
        Assert.Equal(admin.OrganizationId.ToString(), Payload(token).GetProperty("org").GetString());
        using var member = host.CreateClient(token);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/v1/data-sources")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/v1/data-sources", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/v1/users", new { email = "x@example.com", role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.PostAsJsonAsync("/api/v1/service-clients", new { name = "x" })).StatusCode);
        var users = await adminClient.GetFromJsonAsync<JsonElement>("/api/v1/users");
        Assert.Equal(2, users.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, users.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task ServiceClient_WhenCreated_ShowsTheSecretOnceAndExchangesItForAServiceToken()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var adminClient = host.CreateClient(admin.Token);

        var created = await adminClient.PostAsJsonAsync("/api/v1/service-clients", new { name = "billing-dashboard", scopes = new[] { "costs:read" } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var clientId = body.GetProperty("clientId").GetString()!;
        var secret = body.GetProperty("clientSecret").GetString()!;
        var listed = await adminClient.GetStringAsync("/api/v1/service-clients");
        Assert.Contains(clientId, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        using var anonymous = host.CreateClient();
        var token = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { clientId, clientSecret = secret });
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        var claims = Payload((await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!);
        Assert.Equal("service", claims.GetProperty("role").GetString());
        Assert.Equal(admin.OrganizationId.ToString(), claims.GetProperty("org").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { clientId, clientSecret = secret + "x" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync($"/api/v1/service-clients/{body.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { clientId, clientSecret = secret })).StatusCode);
    }

    [Fact]
    public async Task UsersAndServiceClients_WhenListedPageByPage_ShowEachOnceAndTheirLocationsResolve()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        using var client = host.CreateClient(admin.Token);
        var locations = new List<Uri>();
        for (var i = 0; i < 2; i++)
        {
            using var invited = await client.PostAsJsonAsync("/api/v1/users", new { email = $"u{i}-{Guid.NewGuid():N}@example.com", role = "member" });
            using var created = await client.PostAsJsonAsync("/api/v1/service-clients", new { name = $"client-{i}", scopes = new[] { "costs:read" } });
            locations.AddRange([invited.Headers.Location!, created.Headers.Location!]);
        }

        foreach (var location in locations)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(location)).StatusCode);
        }

        Assert.Equal(3, (await WalkAsync(client, "/api/v1/users")).Count);
        Assert.Equal(2, (await WalkAsync(client, "/api/v1/service-clients")).Count);
        using var users = await client.GetAsync("/api/v1/users");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/users") { Headers = { IfNoneMatch = { users.Headers.ETag! } } };
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    /// <summary>Every item id of a list, read one item per page; each id appears once.</summary>
    private static async Task<List<Guid>> WalkAsync(HttpClient client, string path)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<JsonElement>($"{path}?limit=1{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        return ids;
    }

    [Fact]
    public async Task OpenApi_AndScalar_AreServedAnonymously()
    {
        await using var host = await DataSourceHost.StartAsync();
        using var client = host.CreateClient();

        var document = await client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/v1/data-sources/{id}/status", document, StringComparison.Ordinal);
        Assert.Contains("CreateDataSource", document, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar/")).StatusCode);
    }

    private static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(part))).RootElement.Clone();
    }
}
