using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.Contracts;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;
using MassTransit;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// The confused deputy of https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html, as
/// attacks against DataSource and a moto that enforces trust policies: another organization that
/// knows a role's ARN and external id cannot connect it, and neither can anyone when the role's trust
/// policy lets DigiUsher in without the external id.
/// </summary>
public class ConfusedDeputyTests
{
    [Fact]
    public async Task ConnectRole_AsAnotherOrganization_IsRefusedWhileTheOwnerConnectsItsPathRole()
    {
        await using var moto = await MotoServer.StartAsync();
        var principal = await AwsFixtures.CreateUserAsync(moto.Url, "digiusher", "sts:AssumeRole");
        await using var host = await DataSourceHost.StartAsync(moto.Url, new Dictionary<string, string>
        {
            ["RoleAssumption__AccessKeyId"] = principal.AccessKeyId,
            ["RoleAssumption__SecretAccessKey"] = principal.SecretAccessKey,
            ["RoleAssumption__RequireExternalIdCondition"] = "true",
        });
        await using var bus = await PeerBus.StartAsync(host.VirtualHost, answerCredentials: false);
        var owner = await host.RegisterAsync();
        var attacker = await host.RegisterAsync();
        using var ownerApi = host.CreateClient(owner.Token);
        using var attackerApi = host.CreateClient(attacker.Token);

        var issued = await IssueAsync(ownerApi);
        var externalId = issued.GetProperty("externalId").GetString()!;
        Assert.Equal("arn:aws:iam::123456789012:user/digiusher", issued.GetProperty("principalArn").GetString());
        var trustPolicy = issued.GetProperty("trustPolicy").GetRawText();
        Assert.Contains(externalId, trustPolicy, StringComparison.Ordinal);
        var laxExternalId = (await IssueAsync(ownerApi)).GetProperty("externalId").GetString()!;
        Assert.NotEqual(externalId, laxExternalId);

        // The owner's role lives under a path and trusts DigiUsher only with the issued external id (the
        // policy the API answered, pasted as is); a second role trusts DigiUsher with no condition.
        var roleArn = await AwsFixtures.CreateRoleAsync(moto.Url, "/digiusher/", "reader", trustPolicy);
        Assert.Equal("arn:aws:iam::123456789012:role/digiusher/reader", roleArn);
        var laxRoleArn = await AwsFixtures.CreateRoleAsync(moto.Url, "/", "lax",
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/digiusher"},"Action":"sts:AssumeRole"}]}""");
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(moto.Url))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        await AwsFixtures.EnforceAuthAsync(moto.Url);

        // The attacker knows the ARN and the owner's external id: not its to use.
        var stolen = await ConnectAsync(attackerApi, roleArn, externalId, bucket);
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Contains("externalId", await stolen.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Nor may it choose one.
        var chosen = await ConnectAsync(attackerApi, roleArn, "digiusher-chosen-by-the-customer", bucket);
        Assert.Equal(HttpStatusCode.BadRequest, chosen.StatusCode);
        Assert.Contains("POST /api/v1/aws/external-ids", await chosen.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // With an external id of its own, AWS refuses: the role requires the owner's.
        var attackerExternalId = (await IssueAsync(attackerApi)).GetProperty("externalId").GetString()!;
        var refused = await ConnectAsync(attackerApi, roleArn, attackerExternalId, bucket);
        var refusedText = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("role-not-assumable", refusedText, StringComparison.Ordinal);
        Assert.Contains(attackerExternalId, refusedText, StringComparison.Ordinal);

        // A role that does not require the external id is refused, even to its owner, with the condition to add.
        var lax = await ConnectAsync(ownerApi, laxRoleArn, laxExternalId, bucket);
        var laxText = await lax.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.UnprocessableEntity, lax.StatusCode);
        Assert.Contains("external-id-not-required", laxText, StringComparison.Ordinal);
        Assert.Contains("sts:ExternalId", laxText, StringComparison.Ordinal);

        // The owner connects its role (with a path) and the other services get assumed-role credentials.
        var connected = await ConnectAsync(ownerApi, roleArn, externalId, bucket);
        var connectedText = await connected.Content.ReadAsStringAsync();
        Assert.True(connected.StatusCode == HttpStatusCode.Created, connectedText);
        var view = JsonDocument.Parse(connectedText).RootElement;
        var id = view.GetProperty("id").GetGuid();
        Assert.Equal(externalId, view.GetProperty("externalId").GetString());
        var answer = await bus.RequestCredentialsAsync(owner.OrganizationId, id);
        Assert.True(answer.Is(out Response<AwsCredentialsIssued>? credentials), "no credentials for the path role");
        Assert.StartsWith("ASIA", credentials!.Message.AccessKeyId, StringComparison.Ordinal);
        Assert.NotNull(credentials.Message.SealedSessionToken);

        // An external id serves one data source.
        var reused = await ConnectAsync(ownerApi, roleArn, externalId, AwsFixtures.NewBucketName());
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);

        // The role is the owner's now: the attacker is told so, never by whom.
        var taken = await ConnectAsync(attackerApi, roleArn, attackerExternalId, bucket);
        var takenText = await taken.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Contains("another organization", takenText, StringComparison.Ordinal);
        Assert.DoesNotContain(owner.OrganizationId.ToString(), takenText, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(owner.Email, takenText, StringComparison.OrdinalIgnoreCase);

        // The external id is stable across edits.
        var changed = await ownerApi.PatchAsync($"/api/v1/data-sources/{id}", AwsFixtures.Json($$"""{"roleArn":"{{roleArn}}","externalId":"{{attackerExternalId}}"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, changed.StatusCode);
        Assert.Contains("never changes", await changed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var renamed = await ownerApi.PatchAsync($"/api/v1/data-sources/{id}", AwsFixtures.Json("""{"name":"Renamed"}"""));
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(externalId, (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("externalId").GetString());
        Assert.Equal(1, await host.CountAsync("data_sources"));
    }

    private static async Task<JsonElement> IssueAsync(HttpClient api)
    {
        using var response = await api.PostAsync("/api/v1/aws/external-ids", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> ConnectAsync(HttpClient api, string roleArn, string externalId, string bucket) =>
        api.PostAsJsonAsync("/api/v1/data-sources", new { name = "Role payer", kind = "aws-root", roleArn, externalId, bucket, prefix = "cur" });
}
