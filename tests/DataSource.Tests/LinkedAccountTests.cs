using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigiUsher.DataSource.Tests.Infrastructure;
using DigiUsher.Testing;

namespace DigiUsher.DataSource.Tests;

/// <summary>
/// <c>aws-linked</c> data sources against a moto holding an AWS Organization: a member account connected
/// with its own keys or role under the organization's root data source, validated by STS and the root's
/// <c>organizations:ListAccounts</c>; the payer, an outsider and another account's keys are refused.
/// </summary>
public class LinkedAccountTests
{
    [Fact]
    public async Task ConnectLinked_WhenAMemberOfTheRootsOrganization_IsSavedWithItsAccountAndRefusedOtherwise()
    {
        await using var moto = await MotoServer.StartAsync();
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var member = await MotoOrganizations.CreateAccountAsync(moto.Url, "team-a");
        var roleMember = await MotoOrganizations.CreateAccountAsync(moto.Url, "team-b");
        var memberKeys = await MotoOrganizations.MemberKeysAsync(moto.Url, member, "digiusher");
        var memberKeys2 = await MotoOrganizations.MemberKeysAsync(moto.Url, member, "digiusher-rotated");
        // An account of no organization DigiUsher knows (moto answers any account's role).
        var outsiderKeys = await MotoOrganizations.MemberKeysAsync(moto.Url, "999988887777", "digiusher");
        var payerKeys = await AwsFixtures.CreateUserAsync(moto.Url, "payer-reader", "*");
        var bucket = AwsFixtures.NewBucketName();
        using (var s3 = AwsFixtures.S3(moto.Url))
        {
            await AwsFixtures.CreateCurBucketAsync(s3, bucket, "cur", "hourly");
        }

        // More connection checks than one organization may make a minute (the limit is TenantRateLimitTests').
        await using var host = await DataSourceHost.StartAsync(moto.Url, extraSettings: new Dictionary<string, string>
        {
            ["RateLimits__Validations__Burst"] = "1000", ["RateLimits__Validations__PerMinute"] = "1000",
        });
        var admin = await host.RegisterAsync();
        using var api = host.CreateClient(admin.Token);
        using var created = await api.PostAsJsonAsync("/api/v1/data-sources", new
        {
            name = "Payer", kind = "aws-root", accessKeyId = payerKeys.AccessKeyId, secretAccessKey = payerKeys.SecretAccessKey, bucket, prefix = "cur",
        });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var rootId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // A member account with its own keys: no bucket, its account from STS, discovery permissions probed.
        var linked = await LinkAsync(api, new { name = "Team A", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = memberKeys.AccessKeyId, secretAccessKey = memberKeys.SecretAccessKey });
        Assert.True(linked.Status == HttpStatusCode.Created, linked.Body.GetRawText());
        var linkedId = linked.Body.GetProperty("id").GetGuid();
        Assert.Equal("aws-linked", linked.Body.GetProperty("kind").GetString());
        Assert.Equal(member, linked.Body.GetProperty("accountId").GetString());
        Assert.Equal(rootId, linked.Body.GetProperty("parentDataSourceId").GetGuid());
        Assert.Equal(string.Empty, linked.Body.GetProperty("bucket").GetString());
        var validation = linked.Body.GetProperty("validation");
        Assert.Equal("ok", validation.GetProperty("outcome").GetString());
        Assert.Contains(validation.GetProperty("permissions").EnumerateArray(), p => p.GetProperty("action").GetString() == "ec2:DescribeInstances"
            && p.GetProperty("status").GetString() == "ok");
        var connected = Assert.Single(await host.OutboxAsync(), o => o.Type.EndsWith("DataSourceConnected", StringComparison.Ordinal) && o.Body.Contains("aws-linked", StringComparison.Ordinal));
        Assert.Contains(member, connected.Body, StringComparison.Ordinal);
        Assert.Contains(rootId.ToString(), connected.Body, StringComparison.Ordinal);

        // It has no reports of its own to poll: its root's are polled.
        using var poll = await api.PostAsync($"/api/v1/data-sources/{linkedId}/poll", null);
        Assert.Equal(HttpStatusCode.Conflict, poll.StatusCode);
        Assert.Contains(rootId.ToString(), await poll.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The same account twice, a bucket, no root, a linked data source as root: refused before AWS is asked.
        var twice = await LinkAsync(api, new { name = "Again", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = memberKeys2.AccessKeyId, secretAccessKey = memberKeys2.SecretAccessKey });
        Assert.Equal(HttpStatusCode.Conflict, twice.Status);
        Assert.Contains($"already links account {member}", twice.Body.GetRawText(), StringComparison.Ordinal);
        var withBucket = await LinkAsync(api, new { name = "B", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = memberKeys.AccessKeyId, secretAccessKey = memberKeys.SecretAccessKey, bucket });
        Assert.Equal(HttpStatusCode.BadRequest, withBucket.Status);
        Assert.True(withBucket.Body.GetProperty("errors").TryGetProperty("bucket", out _), withBucket.Body.GetRawText());
        var orphan = await LinkAsync(api, new { name = "B", kind = "aws-linked", accessKeyId = memberKeys.AccessKeyId, secretAccessKey = memberKeys.SecretAccessKey });
        Assert.Equal(HttpStatusCode.BadRequest, orphan.Status);
        Assert.True(orphan.Body.GetProperty("errors").TryGetProperty("parentDataSourceId", out _), orphan.Body.GetRawText());
        var underLinked = await LinkAsync(api, new { name = "B", kind = "aws-linked", parentDataSourceId = linkedId, accessKeyId = memberKeys.AccessKeyId, secretAccessKey = memberKeys.SecretAccessKey });
        Assert.Equal(HttpStatusCode.BadRequest, underLinked.Status);

        // The payer itself and an account outside the organization are not member accounts.
        var payer = await LinkAsync(api, new { name = "Payer again", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = payerKeys.AccessKeyId, secretAccessKey = payerKeys.SecretAccessKey });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, payer.Status);
        Assert.Equal("not-a-member", payer.Body.GetProperty("outcome").GetString());
        Assert.Contains("payer account itself", payer.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var outsider = await LinkAsync(api, new { name = "Outsider", kind = "aws-linked", parentDataSourceId = rootId, accessKeyId = outsiderKeys.AccessKeyId, secretAccessKey = outsiderKeys.SecretAccessKey });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outsider.Status);
        Assert.Equal("not-a-member", outsider.Body.GetProperty("outcome").GetString());
        Assert.Contains("999988887777 is not a member", outsider.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // A role follows the external id rules of the trust-boundary work: only one DigiUsher issued.
        var roleArn = $"arn:aws:iam::{roleMember}:role/digiusher";
        var chosen = await LinkAsync(api, new { name = "Team B", kind = "aws-linked", parentDataSourceId = rootId, roleArn, externalId = "chosen-by-the-customer" });
        Assert.Equal(HttpStatusCode.BadRequest, chosen.Status);
        using var issued = await api.PostAsync("/api/v1/aws/external-ids", null);
        var externalId = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("externalId").GetString()!;
        var byRole = await LinkAsync(api, new { name = "Team B", kind = "aws-linked", parentDataSourceId = rootId, roleArn, externalId });
        Assert.True(byRole.Status == HttpStatusCode.Created, byRole.Body.GetRawText());
        Assert.Equal(roleMember, byRole.Body.GetProperty("accountId").GetString());
        Assert.Equal(externalId, byRole.Body.GetProperty("externalId").GetString());

        // New keys must be the linked account's; keys of the same account rotate.
        using var otherAccount = await api.PatchAsJsonAsync($"/api/v1/data-sources/{linkedId}", new { accessKeyId = outsiderKeys.AccessKeyId, secretAccessKey = outsiderKeys.SecretAccessKey });
        var otherText = await otherAccount.Content.ReadAsStringAsync();
        Assert.True(otherAccount.StatusCode == HttpStatusCode.UnprocessableEntity, otherText);
        Assert.Contains("another-account", otherText, StringComparison.Ordinal);
        using var rotated = await api.PatchAsJsonAsync($"/api/v1/data-sources/{linkedId}", new { accessKeyId = memberKeys2.AccessKeyId, secretAccessKey = memberKeys2.SecretAccessKey });
        Assert.True(rotated.StatusCode == HttpStatusCode.OK, await rotated.Content.ReadAsStringAsync());
        using var moved = await api.PatchAsJsonAsync($"/api/v1/data-sources/{linkedId}", new { bucket });
        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);

        // The root goes last: its reports bill the linked accounts.
        using var rootFirst = await api.DeleteAsync($"/api/v1/data-sources/{rootId}");
        Assert.Equal(HttpStatusCode.Conflict, rootFirst.StatusCode);
        Assert.Contains("linked", await rootFirst.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var id in new[] { linkedId, byRole.Body.GetProperty("id").GetGuid(), rootId })
        {
            using var deleted = await api.DeleteAsync($"/api/v1/data-sources/{id}");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, await host.CountAsync("data_sources"));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> LinkAsync(HttpClient api, object request)
    {
        using var response = await api.PostAsJsonAsync("/api/v1/data-sources", request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}
