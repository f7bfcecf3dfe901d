using System.Net;
using Bunit;
using DigiUsher.Client.DataSource;
using DigiUsher.Console.Apis;
using DigiUsher.Console.Components.Pages.Account;
using DigiUsher.Console.Session;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.Console.Tests;

/// <summary>The forgotten-password and email verification pages, rendered by bUnit over a recording <see cref="IAuthApi"/>.</summary>
public class AccountRecoveryPageTests : IDisposable
{
    private readonly BunitContext _context = new();
    private readonly RecordingAuth _auth = new();

    public AccountRecoveryPageTests()
    {
        _context.Services.AddSingleton<IAuthApi>(_auth);
    }

    [Fact]
    public void ForgotPassword_WhenAnAddressIsSent_SaysTheSameWhetherOrNotItHasAnAccount()
    {
        var page = Render<ForgotPassword>("/forgot-password");

        page.Find("#email").Change(" someone@example.com ");
        page.Find("form").Submit();

        Assert.Equal(["reset someone@example.com"], _auth.Calls);
        Assert.Equal(AccountRecoveryText.ResetMailSent, page.Find("[data-testid=reset-mail-sent]").TextContent);
        Assert.DoesNotContain("account", page.Find("[data-testid=reset-mail-sent]").TextContent.Replace("If an account uses", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ForgotPassword_WhenTheAddressIsNotOne_AsksForItAndCallsNothing()
    {
        var page = Render<ForgotPassword>("/forgot-password");

        page.Find("#email").Change("not-an-address");
        page.Find("form").Submit();

        Assert.Empty(_auth.Calls);
        Assert.Contains("This is not an email address.", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid=reset-mail-sent]"));
    }

    [Fact]
    public void ForgotPassword_WhenRateLimited_SaysToWaitAndNotWhetherTheAddressExists()
    {
        _auth.Failure = Problem(HttpStatusCode.TooManyRequests, new Dictionary<string, string[]>());
        var page = Render<ForgotPassword>("/forgot-password");

        page.Find("#email").Change("someone@example.com");
        page.Find("form").Submit();

        Assert.Equal("Too many requests from here. Wait a minute and ask again.", page.Find("[data-testid=problem]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=reset-mail-sent]"));
    }

    [Fact]
    public void ResetPassword_WhenOpenedFromTheMailsLink_HasTheCodeFilledInAndSignsInAfterwards()
    {
        var page = Render<ResetPassword>("/reset-password?code=pwr_abcdefghijklmnopqrstuvwxyz");

        Assert.Equal("pwr_abcdefghijklmnopqrstuvwxyz", page.Find("#code").GetAttribute("value"));
        page.Find("#password").Change("a brand new password");
        page.Find("#repeat").Change("a brand new password");
        page.Find("form").Submit();

        Assert.Equal(["confirm pwr_abcdefghijklmnopqrstuvwxyz a brand new password"], _auth.Calls);
        Assert.EndsWith("/signin?passwordReset=true", _context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetPassword_WhenThePasswordsDiffer_SaysSoAndCallsNothing()
    {
        var page = Render<ResetPassword>("/reset-password?code=pwr_abcdefghijklmnopqrstuvwxyz");

        page.Find("#password").Change("a brand new password");
        page.Find("#repeat").Change("a brand new passwort");
        page.Find("form").Submit();

        Assert.Empty(_auth.Calls);
        Assert.Contains("The two passwords differ.", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetPassword_WhenTheCodeIsRefused_ShowsWhyAndOffersANewMail()
    {
        _auth.Failure = Problem(HttpStatusCode.BadRequest, new() { ["code"] = ["The reset code is wrong, was used already or has expired; ask for a new one."] });
        var page = Render<ResetPassword>("/reset-password?code=pwr_used");

        page.Find("#password").Change("a brand new password");
        page.Find("#repeat").Change("a brand new password");
        page.Find("form").Submit();

        Assert.Contains("was used already or has expired", page.Find("[data-testid=problem]").TextContent, StringComparison.Ordinal);
        Assert.Equal("/forgot-password", page.Find("[data-testid=ask-again]").GetAttribute("href"));
        Assert.Equal("", page.Find("#password").GetAttribute("value") ?? "");
        Assert.EndsWith("/reset-password?code=pwr_used", _context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyEmail_WhenOpenedFromTheMailsLink_VerifiesWithAButtonNotTheVisit()
    {
        var page = Render<VerifyEmail>("/verify-email?code=evc_abcdefghijklmnopqrstuvwxyz");

        Assert.Empty(_auth.Calls);
        Assert.Equal("evc_abcdefghijklmnopqrstuvwxyz", page.Find("#code").GetAttribute("value"));
        page.FindAll("form")[0].Submit();

        Assert.Equal(["verify evc_abcdefghijklmnopqrstuvwxyz"], _auth.Calls);
        Assert.EndsWith("/signin?verified=true", _context.Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyEmail_WhenANewLinkIsAskedFor_SaysTheSameForEveryAddress()
    {
        var page = Render<VerifyEmail>("/verify-email?registered=true");

        Assert.Equal(AccountRecoveryText.CheckYourMail, page.Find("[data-testid=check-your-mail]").TextContent);
        page.Find("#email").Change("nobody@example.com");
        page.FindAll("form")[1].Submit();

        Assert.Equal(["verification nobody@example.com"], _auth.Calls);
        Assert.Equal(AccountRecoveryText.VerificationMailSent, page.Find("[data-testid=verification-mail-sent]").TextContent);
    }

    [Fact]
    public void AccountRecoveryText_WhenSignInIsRefusedForAnUnverifiedAddress_TellsItApartFromAWrongPassword()
    {
        Assert.True(AccountRecoveryText.IsUnverified(Problem(HttpStatusCode.BadRequest, [], "Verify your email first: use the code we mailed you (POST /api/v1/auth/email-verification/confirm), or ask for a new one.")));
        Assert.False(AccountRecoveryText.IsUnverified(Problem(HttpStatusCode.BadRequest, [], "The email or password is wrong.")));
        Assert.False(AccountRecoveryText.IsUnverified(new ApiUnavailableException("DataSource", new HttpRequestException())));
    }

    public void Dispose()
    {
        _context.Dispose();
        GC.SuppressFinalize(this);
    }

    private IRenderedComponent<TPage> Render<TPage>(string url)
        where TPage : IComponent
    {
        _context.Services.GetRequiredService<NavigationManager>().NavigateTo(url);
        var http = new DefaultHttpContext();
        http.Request.Method = HttpMethods.Get;
        return _context.Render<TPage>(p => p.AddCascadingValue<HttpContext>(http));
    }

    private static ApiProblemException Problem(HttpStatusCode status, Dictionary<string, string[]> errors, string? detail = null) =>
        new("DataSource", status, status.ToString(), detail, errors, null);

    private sealed class RecordingAuth : IAuthApi
    {
        public List<string> Calls { get; } = [];

        public Exception? Failure { get; set; }

        public Task RequestPasswordResetAsync(string email, CancellationToken cancellationToken) => Record($"reset {email}");

        public Task ResetPasswordAsync(string code, string newPassword, CancellationToken cancellationToken) => Record($"confirm {code} {newPassword}");

        public Task RequestEmailVerificationAsync(string email, CancellationToken cancellationToken) => Record($"verification {email}");

        public Task VerifyEmailAsync(string code, CancellationToken cancellationToken) => Record($"verify {code}");

        public Task<Registered> RegisterAsync(string email, string password, string organizationName, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OAuthTokenResponse> SignInAsync(string email, string password, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<OAuthTokenResponse> AcceptInvitationAsync(string invitationCode, string password, CancellationToken cancellationToken) => throw new NotSupportedException();

        private Task Record(string call)
        {
            if (Failure is not null)
            {
                return Task.FromException(Failure);
            }

            Calls.Add(call);
            return Task.CompletedTask;
        }
    }
}
