using DigiUsher.Contracts;
using DigiUsher.Testing;

namespace DigiUsher.Reliability.Tests;

/// <summary>
/// At-least-once delivery against two competing CurParser processes: duplicates change nothing, and
/// of several deliveries of one month the newest becomes current, once, whatever order they arrive in.
/// </summary>
public sealed class RedeliveryTests(RedeliveryTests.Parsers fixture) : IClassFixture<RedeliveryTests.Parsers>
{
    private const string Period = "2026-08";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Import_WhenTheSameReportAvailableArrivesFiveTimes_ImportsItOnceWithExactTotals()
    {
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var csv = new CurCsv(Period).AddRows(10_000);
        var delivery = await h.CsvDeliveryAsync(tenant, Period, "dup", DateTimeOffset.UtcNow, csv.Gzip());

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => h.PublishAsync(delivery)));

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == "dup", Timeout, "the delivery to become current");
        await Eventually.True(h.QueueDrainedAsync, Timeout, "all five messages to be consumed");
        await Eventually.True(() => Task.FromResult(h.Events.Of<CostsImported>(tenant.DataSourceId).Count == 1), Timeout, "CostsImported");
        Assert.Equal((csv.Unblended, 10_000L), await h.CurrentLineItemsAsync(tenant.DataSourceId, Period));
        var imports = await h.ImportsOfDeliveryAsync(tenant.DataSourceId, "dup");
        Assert.Equal("current", Assert.Single(imports).Status);
        Assert.Single(h.Events.Of<ReportImportStarted>(tenant.DataSourceId));
        Assert.Single(h.Events.Of<ReportImported>(tenant.DataSourceId));
        Assert.Equal(csv.Unblended, Assert.Single(Assert.Single(h.Events.Of<CostsImported>(tenant.DataSourceId)).Totals).Unblended);
        Assert.Equal(0, await h.ErrorMessagesAsync());
    }

    [Fact]
    public async Task Import_WhenTwoNewerDeliveriesArriveOutOfOrder_TheNewestWinsOnce()
    {
        var h = fixture.Harness;
        var tenant = Tenant.New();
        var t0 = DateTimeOffset.UtcNow.AddHours(-3);
        var first = new CurCsv(Period).AddRows(1_000, seed: 1);
        var older = new CurCsv(Period).AddRows(10_000, seed: 2);
        var newest = new CurCsv(Period).AddRows(10_000, seed: 3);
        var d1 = await h.CsvDeliveryAsync(tenant, Period, "d1", t0, first.Gzip());
        await h.PublishAsync(d1);
        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == "d1", Timeout, "d1 to become current");

        var d2 = await h.CsvDeliveryAsync(tenant, Period, "d2", t0.AddHours(1), older.Gzip());
        var d3 = await h.CsvDeliveryAsync(tenant, Period, "d3", t0.AddHours(2), newest.Gzip());
        await h.PublishAsync(d3);
        await h.PublishAsync(d2);
        await h.PublishAsync(d3);
        await h.PublishAsync(d2);

        await Eventually.True(async () => (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId == "d3", Timeout, "d3 to become current");
        await Eventually.True(h.QueueDrainedAsync, Timeout, "every message to be consumed");
        // d2 is either refused at its claim (superseded) or, when both loaded at once, made current before d3 replaced it.
        await Eventually.True(async () => await h.DeliveryStatusAsync(tenant.DataSourceId, "d2") is "superseded" or "imported", Timeout, "d2 to be settled");
        Assert.Equal((newest.Unblended, 10_000L), await h.CurrentLineItemsAsync(tenant.DataSourceId, Period));
        // The event leaves through the outbox after the commit: wait for it, then count it.
        await Eventually.True(() => Task.FromResult(h.Events.Of<CostsImported>(tenant.DataSourceId).Any(c => c.DeliveryId == "d3")), Timeout, "d3's CostsImported");
        Assert.Single(h.Events.Of<CostsImported>(tenant.DataSourceId), c => c.DeliveryId == "d3");
        // The parser that swapped drops the replaced import's partitions after its commit (nothing reads a
        // non-current import), and the management API's message counts lag: wait for the drop itself.
        await Eventually.True(async () => await h.RowsOfDeliveryAsync(tenant.DataSourceId, "d2") == 0, Timeout, "d2's rows to be dropped");
        await Eventually.True(async () => await h.RowsOfDeliveryAsync(tenant.DataSourceId, "d1") == 0, Timeout, "d1's rows to be dropped");
        Assert.DoesNotContain(await h.ImportsOfDeliveryAsync(tenant.DataSourceId, "d2"), i => i.Status == "current");

        // A late redelivery of the superseded delivery changes nothing.
        await h.PublishAsync(d2);
        await h.PublishAsync(d1);
        await Eventually.True(h.QueueDrainedAsync, Timeout, "the late redeliveries to be consumed");
        Assert.Equal("d3", (await h.CurrentAsync(tenant.DataSourceId, Period))?.DeliveryId);
        Assert.Equal((newest.Unblended, 10_000L), await h.CurrentLineItemsAsync(tenant.DataSourceId, Period));
        Assert.Equal(0, await h.ErrorMessagesAsync());
    }

    /// <summary>Two CurParser processes competing on one queue.</summary>
    public sealed class Parsers : IAsyncLifetime
    {
        public ParserHarness Harness { get; private set; } = null!;

        public async Task InitializeAsync() => Harness = await ParserHarness.StartAsync(parsers: 2);

        public async Task DisposeAsync()
        {
            if (Harness is not null)
            {
                await Harness.DisposeAsync();
            }
        }
    }
}
