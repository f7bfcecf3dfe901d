using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using DigiUsher.DataSource.Data;
using DigiUsher.DataSource.Identity;
using DigiUsher.DataSource.Mail;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// Issue 18's people who can leave, as attacks on the real service: password reset by a mail that
/// DataSource's MailKit sender delivers over SMTP to a sink in the test, email verification, and
/// invite-only registration.
/// </summary>
public class AccountRecoveryTests
{
    private const string NewPassword = "a fresh password after the reset";

    [Fact]
    public async Task PasswordReset_WhenTheMailedCodeIsUsed_SetsThePasswordEndsOldTokensAndTheCodeWorksOnce()
    {
        using var sink = MailSink.Start();
        await using var host = await DataSourceHost.StartAsync(extraSettings: sink.Settings);
        var admin = await host.RegisterAsync();
        using var anonymous = host.CreateClient();
        var signIn = await anonymous.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = admin.Password });
        using var before = host.CreateClient(signIn.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await before.GetAsync("/api/v1/data-sources")).StatusCode);

        // The same answer, byte for byte, for an account and for an address nobody has: no enumeration.
        var known = await RequestResetAsync(anonymous, admin.Email);
        var unknown = await RequestResetAsync(anonymous, $"nobody-{Guid.NewGuid():N}@example.com");
        Assert.Equal(known, unknown);

        var mail = (await sink.WaitForAsync(admin.Email)).Single();
        Assert.Equal("Reset your DigiUsher password", mail.Subject);
        var code = mail.Code;
        await AssertCodesHashedAtRestAsync(host, code);

        using (var tooShort = await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { code, newPassword = "short" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        }

        using (var wrong = await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { code = code + "x", newPassword = NewPassword }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using (var reset = await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { code, newPassword = NewPassword }))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        await Eventually.True(async () => (await before.GetAsync("/api/v1/data-sources")).StatusCode == HttpStatusCode.Unauthorized,
            TimeSpan.FromMinutes(1), "the access token of before the reset refused");
        var refresh = await anonymous.RequestRefreshTokenAsync(new RefreshTokenRequest { Address = "/connect/token", ClientId = "console", RefreshToken = signIn.RefreshToken! });
        Assert.Equal("invalid_grant", refresh.Error);
        var oldPassword = await anonymous.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = admin.Email, Password = admin.Password });
        Assert.Equal("invalid_grant", oldPassword.Error);

        using (var again = await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { code, newPassword = "yet another password 123" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            Assert.Contains("used already", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        using var after = host.CreateClient(await host.SignInAsync(admin.Email, NewPassword));
        Assert.Equal(HttpStatusCode.OK, (await after.GetAsync("/api/v1/data-sources")).StatusCode);
        Assert.DoesNotContain(sink.Received, m => m.To.StartsWith("nobody-", StringComparison.Ordinal));
        await using var connection = new NpgsqlConnection(host.Database.ConnectionStringFor("DataSource"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("select count(*) from datasource.email_outbox where body_ciphertext is not null"));
    }

    [Fact]
    public async Task PasswordReset_WhenTheCodeExpiredOrTheHourlyAllowanceIsUsed_ChangesNothingAndSendsNoMore()
    {
        using var sink = MailSink.Start();
        var settings = new Dictionary<string, string>(sink.Settings)
        {
            ["Auth__PasswordReset__CodeLifetime"] = "00:00:03",
            ["Auth__PasswordReset__MailsPerHour"] = "2",
        };
        await using var host = await DataSourceHost.StartAsync(extraSettings: settings);
        var admin = await host.RegisterAsync();
        using var anonymous = host.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            await RequestResetAsync(anonymous, admin.Email);
        }

        var mails = await sink.WaitForAsync(admin.Email, 2);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(2, sink.Received.Count(m => m.To == admin.Email));
        using (var expired = await anonymous.PostAsJsonAsync("/api/v1/auth/password-reset/confirm", new { code = mails[0].Code, newPassword = NewPassword }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
            Assert.Contains("expired", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.NotNull(await host.SignInAsync(admin.Email, admin.Password));
    }

    [Fact]
    public async Task Register_WhenEmailVerificationIsRequired_SignInWaitsForTheMailedCode()
    {
        using var sink = MailSink.Start();
        var settings = new Dictionary<string, string>(sink.Settings) { ["Auth__EmailVerification__Required"] = "true" };
        await using var host = await DataSourceHost.StartAsync(extraSettings: settings);
        using var anonymous = host.CreateClient();
        var email = $"verify-{Guid.NewGuid():N}@example.com";
        const string password = "correct horse battery staple";
        using (var registered = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password, organizationName = "Verified Ltd" }))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        var refused = await anonymous.RequestPasswordTokenAsync(new PasswordTokenRequest { Address = "/connect/token", ClientId = "console", UserName = email, Password = password });
        Assert.Equal("invalid_grant", refused.Error);
        Assert.Contains("Verify your email", refused.ErrorDescription, StringComparison.Ordinal);

        var mail = (await sink.WaitForAsync(email)).Single();
        Assert.Equal("Verify your email for DigiUsher", mail.Subject);
        using (var verified = await anonymous.PostAsJsonAsync("/api/v1/auth/email-verification/confirm", new { code = mail.Code }))
        {
            Assert.Equal(HttpStatusCode.NoContent, verified.StatusCode);
        }

        using (var twice = await anonymous.PostAsJsonAsync("/api/v1/auth/email-verification/confirm", new { code = mail.Code }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
        }

        Assert.NotNull(await host.SignInAsync(email, password));
        // A verified address gets no further verification mail, with the same answer as any other.
        using (var resend = await anonymous.PostAsJsonAsync("/api/v1/auth/email-verification", new { email }))
        {
            Assert.Equal(HttpStatusCode.Accepted, resend.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(sink.Received, m => m.To == email);
    }

    [Fact]
    public async Task Register_WhenInviteOnly_IsRefusedClearlyAndInvitationsStillWork()
    {
        await using var host = await DataSourceHost.StartAsync(extraSettings: new Dictionary<string, string> { ["Auth__Registration__InviteOnly"] = "true" });
        using var anonymous = host.CreateClient();
        using (var refused = await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email = $"self-{Guid.NewGuid():N}@example.com", password = "correct horse battery staple", organizationName = "Walk-in Ltd" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Contains("Self-registration is off", body, StringComparison.Ordinal);
            Assert.Contains("invite-only", body, StringComparison.Ordinal);
        }

        Assert.Equal(0, await host.CountAsync("organizations"));

        // The operators created the organization's first admin; that admin invites, and the invitation works.
        var adminEmail = $"first-admin-{Guid.NewGuid():N}@example.com";
        const string adminPassword = "the operators' first admin";
        var identity = host.Services.GetRequiredService<IdentityStore>();
        Assert.True(await identity.RegisterAsync(Guid.CreateVersion7(), "Invited Co", Guid.CreateVersion7(), adminEmail, PasswordHasher.Hash(adminPassword), verified: true, CancellationToken.None));
        var admin = new TenantAdmin(Guid.Empty, Guid.Empty, adminEmail, adminPassword, await host.SignInAsync(adminEmail, adminPassword));
        var (_, memberEmail, memberPassword) = await UserLifecycleTests.InviteAsync(host, admin, "member");
        Assert.NotNull(await host.SignInAsync(memberEmail, memberPassword));
    }

    [Fact]
    public void PasswordResetMail_WithALinkTemplate_CarriesTheEscapedCodeInTheLinkAndTheCode()
    {
        var mail = AccountMails.PasswordReset("a@example.com", "pwr_abc-DEF_123", new DateTimeOffset(2026, 12, 7, 10, 30, 0, TimeSpan.Zero), "https://finops.example.com/reset?code={code}");

        Assert.Contains("https://finops.example.com/reset?code=pwr_abc-DEF_123", mail.Body, StringComparison.Ordinal);
        Assert.Contains("2026-12-07 10:30 UTC", mail.Body, StringComparison.Ordinal);
        Assert.Equal("a@example.com", mail.To);
        Assert.Contains("pwr_abc-DEF_123", AccountMails.PasswordReset("a@example.com", "pwr_abc-DEF_123", DateTimeOffset.UnixEpoch, null).Body, StringComparison.Ordinal);
    }

    private static async Task<string> RequestResetAsync(HttpClient client, string email)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/auth/password-reset", new { email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The code is in the database only as its SHA-256.</summary>
    private static async Task AssertCodesHashedAtRestAsync(DataSourceHost host, string code)
    {
        await using var connection = new NpgsqlConnection(host.Database.ConnectionStringFor("DataSource"));
        var hashes = (await connection.QueryAsync<byte[]>("select code_hash from datasource.user_codes")).ToList();
        Assert.Contains(hashes, h => h.AsSpan().SequenceEqual(SHA256.HashData(Encoding.UTF8.GetBytes(code))));
        var text = await connection.ExecuteScalarAsync<string>("select coalesce(string_agg(u::text, ' '), '') from datasource.user_codes u");
        Assert.DoesNotContain(code, text, StringComparison.Ordinal);
    }
}
