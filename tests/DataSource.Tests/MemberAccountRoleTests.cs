using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.ServiceDefaults.Security;
using DigiUsher.Testing;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// A root's member account role against a moto holding an AWS Organization and enforcing IAM policies: the connection
/// check tries the role in every member account and reports which let it in; DataSource issues a member account's
/// credentials only for an active member of the payer's organization, assuming the role itself.
/// </summary>
public class MemberAccountRoleTests
{
    private const string RoleName = "DigiUsherDiscovery";

    [Fact]
    public async Task ConnectRoot_WhenAMemberAccountRoleIsGiven_ReportsEachMemberAccountAndIssuesCredentialsOnlyInsideThePayersOrganization()
    {
        await using var moto = await MotoServer.StartAsync();
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var production = await MotoOrganizations.CreateAccountAsync(moto.Url, "production");
        var staging = await MotoOrganizations.CreateAccountAsync(moto.Url, "staging");
        var sandbox = await MotoOrganizations.CreateAccountAsync(moto.Url, "sandbox");
        await MotoOrganizations.CreateMemberRoleAsync(moto.Url, production, RoleName);
        await MotoOrganizations.CreateMemberRoleAsync(moto.Url, staging, RoleName);
        // The sandbox account does not let the payer in: the payer's identity may not assume the role there.
        var payer = await MotoOrganizations.PayerKeysAsync(moto.Url, "digiusher-payer", RoleName, sandbox);
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(moto.Url))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        await MotoOrganizations.EnforceAuthAsync(moto.Url);
        await using var host = await DataSourceHost.StartAsync(moto.Url);
        var admin = await host.RegisterAsync();
        using var api = host.CreateClient(admin.Token);

        // Not a plain role name, or on a linked account: refused before AWS is asked.
        foreach (var wrong in new[] { $"arn:aws:iam::{production}:role/{RoleName}", "path/" + RoleName, new string('r', 65), string.Empty })
        {
            using var refused = await api.PostAsJsonAsync("/api/v1/data-sources", Root(payer, bucket, wrong));
            var text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, text);
            Assert.Contains("memberAccountRole.roleName", text, StringComparison.Ordinal);
        }

        using var created = await api.PostAsJsonAsync("/api/v1/data-sources", Root(payer, bucket, RoleName));
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.True(created.StatusCode == HttpStatusCode.Created, body.GetRawText());
        var rootId = body.GetProperty("id").GetGuid();
        Assert.Equal(RoleName, body.GetProperty("memberAccountRole").GetProperty("roleName").GetString());
        var validation = body.GetProperty("validation");
        Assert.Equal("ok", validation.GetProperty("outcome").GetString());
        var checks = validation.GetProperty("memberAccounts").EnumerateArray().ToDictionary(c => c.GetProperty("accountId").GetString()!);
        Assert.Equal(new[] { production, sandbox, staging }.Order(), checks.Keys.Order());
        Assert.Equal(("ok", "production"), (checks[production].GetProperty("status").GetString(), checks[production].GetProperty("name").GetString()));
        Assert.Equal("ok", checks[staging].GetProperty("status").GetString());
        Assert.Equal("refused", checks[sandbox].GetProperty("status").GetString());
        Assert.Equal($"arn:aws:iam::{sandbox}:role/{RoleName}", checks[sandbox].GetProperty("roleArn").GetString());
        Assert.Contains("AccessDenied", checks[sandbox].GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(validation.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains(sandbox, StringComparison.Ordinal));
        var connected = Assert.Single(await host.OutboxAsync(), o => o.Type.EndsWith("DataSourceConnected", StringComparison.Ordinal));
        Assert.Contains(RoleName, connected.Body, StringComparison.Ordinal);

        var linkedWithRole = await api.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Member", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = payer.AccessKeyId, secretAccessKey = payer.SecretAccessKey,
            memberAccountRole = new { roleName = RoleName },
        });
        Assert.Equal(HttpStatusCode.BadRequest, linkedWithRole.StatusCode);
        Assert.Contains("only for kind 'aws-root'", await linkedWithRole.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Credentials of a member account: DataSource assumes the role itself and hands out only its session.
        await using var peer = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var sealer = host.Services.GetRequiredService<CredentialSealer>();
        var issued = await peer.RequestCredentialsAsync(admin.OrganizationId, rootId, production);
        Assert.True(issued.Is(out Response<AwsCredentialsIssued>? member), "no credentials in the production account");
        Assert.NotEqual(payer.AccessKeyId, member!.Message.AccessKeyId);
        Assert.NotNull(member.Message.SealedSessionToken);
        using (var sts = new AmazonSecurityTokenServiceClient(
            new SessionAWSCredentials(member.Message.AccessKeyId, sealer.Open(member.Message.SealedSecretAccessKey), sealer.Open(member.Message.SealedSessionToken!)),
            new AmazonSecurityTokenServiceConfig { ServiceURL = moto.Url, AuthenticationRegion = "us-east-1" }))
        {
            Assert.Equal(production, (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Account);
        }

        // An account that refuses the role, one outside the payer's organization, and the payer itself: no credentials.
        Assert.Contains("refused the member account role", await UnavailableAsync(peer, admin.OrganizationId, rootId, sandbox), StringComparison.Ordinal);
        Assert.Contains("not an active member account", await UnavailableAsync(peer, admin.OrganizationId, rootId, "999988887777"), StringComparison.Ordinal);
        Assert.Contains("not an active member account", await UnavailableAsync(peer, admin.OrganizationId, rootId, "123456789012"), StringComparison.Ordinal);
        // Another organization cannot ask for this root's member accounts.
        Assert.Contains("does not exist in this organization", await UnavailableAsync(peer, Guid.NewGuid(), rootId, production), StringComparison.Ordinal);

        // Turned off, the root's member accounts get no credentials.
        using var off = await api.PatchAsJsonAsync($"/api/v1/data-sources/{rootId}", new { memberAccountRole = new { roleName = (string?)null } });
        Assert.True(off.StatusCode == HttpStatusCode.OK, await off.Content.ReadAsStringAsync());
        Assert.Contains("no member account role", await UnavailableAsync(peer, admin.OrganizationId, rootId, production), StringComparison.Ordinal);
    }

    private static object Root((string AccessKeyId, string SecretAccessKey) payer, string bucket, string roleName) => new
    {
        name = "Payer", kind = "aws-root", accessKeyId = payer.AccessKeyId, secretAccessKey = payer.SecretAccessKey, bucket, prefix = "cur",
        memberAccountRole = new { roleName },
    };

    private static async Task<string> UnavailableAsync(PeerBus peer, Guid organizationId, Guid dataSourceId, string accountId)
    {
        var answer = await peer.RequestCredentialsAsync(organizationId, dataSourceId, accountId);
        Assert.True(answer.Is(out Response<AwsCredentialsUnavailable>? unavailable), $"credentials issued for account {accountId}");
        return unavailable!.Message.Reason;
    }
}
