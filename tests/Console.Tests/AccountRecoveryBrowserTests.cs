using System.Text.RegularExpressions;
using DigiUsher.Testing;

namespace DigiUsher.Console.Tests;

/// <summary>
/// Email verification and a forgotten password in a real browser, against DataSource and the console as
/// processes, DataSource mailing over SMTP to a sink in the test (netDumbster) with links to the console's
/// pages: register, verify through the mail's link, forget the password, reset it through the mail's link,
/// sign in with the new one; an unknown address gets the same answer and no mail, and a used link is refused.
/// </summary>
public partial class AccountRecoveryBrowserTests
{
    private const string OldPassword = "correct-horse-battery-staple";
    private const string NewPassword = "a-brand-new-password-for-2027";

    [Fact]
    public async Task PasswordReset_WhenAVerifiedUserForgetsThePassword_TheMailsLinkSetsANewOneAndOnlyOnce()
    {
        using var sink = MailSink.Start();
        var settings = new Dictionary<string, string>(sink.Settings)
        {
            ["Auth__EmailVerification__Required"] = "true",
            ["Email__PasswordResetLink"] = ServiceStack.ConsoleAddress + "/reset-password?code={code}",
            ["Email__EmailVerificationLink"] = ServiceStack.ConsoleAddress + "/verify-email?code={code}",
            // Only DataSource and the console run: the pages after sign-in find the other APIs down, which is not this test's concern.
            ["Services__Query"] = "http://127.0.0.1:9/",
            ["Services__ResourceDiscovery"] = "http://127.0.0.1:9/",
        };
        await using var stack = await ServiceStack.StartAsync(null, ["DataSource", "Console"], settings);
        await using var browser = await Browser.LaunchAsync("account-recovery");
        var console = stack["Console"].BaseAddress;
        var email = $"reset-{Guid.NewGuid():N}"[..18] + "@example.com";
        var page = await browser.NewPersonAsync();
        try
        {
            // Registering with verification on: the console says to open the mailed link, and the link verifies.
            await page.GotoAsync(new Uri(console, "/register").ToString());
            await page.FillAsync("#organization", "Forgetful Inc");
            await page.FillAsync("#email", email);
            await page.FillAsync("#password", OldPassword);
            await page.ClickAsync("button[type=submit]");
            await page.TestId("check-your-mail").WaitForAsync();
            await browser.ShotAsync(page, "check-your-mail");
            var verification = Assert.Single(await sink.WaitForAsync(email));
            await page.GotoAsync(LinkIn(verification, console, "/verify-email"));
            Assert.Equal(verification.Code, await page.InputValueAsync("#code"));
            await browser.ShotAsync(page, "verify-email");
            await page.ClickAsync("button:has-text('Verify my address')");
            await page.TestId("email-verified").WaitForAsync();

            // Forgotten: the sign-in page links to the request; an unknown address gets the same words and no mail.
            Assert.Equal("/forgot-password", await page.TestId("forgot-password").GetAttributeAsync("href"));
            await page.GotoAsync(new Uri(console, "/forgot-password").ToString());
            await page.FillAsync("#email", "nobody-" + email);
            await page.ClickAsync("button[type=submit]");
            var unknownAnswer = await page.TestId("reset-mail-sent").InnerTextAsync();
            await page.GotoAsync(new Uri(console, "/forgot-password").ToString());
            await page.FillAsync("#email", email.ToUpperInvariant());
            await page.ClickAsync("button[type=submit]");
            Assert.Equal(unknownAnswer, await page.TestId("reset-mail-sent").InnerTextAsync());
            await browser.ShotAsync(page, "reset-mail-sent");

            ReceivedMail? reset = null;
            await Eventually.True(() =>
            {
                reset = sink.Received.FirstOrDefault(m => m.Subject == "Reset your DigiUsher password");
                return Task.FromResult(reset is not null);
            }, TimeSpan.FromSeconds(90), "the reset mail");
            Assert.Equal(email, reset!.To, ignoreCase: true);
            Assert.StartsWith("pwr_", reset.Code, StringComparison.Ordinal);
            Assert.DoesNotContain(sink.Received, m => m.To.StartsWith("nobody-", StringComparison.OrdinalIgnoreCase));

            // The link fills the code in; the person chooses the password twice.
            var link = LinkIn(reset, console, "/reset-password");
            await page.GotoAsync(link);
            Assert.Equal(reset.Code, await page.InputValueAsync("#code"));
            await page.FillAsync("#password", NewPassword);
            await page.FillAsync("#repeat", NewPassword + "x");
            await page.ClickAsync("button[type=submit]");
            await page.GetByText("The two passwords differ.").WaitForAsync();
            await page.FillAsync("#password", NewPassword);
            await page.FillAsync("#repeat", NewPassword);
            await browser.ShotAsync(page, "reset-password");
            await page.ClickAsync("button[type=submit]");
            await page.TestId("password-changed").WaitForAsync();
            await browser.ShotAsync(page, "password-changed");

            // The old password no longer signs in; the new one does.
            await page.FillAsync("#email", email);
            await page.FillAsync("#password", OldPassword);
            await page.ClickAsync("button[type=submit]");
            Assert.Contains("The email or password is wrong.", await page.TestId("problem").InnerTextAsync(), StringComparison.Ordinal);
            await page.FillAsync("#email", email);
            await page.FillAsync("#password", NewPassword);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForAddressAsync(new System.Text.RegularExpressions.Regex("^(?!.*/signin)"));
            Assert.StartsWith(email, await page.TestId("signed-in-as").InnerTextAsync(), StringComparison.Ordinal);
            await browser.ShotAsync(page, "signed-in");

            // The link works once: a second use is refused with the way to a new mail.
            var other = await browser.NewPersonAsync();
            await other.GotoAsync(link);
            await other.FillAsync("#password", "yet-another-password-2028");
            await other.FillAsync("#repeat", "yet-another-password-2028");
            await other.ClickAsync("button[type=submit]");
            Assert.Contains("was used already or has expired", await other.TestId("problem").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal("/forgot-password", await other.TestId("ask-again").GetAttributeAsync("href"));
            await browser.ShotAsync(other, "used-link");
        }
        catch
        {
            await browser.ShotEveryPageAsync("failed");
            throw;
        }
    }

    /// <summary>The console link in the mail (DataSource wrote the console's address and the code into it).</summary>
    private static string LinkIn(ReceivedMail mail, Uri console, string path)
    {
        var link = LinkPattern().Match(mail.Body);
        Assert.True(link.Success, $"No link in the mail '{mail.Subject}':\n{mail.Body}");
        Assert.StartsWith(new Uri(console, path).ToString(), link.Value, StringComparison.Ordinal);
        return link.Value;
    }

    [GeneratedRegex(@"https?://\S+\?code=\S+")]
    private static partial Regex LinkPattern();
}
