using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Testing;

namespace DigiUsher.Reliability.Tests;

/// <summary>Attacks on identity against the real DataSource and Query processes.</summary>
public sealed class IdentityAttackTests(ApiHarness api) : IClassFixture<ApiHarness>
{
    [Fact]
    public async Task DisabledUser_TokenIsRefusedByQueryWithinAMinute()
    {
        using var admin = ApiHarness.Authorized(api.DataSource, api.First.Token);
        var email = $"leaver-{Guid.NewGuid():N}@example.com";
        using var invited = await admin.PostAsJsonAsync("/api/v1/users", new { email, role = "member" });
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>();
        using var anonymous = api.DataSource.CreateClient();
        (await anonymous.PostAsJsonAsync("/api/v1/auth/invitations/accept", new { invitationCode = invitation.GetProperty("invitationCode").GetString(), password = "leaver password 123" })).EnsureSuccessStatusCode();
        using var signIn = await anonymous.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["client_id"] = "console", ["username"] = email, ["password"] = "leaver password 123",
        }));
        var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var leaver = ApiHarness.Authorized(api.Query, token);
        Assert.Equal(HttpStatusCode.OK, (await leaver.GetAsync("/api/v1/imports")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/users/{invitation.GetProperty("userId").GetGuid()}/disable", null)).StatusCode);

        await Eventually.True(async () =>
        {
            using var response = await leaver.GetAsync("/api/v1/imports");
            return response.StatusCode == HttpStatusCode.Unauthorized
                && (await response.Content.ReadAsStringAsync()).Contains("revoked", StringComparison.Ordinal);
        }, TimeSpan.FromMinutes(1), "Query refusing the disabled user's token");
        using var stillFine = ApiHarness.Authorized(api.Query, api.First.Token);
        Assert.Equal(HttpStatusCode.OK, (await stillFine.GetAsync("/api/v1/imports")).StatusCode);
    }
}
