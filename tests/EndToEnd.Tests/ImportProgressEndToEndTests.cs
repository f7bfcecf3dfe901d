using DigiUsher.Client.DataSource;
using DigiUsher.Client.Query;
using DigiUsher.Testing;
using DigiUsher.Testing.Aws;

namespace DigiUsher.EndToEnd.Tests;

/// <summary>
/// A delivery big enough to watch while it loads (four files), through the real services: DataSource's
/// status and Query's imports in progress show its files, rows, rows per second, expected end and the
/// parser replica holding it, then the import ends exact and leaves the list.
/// </summary>
public class ImportProgressEndToEndTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(6);

    [Fact]
    public async Task BigDelivery_WhileItLoads_ShowsItsProgressInDataSourceStatusAndQueryImports()
    {
        await using var delivered = await DeliveredMonth.StartAsync(files: 4, copies: 50);
        var (moto, account, month) = (delivered.Moto, delivered.Account, delivered.Month);

        // Snapshots four times a second, and small batches so the rows move between them.
        await using var stack = await ServiceStack.StartAsync(moto.Url, ["DataSource", "CurParser", "CurPoller", "Query"],
            new Dictionary<string, string> { ["CurParser__ProgressInterval"] = "00:00:00.250", ["CurParser__BatchSize"] = "256" });
        try
        {
            using var admin = await stack.RegisterAsync("progress");
            var created = await admin.ConnectPayerAsync(account, "Progress payer");

            var fromStatus = new List<ImportProgress>();
            var fromQuery = new List<ImportInProgressItem>();
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline,
                    $"not imported within {Patience} (snapshots seen: {fromStatus.Count} in DataSource's status, {fromQuery.Count} in Query's imports in progress)");
                var deliveries = (await admin.DataSource.GetDataSourceStatusAsync(created.Id)).Imports.SelectMany(p => p.Deliveries).ToList();
                if (deliveries.Any(d => d.State == ImportState.Imported))
                {
                    Assert.All(deliveries, d => Assert.Null(d.Progress));
                    break;
                }

                fromStatus.AddRange(deliveries.Where(d => d.Progress is not null).Select(d => d.Progress!));
                // Right after connecting, Query may not know the data source yet (404 until DataSourceConnected).
                fromQuery.AddRange((await admin.Query.ListImportsInProgressAsync(created.Id).UnlessUnknownAsync())?.Items ?? []);
                await Task.Delay(50);
            }

            var midway = fromStatus.Where(p => p.Rows > 0 && p.Rows < month.Rows).ToList();
            Assert.True(midway.Count >= 1, $"DataSource's status never showed the import midway ({fromStatus.Count} snapshots: {string.Join(", ", fromStatus.Select(p => p.Rows))})");
            Assert.All(midway, p =>
            {
                Assert.Equal(month.Files, p.Files);
                Assert.InRange(p.FilesDone, 0, month.Files);
                Assert.True(p.RowsPerSecond > 0);
                Assert.True(p.ExpectedEndAt > p.StartedAt, "an expected end after the start");
                Assert.False(string.IsNullOrEmpty(p.Replica), "an admin sees the replica holding the delivery");
            });
            Assert.True(fromStatus.Select(p => p.Rows).Distinct().Count() >= 2 || fromQuery.Select(p => p.Rows).Distinct().Count() >= 2, "the rows moved between snapshots");

            var inQuery = fromQuery.Where(p => p.Rows > 0 && p.Rows < month.Rows).ToList();
            Assert.True(inQuery.Count >= 1, $"Query's imports in progress never showed the import midway ({fromQuery.Count} items)");
            Assert.All(inQuery, p =>
            {
                Assert.Equal((created.Id, month.BillingPeriod, month.Files), (p.DataSourceId, p.BillingPeriod, p.Files));
                Assert.True(p.RowsPerSecond > 0 && p.ExpectedEndAt > p.StartedAt);
                Assert.Equal(midway[0].Replica, p.Replica);
            });

            // The import ended exact, and left the list of imports in progress.
            var (from, to) = (delivered.From, delivered.To);
            await Eventually.Get(
                async () => (await admin.Query.GetCostsAsync(from, to)).Total == month.Total ? (object)true : null,
                Patience, $"Query to show the imported month ({month.Total} USD)");
            var imported = Assert.Single((await admin.Query.ListImportsAsync(created.Id)).Items);
            Assert.Equal(month.Rows, imported.Rows);
            Assert.Empty((await admin.Query.ListImportsInProgressAsync(created.Id)).Items);
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n{stack.Logs()}", ex);
        }
    }
}
