using System.Text.RegularExpressions;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Microsoft.Playwright;

namespace DigiUsher.Console.Tests;

/// <summary>
/// A payer's member account role in a real browser, against DataSource and the console as processes and a moto
/// holding an AWS Organization and enforcing IAM: DataSource's refusal of a role ARN shows on the field, the root
/// connects with the role name and its page shows what each member account answered, and turning the role off and
/// setting it again from the settings page is what the page shows after a reload.
/// </summary>
public class MemberAccountRoleBrowserTests
{
    private const string Password = "correct-horse-battery-staple";
    private const string RoleName = "DigiUsherDiscovery";

    // Generous: each save is checked with AWS (moto) on a loaded 2-core machine; the waits never pass a wrong page.
    private const float Patience = 180_000;

    [Fact]
    public async Task MemberAccountRole_WhenSetClearedAndSetAgain_IsWhatDataSourceKeepsAfterAReload()
    {
        await using var moto = await MotoServer.StartAsync();
        var payer = new AwsAccount(moto.Url);
        await payer.SeedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await new CurMonth([.. payer.Resources], "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1)).UploadAsync(moto.Url, payer.CurBucket);
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var production = await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        var sandbox = await MotoOrganizations.CreateAccountAsync(moto.Url, "sandbox");
        await MotoOrganizations.CreateMemberRoleAsync(moto.Url, production, RoleName);
        // The sandbox account does not let the payer in: the payer's identity may not assume the role there.
        var payerKeys = await MotoOrganizations.PayerKeysAsync(moto.Url, "digiusher-payer", RoleName, sandbox);
        await MotoOrganizations.EnforceAuthAsync(moto.Url);

        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "Console"], new Dictionary<string, string>
        {
            // Only DataSource and the console run: the data source's page needs no other API.
            ["Services__Query"] = "http://127.0.0.1:9/",
            ["Services__ResourceDiscovery"] = "http://127.0.0.1:9/",
        });
        await using var browser = await Browser.LaunchAsync("member-account-role");
        var console = stack["Console"].BaseAddress;
        var page = await browser.NewPersonAsync();
        try
        {
            await page.GotoAsync(new Uri(console, "/register").ToString());
            await page.FillAsync("#organization", "Acme group");
            await page.FillAsync("#email", $"org-{Guid.NewGuid():N}"[..16] + "@example.com");
            await page.FillAsync("#password", Password);
            await page.ClickAsync("button[type=submit]");
            await page.WaitForAddressAsync(new Regex("/connect$"));
            await page.WaitForInteractiveAsync();

            // A role ARN where DataSource wants a plain role name: its refusal is on the field, the rest stays as typed.
            await page.FillAsync("#ds-name", "Acme payer");
            await page.FillAsync("#access-key-id", payerKeys.AccessKeyId);
            await page.FillAsync("#secret-access-key", payerKeys.SecretAccessKey);
            await page.FillAsync("#bucket", payer.CurBucket);
            await page.FillAsync("#prefix", CurMonth.Prefix);
            await page.FillAsync("#member-account-role", $"arn:aws:iam::{production}:role/{RoleName}");
            await Assertions.Expect(page.TestId("member-role-principal")).ToContainTextAsync("the payer account", new() { Timeout = Patience });
            await page.TestId("connect").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid='error-memberAccountRole.roleName']")).ToContainTextAsync("plain IAM role name", new() { Timeout = Patience });
            await Assertions.Expect(page.Locator("#member-account-role")).ToHaveAttributeAsync("aria-invalid", "true", new() { Timeout = Patience });
            await Assertions.Expect(page.Locator("#bucket")).ToHaveValueAsync(payer.CurBucket, new() { Timeout = Patience });
            await browser.ShotAsync(page, "connect-role-refused");

            // The role name: connected, and the root's page says what each member account answered.
            await page.FillAsync("#member-account-role", RoleName);
            await page.TestId("connect").ClickAsync();
            await Assertions.Expect(page.TestId("connected")).ToBeVisibleAsync(new() { Timeout = Patience });
            await page.ClickAsync("[data-testid=connected] a");
            await page.WaitForAddressAsync(new Regex("/settings/data-sources/[0-9a-f-]{36}$"));
            await page.WaitForInteractiveAsync();
            await Assertions.Expect(page.TestId("member-account-role")).ToContainTextAsync($"the role {RoleName}", new() { Timeout = Patience });
            await ExpectMemberAccountAsync(page, production, "ok");
            await ExpectMemberAccountAsync(page, sandbox, "refused");
            await Assertions.Expect(page.Locator($"[data-testid=member-account-check][data-account-id='{sandbox}']")).ToContainTextAsync("AccessDenied", new() { Timeout = Patience });
            await browser.ShotAsync(page, "data-source-member-accounts");

            // Turned off from the settings page: after a reload DataSource still has none.
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit or rotate credentials" }).ClickAsync();
            await Assertions.Expect(page.Locator("#member-account-role")).ToHaveValueAsync(RoleName, new() { Timeout = Patience });
            await page.TestId("clear-member-account-role").ClickAsync();
            await Assertions.Expect(page.TestId("member-account-role-cleared")).ToContainTextAsync($"turns off the role {RoleName}", new() { Timeout = Patience });
            await page.TestId("connect").ClickAsync();
            await Assertions.Expect(page.TestId("member-account-role")).ToContainTextAsync("no member account role", new() { Timeout = Patience });
            await page.ReloadAsync();
            await page.WaitForInteractiveAsync();
            await Assertions.Expect(page.TestId("member-account-role")).ToContainTextAsync("no member account role", new() { Timeout = Patience });
            await Assertions.Expect(page.TestId("member-accounts")).ToHaveCountAsync(0, new() { Timeout = Patience });

            // Set again from the settings page: after a reload the role and its check are DataSource's.
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit or rotate credentials" }).ClickAsync();
            await Assertions.Expect(page.Locator("#member-account-role")).ToHaveValueAsync("", new() { Timeout = Patience });
            await page.FillAsync("#member-account-role", RoleName);
            await page.TestId("connect").ClickAsync();
            await Assertions.Expect(page.TestId("member-account-role")).ToContainTextAsync($"the role {RoleName}", new() { Timeout = Patience });
            await page.ReloadAsync();
            await page.WaitForInteractiveAsync();
            await Assertions.Expect(page.TestId("member-account-role")).ToContainTextAsync($"the role {RoleName}", new() { Timeout = Patience });
            await ExpectMemberAccountAsync(page, production, "ok");
            await ExpectMemberAccountAsync(page, sandbox, "refused");
            await browser.ShotAsync(page, "data-source-role-set-again");
        }
        catch (Exception ex)
        {
            await browser.ShotEveryPageAsync("failure");
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private static Task ExpectMemberAccountAsync(IPage page, string accountId, string status) =>
        Assertions.Expect(page.Locator($"[data-testid=member-account-check][data-account-id='{accountId}']"))
            .ToHaveAttributeAsync("data-status", status, new() { Timeout = Patience });
}
