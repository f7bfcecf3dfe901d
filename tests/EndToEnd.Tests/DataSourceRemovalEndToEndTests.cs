using Amazon.S3;
using DigiUsher.Contracts;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;
using Xunit.Abstractions;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// Issue 18, as an attack on the real services: a removed data source leaves no row in any schema
/// (found through the catalog, so a table added later is checked too), late and repeated messages
/// about it write nothing back, and another organization's data source keeps everything it had.
/// </summary>
public class DataSourceRemovalEndToEndTests(ITestOutputHelper output)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task RemoveDataSource_WhenImportedAndDiscovered_PurgesItsRowsInEverySchemaAndKeepsTheOtherTenants()
    {
        await using var delivered = await DeliveredMonth.StartAsync();
        var (moto, account, month) = (delivered.Moto, delivered.Account, delivered.Month);
        var otherBucket = $"e2e-other-{Guid.NewGuid():N}"[..26];
        using (var s3 = new AmazonS3Client(account.Setup, new AmazonS3Config { ServiceURL = moto.Url, ForcePathStyle = true, AuthenticationRegion = "us-east-1" }))
        {
            await s3.PutBucketAsync(otherBucket);
        }

        await month.UploadAsync(moto.Url, otherBucket);

        Phase("moto seeded, starting the stack");
        await using var stack = await ServiceStack.StartAsync(moto.Url);
        var database = stack.Database;
        await using var peer = await PeerBus.StartAsync(stack.VirtualHost, answerCredentials: false);
        try
        {
            Phase("stack started");
            using var victim = await stack.RegisterAsync("removed");
            using var other = await stack.RegisterAsync("kept");
            var removed = await victim.ConnectPayerAsync(account, "payer " + account.CurBucket);
            var kept = await other.ConnectPayerAsync(account, "payer " + otherBucket, otherBucket);
            var (from, to) = (delivered.From, delivered.To);
            foreach (var client in new[] { victim, other })
            {
                await Eventually.True(async () => (await client.Query.GetCostsAsync(from, to)).Total == month.Total, Patience, "the month imported into Query");
                Phase("a month imported");
                await Eventually.True(async () => (await client.Query.ListResourcesAsync(discovered: true, limit: 1000)).Items.Count > 0, Patience, "resources discovered");
                Phase("resources discovered");
            }

            Phase("imported and discovered for both organizations");
            var importIds = await DataSourceRows.ImportIdsAsync(database.AdminConnectionString, removed.Id);
            Assert.NotEmpty(importIds);
            var before = await DataSourceRows.CountAsync(database.AdminConnectionString, removed.Id, importIds);
            var keptBefore = await DataSourceRows.CountAsync(database.AdminConnectionString, kept.Id);
            // The sweep sees the data in every service, so an empty result after the removal means something.
            foreach (var table in new[] { "curparser.line_items of import", "curparser.imports", "curparser.deliveries", "curpoller.deliveries", "discovery.resources", "query.daily_costs", "query.resources", "query.imports" })
            {
                Assert.Contains(before.Keys, k => k.StartsWith(table, StringComparison.Ordinal));
            }

            Phase("removing");
            await victim.DataSource.DeleteDataSourceAsync(removed.Id);

            var leftover = new Dictionary<string, long>();
            try
            {
                await Eventually.True(
                    async () => (leftover = Leftovers(await DataSourceRows.CountAsync(database.AdminConnectionString, removed.Id, importIds))).Count == 0,
                    Patience, "no row of the removed data source in any schema");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message} Rows left: {Describe(leftover)}", ex);
            }

            Phase("purged");
            // Late and repeated messages: what was in flight when it was removed, and the removal redelivered.
            var late = new List<IIntegrationMessage>();
            late.AddRange(peer.Recorded.Of<ReportAvailable>(removed.Id));
            late.AddRange(peer.Recorded.Of<ReportImported>(removed.Id));
            late.AddRange(peer.Recorded.Of<CostsImported>(removed.Id));
            late.AddRange(peer.Recorded.Of<ResourcesDiscovered>(removed.Id));
            late.AddRange(peer.Recorded.Of<DataSourceConnected>(removed.Id));
            late.AddRange(peer.Recorded.Of<DataSourceRemoved>(removed.Id));
            Assert.Contains(late, m => m is ReportAvailable);
            Assert.Contains(late, m => m is ResourcesDiscovered);
            foreach (var message in late)
            {
                await peer.Bus.Publish(message, message.GetType());
            }

            for (var i = 0; i < 10; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(3));
                var after = await DataSourceRows.CountAsync(database.AdminConnectionString, removed.Id, importIds);
                Assert.True(Leftovers(after).Count == 0, $"rows came back after late messages: {Describe(Leftovers(after))}");
            }

            Phase("late messages wrote nothing");
            Assert.Equal(0m, (await victim.Query.GetCostsAsync(from, to)).Total);
            Assert.Empty((await victim.Query.ListResourcesAsync()).Items);
            Assert.Empty((await victim.Query.ListImportsAsync()).Items);

            // The other organization keeps every kind of row it had, and its answers.
            var keptAfter = await DataSourceRows.CountAsync(database.AdminConnectionString, kept.Id);
            // A superset: the other organization's own status rows may still be arriving (its
            // discovery status landed after the first count in a CI run), none may go.
            var lost = keptBefore.Keys.Except(keptAfter.Keys).Order(StringComparer.Ordinal).ToList();
            Assert.True(lost.Count == 0, $"the other organization lost every row of: {string.Join(", ", lost)}");
            Assert.Equal(month.Total, (await other.Query.GetCostsAsync(from, to)).Total);
            Assert.NotEmpty((await other.Query.ListImportsAsync()).Items);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }

    private void Phase(string what) => output.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {what}");

    /// <summary>Every row but the tombstones (a data source id and its removal time).</summary>
    private static Dictionary<string, long> Leftovers(Dictionary<string, long> counts) =>
        counts.Where(c => !c.Key.EndsWith("(tombstone)", StringComparison.Ordinal)).ToDictionary();

    private static string Describe(Dictionary<string, long> counts) =>
        string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
}
