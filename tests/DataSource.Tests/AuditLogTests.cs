using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using Duende.IdentityModel.Client;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// The audit log against the real service: what people and clients did, with who, from where and the
/// outcome; filters and keyset pages; admins only, and never another organization's entries.
/// </summary>
public class AuditLogTests
{
    [Fact]
    public async Task Audit_WhenUsersAndClientsAct_RecordsWhoDidWhatAndOnlyAdminsOfTheOrganizationReadIt()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var other = await host.RegisterAsync();
        using var anonymous = host.CreateClient();
        var failed = await anonymous.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = "not the password at all" });
        Assert.Equal("invalid_grant", failed.Error);
        var (memberId, memberEmail, memberPassword) = await UserLifecycleTests.InviteAsync(host, admin, "member");
        using var adminApi = host.CreateClient(admin.Token);
        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.PatchAsJsonAsync($"/api/v1/users/{memberId}", new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.PatchAsJsonAsync($"/api/v1/users/{memberId}", new { role = "member" })).StatusCode);
        var (_, _, clientRowId) = await host.CreateServiceClientAsync(admin.Token, "costs:read");
        Assert.Equal(HttpStatusCode.Created, (await adminApi.PostAsJsonAsync($"/api/v1/service-clients/{clientRowId}/secrets", new { overlapHours = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.DeleteAsync($"/api/v1/service-clients/{clientRowId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset", new { email = memberEmail })).StatusCode);

        var all = await ReadAllAsync(adminApi, "/api/v1/audit?limit=3");
        var actions = all.Select(e => e.GetProperty("action").GetString()).ToList();
        foreach (var expected in new[]
                 {
                     "organization.registered", "user.signed-in", "user.sign-in-failed", "user.invited", "user.invitation-accepted", "user.role-changed",
                     "service-client.created", "service-client.secret-rotated", "service-client.revoked", "user.password-reset-requested",
                 })
        {
            Assert.Contains(expected, actions);
        }

        // Newest first, each entry once across the pages.
        var times = all.Select(e => e.GetProperty("occurredAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
        Assert.Equal(all.Count, all.Select(e => e.GetProperty("id").GetGuid()).Distinct().Count());

        var failure = all.Single(e => e.GetProperty("action").GetString() == "user.sign-in-failed");
        Assert.Equal("failed", failure.GetProperty("outcome").GetString());
        Assert.Equal(admin.Email, failure.GetProperty("actor").GetProperty("email").GetString());
        Assert.Equal("wrong password", failure.GetProperty("detail").GetProperty("reason").GetString());
        var promotion = all.First(e => e.GetProperty("action").GetString() == "user.role-changed");
        Assert.Equal(admin.UserId.ToString(), promotion.GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(memberId.ToString(), promotion.GetProperty("targetId").GetString());
        Assert.False(string.IsNullOrEmpty(promotion.GetProperty("correlationId").GetString()));
        Assert.DoesNotContain(all, e => e.GetRawText().Contains(memberPassword, StringComparison.Ordinal) || e.GetRawText().Contains("dss_", StringComparison.Ordinal));

        var users = await ReadAllAsync(adminApi, "/api/v1/audit?action=user.");
        Assert.All(users, e => Assert.StartsWith("user.", e.GetProperty("action").GetString(), StringComparison.Ordinal));
        var failures = await ReadAllAsync(adminApi, "/api/v1/audit?outcome=failed");
        Assert.Equal("user.sign-in-failed", Assert.Single(failures).GetProperty("action").GetString());
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(all.Count, (await ReadAllAsync(adminApi, $"/api/v1/audit?since={today}&until={today}")).Count);
        Assert.Empty(await ReadAllAsync(adminApi, "/api/v1/audit?until=2000-01-01"));

        // A cursor continues only its own query; unknown parameters and bad values are refused.
        using (var first = await adminApi.GetFromJsonAsync<JsonDocument>("/api/v1/audit?limit=1"))
        {
            var cursor = first!.RootElement.GetProperty("nextCursor").GetString();
            Assert.Equal(HttpStatusCode.BadRequest, (await adminApi.GetAsync($"/api/v1/audit?limit=1&action=user.&cursor={Uri.EscapeDataString(cursor!)}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await adminApi.GetAsync("/api/v1/audit?organizationId=" + other.OrganizationId)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await adminApi.GetAsync("/api/v1/audit?outcome=maybe")).StatusCode);

        // A member may not read it; another organization's admin sees only their own.
        // The role change revoked the member's earlier tokens; a sign-in right after it is served (iat_ms, not iat's second).
        using var member = host.CreateClient(await host.SignInAsync(memberEmail, memberPassword));
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/api/v1/audit")).StatusCode);
        using var otherApi = host.CreateClient(other.Token);
        var theirs = await ReadAllAsync(otherApi, "/api/v1/audit");
        Assert.NotEmpty(theirs);
        Assert.DoesNotContain(theirs, e => e.GetRawText().Contains(admin.Email, StringComparison.Ordinal) || e.GetRawText().Contains(memberId.ToString(), StringComparison.Ordinal));
        Assert.Empty(await ReadAllAsync(otherApi, $"/api/v1/audit?actorId={admin.UserId}"));
        using var anonymousRead = await anonymous.GetAsync("/api/v1/audit");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousRead.StatusCode);
    }

    private static async Task<List<JsonElement>> ReadAllAsync(HttpClient client, string url)
    {
        var items = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var page = await client.GetAsync(cursor is null ? url : $"{url}{(url.Contains('?', StringComparison.Ordinal) ? '&' : '?')}cursor={Uri.EscapeDataString(cursor)}");
            var text = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, text);
            using var json = JsonDocument.Parse(text);
            items.AddRange(json.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()));
            cursor = json.RootElement.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return items;
    }
}
