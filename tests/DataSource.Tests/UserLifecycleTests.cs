using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using Duende.IdentityModel.Client;

namespace DigiUsher.DataSource.Tests;

public class UserLifecycleTests
{
    [Fact]
    public async Task DisabledUser_TokenIsRefusedWithinAMinuteAndNeitherSignInNorRefreshWorkUntilEnabled()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var (memberId, email, password) = await InviteAsync(host, admin, "member");
        using var http = host.CreateClient();
        var signIn = await http.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = email, Password = password });
        using var member = host.CreateClient(signIn.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await member.GetAsync("/api/v1/data-sources")).StatusCode);
        using var adminApi = host.CreateClient(admin.Token);

        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.PostAsync($"/api/v1/users/{memberId}/disable", null)).StatusCode);

        await Eventually.True(async () => (await member.GetAsync("/api/v1/data-sources")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromMinutes(1), "the disabled user's token refused");
        var refresh = await http.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = signIn.RefreshToken! });
        Assert.Equal("invalid_grant", refresh.Error);
        var again = await http.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = email, Password = password });
        Assert.Equal("invalid_grant", again.Error);
        Assert.Contains("disabled", again.ErrorDescription, StringComparison.Ordinal);
        var users = await adminApi.GetFromJsonAsync<JsonElement>("/api/v1/users");
        Assert.Equal("disabled", users.GetProperty("items").EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == memberId).GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.PostAsync($"/api/v1/users/{memberId}/enable", null)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        using var back = host.CreateClient(await host.SignInAsync(email, password));
        Assert.Equal(HttpStatusCode.OK, (await back.GetAsync("/api/v1/data-sources")).StatusCode);
    }

    [Fact]
    public async Task RoleChangeAndPasswordChange_EndTheOldTokensAndTheLastAdminCannotBeRemoved()
    {
        await using var host = await DataSourceHost.StartAsync();
        var admin = await host.RegisterAsync();
        var (memberId, email, password) = await InviteAsync(host, admin, "member");
        using var adminApi = host.CreateClient(admin.Token);

        foreach (var lastAdmin in new[] { $"/api/v1/users/{admin.UserId}/disable" })
        {
            using var refused = await adminApi.PostAsync(lastAdmin, null);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Conflict, (await adminApi.DeleteAsync($"/api/v1/users/{admin.UserId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await adminApi.PatchAsJsonAsync($"/api/v1/users/{admin.UserId}", new { role = "member" })).StatusCode);
        using var memberBefore = host.CreateClient(await host.SignInAsync(email, password));
        Assert.Equal(HttpStatusCode.Forbidden, (await memberBefore.PostAsJsonAsync("/api/v1/users", new { email = "x@example.com", role = "member" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.PatchAsJsonAsync($"/api/v1/users/{memberId}", new { role = "admin" })).StatusCode);
        await Eventually.True(async () => (await memberBefore.GetAsync("/api/v1/data-sources")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromMinutes(1), "the token of the old role refused");

        // Signing in again at once is served: the revocation is to the millisecond (iat_ms), not iat's whole second.
        var promoted = await host.SignInAsync(email, password);
        using var promotedApi = host.CreateClient(promoted);
        Assert.Equal(HttpStatusCode.OK, (await promotedApi.GetAsync("/api/v1/service-clients")).StatusCode);

        using var wrongCurrent = await promotedApi.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = "not it at all", newPassword = "a brand new password 1" });
        Assert.Equal(HttpStatusCode.BadRequest, wrongCurrent.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await promotedApi.PostAsJsonAsync("/api/v1/users/me/password", new { currentPassword = password, newPassword = "a brand new password 1" })).StatusCode);
        await Eventually.True(async () => (await promotedApi.GetAsync("/api/v1/data-sources")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromMinutes(1), "the token of before the password change refused");
        using (var renewed = host.CreateClient(await host.SignInAsync(email, "a brand new password 1")))
        {
            Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/v1/data-sources")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await adminApi.DeleteAsync($"/api/v1/users/{memberId}")).StatusCode);
        using var anonymous = host.CreateClient();
        var gone = await anonymous.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = email, Password = "a brand new password 1" });
        Assert.Equal("invalid_grant", gone.Error);
    }

    internal static async Task<(Guid Id, string Email, string Password)> InviteAsync(DataSourceHost host, TenantAdmin admin, string role)
    {
        using var adminApi = host.CreateClient(admin.Token);
        var email = $"{role}-{Guid.NewGuid():N}@example.com";
        using var invited = await adminApi.PostAsJsonAsync("/api/v1/users", new { email, role });
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>();
        const string password = "member password 123";
        using var anonymous = host.CreateClient();
        using var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/invitations/accept", new { invitationCode = invitation.GetProperty("invitationCode").GetString(), password });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        return (invitation.GetProperty("userId").GetGuid(), email, password);
    }
}
