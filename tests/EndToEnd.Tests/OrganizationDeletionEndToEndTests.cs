using System.Globalization;
using Amazon.S3;
using DigiUsher.Client;
using DigiUsher.Client.DataSource;
using DigiUsher.Client.Tokens;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Xunit.Abstractions;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// Issue 18, as an attack on the real services: an admin deletes the organization, and nothing of it is
/// left in any schema (found through the catalog): users, service clients and their secrets, refresh
/// tokens, data sources with their imports and inventory, owner rules, the audit log. Its tokens are
/// refused, and another organization keeps everything it had. Members and other organizations cannot
/// delete it.
/// </summary>
public class OrganizationDeletionEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    [Fact]
    public async Task DeleteOrganization_WhenItHasImportedDataUsersAndRules_PurgesItEverywhereAndKeepsTheOtherTenant()
    {
        await using var moto = await MotoServer.StartAsync();
        var account = new AwsAccount(moto.Url);
        await account.SeedAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CurMonth(account.Resources, "123456789012", new DateOnly(today.Year, today.Month, 1).AddMonths(-1));
        await month.UploadAsync(moto.Url, account.CurBucket);
        var otherBucket = $"e2e-org-{Guid.NewGuid():N}"[..24];
        using (var s3 = new AmazonS3Client(account.Setup, new AmazonS3Config { ServiceURL = moto.Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" }))
        {
            await s3.PutBucketAsync(otherBucket);
        }

        await month.UploadAsync(moto.Url, otherBucket);
        await using var stack = await ServiceStack.StartAsync(moto.Url);
        var database = stack.Database;
        try
        {
            Phase("stack started");
            var (victim, victimId, victimName) = await RegisterAsync(stack, "deleted");
            var (other, otherId, _) = await RegisterAsync(stack, "kept");
            using var victimClient = victim;
            using var otherClient = other;
            foreach (var (client, bucket) in new[] { (victim, account.CurBucket), (other, otherBucket) })
            {
                await client.DataSource.CreateDataSourceAsync(new CreateDataSourceRequest
                {
                    Name = "payer " + bucket, Kind = "aws-root", AccessKeyId = account.AccessKeyId, SecretAccessKey = account.SecretAccessKey,
                    Bucket = bucket, Prefix = CurMonth.Prefix, Region = "us-east-1",
                });
                await client.DataSource.CreateServiceClientAsync(new CreateServiceClientRequest { Name = "reporting", Scopes = ["costs:read"] });
                await client.DataSource.InviteUserAsync(new InviteUserRequest { Email = $"member-{Guid.NewGuid():N}@example.com", Role = "member" });
                await client.ResourceDiscovery.CreateOwnerRuleAsync(new DigiUsher.Client.ResourceDiscovery.OwnerRuleRequest { Match = "tagExists", Key = "team", OwnerEmail = "finops@example.com" });
            }

            var from = DateOnly.Parse(month.From, CultureInfo.InvariantCulture);
            var to = DateOnly.Parse(month.To, CultureInfo.InvariantCulture);
            foreach (var client in new[] { victim, other })
            {
                await Eventually.True(async () => (await client.Query.GetCostsAsync(from, to)).Total == month.Total, Patience, "the month imported into Query");
                await Eventually.True(async () => (await client.Query.ListResourcesAsync(discovered: true, limit: 1000)).Items.Count > 0, Patience, "resources discovered");
            }

            Phase("imported and discovered for both organizations");
            var keys = await OrganizationRows.KeysAsync(database.AdminConnectionString, victimId);
            var otherKeys = await OrganizationRows.KeysAsync(database.AdminConnectionString, otherId);
            var before = await OrganizationRows.CountAsync(database.AdminConnectionString, victimId, keys);
            var otherBefore = await OrganizationRows.CountAsync(database.AdminConnectionString, otherId, otherKeys);
            foreach (var table in new[] { "datasource.users", "datasource.service_clients", "datasource.audit_events", "discovery.owner_rules", "curparser.imports", "query.daily_costs", "discovery.resources" })
            {
                Assert.Contains(before.Keys, k => k.StartsWith(table, StringComparison.Ordinal));
            }

            // Neither another organization's admin nor a wrong confirmation deletes anything.
            var stranger = await Assert.ThrowsAsync<ApiException<ProblemDetails>>(() => other.DataSource.DeleteOrganizationAsync(victimId, victimName));
            Assert.Equal(404, stranger.StatusCode);
            var unconfirmed = await Assert.ThrowsAsync<ApiException<HttpValidationProblemDetails>>(() => victim.DataSource.DeleteOrganizationAsync(victimId, victimName + " typo"));
            Assert.Equal(400, unconfirmed.StatusCode);
            // Nothing of it went; it may have gained rows meanwhile (its import's and discovery's status rows land after the first count, and the refusals are audited).
            var afterRefusals = await OrganizationRows.CountAsync(database.AdminConnectionString, victimId, keys);
            var gone = before.Keys.Except(afterRefusals.Keys).Order(StringComparer.Ordinal).ToList();
            Assert.True(gone.Count == 0, $"a refused deletion removed every row of: {string.Join(", ", gone)}");

            Phase("deleting");
            await victim.DataSource.DeleteOrganizationAsync(victimId, victimName);
            var leftover = new Dictionary<string, long>();
            try
            {
                await Eventually.True(async () =>
                {
                    leftover = (await OrganizationRows.CountAsync(database.AdminConnectionString, victimId, keys))
                        .Where(c => !c.Key.EndsWith("(tombstone)", StringComparison.Ordinal)).ToDictionary();
                    return leftover.Count == 0;
                }, Patience, "no row of the deleted organization in any schema");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message} Rows left: {string.Join(", ", leftover.Select(c => $"{c.Key}={c.Value}"))}", ex);
            }

            Phase("purged");
            await Eventually.True(async () =>
            {
                try
                {
                    await victim.Query.GetCostsAsync(from, to);
                    return false;
                }
                catch (Exception e) when (e is DigiUsher.Client.Query.ApiException { StatusCode: 401 } || e is not DigiUsher.Client.Query.ApiException)
                {
                    // 401 with the cached token, or no new token for a user who no longer exists.
                    return true;
                }
            }, TimeSpan.FromMinutes(1), "the deleted organization's token refused by Query");

            var otherAfter = await OrganizationRows.CountAsync(database.AdminConnectionString, otherId, otherKeys);
            var lost = otherBefore.Keys.Except(otherAfter.Keys).Order(StringComparer.Ordinal).ToList();
            Assert.True(lost.Count == 0, $"the other organization lost every row of: {string.Join(", ", lost)}");
            Assert.Equal(month.Total, (await other.Query.GetCostsAsync(from, to)).Total);
            Assert.NotEmpty((await other.DataSource.ListAuditEventsAsync(action: "data-source.connected")).Items);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private void Phase(string what) => output.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {what}");

    private static async Task<(DigiUsherClient Client, Guid OrganizationId, string Name)> RegisterAsync(ServiceStack stack, string suffix)
    {
        var email = $"e2e-{suffix}-{Guid.NewGuid():N}@example.com";
        const string password = "correct-horse-battery-staple";
        var name = $"E2E {suffix} {Guid.NewGuid():N}"[..24];
        var client = new DigiUsherClient(stack.Endpoints(), (dataSource, _) => PasswordTokenSource.ForUser(dataSource, email, password));
        var registered = await client.Anonymous.RegisterAsync(new RegisterRequest { Email = email, Password = password, OrganizationName = name });
        return (client, registered.OrganizationId, name);
    }
}
