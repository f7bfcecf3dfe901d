using DigiUsher.Contracts;
using DigiUsher.CurParser.Importing;
using DigiUsher.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DigiUsher.CurParser.Tests;

/// <summary>The delivery lease in Postgres that keeps two parser replicas off the same delivery.</summary>
public class LeaseTests
{
    [Fact]
    public async Task Claim_WhenAnotherReplicaHoldsTheLease_IsRefusedUntilReleased()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var store = harness.Services.GetRequiredService<ImportStore>();
        var delivery = harness.Delivery("lease-1", DateTimeOffset.UtcNow, ReportFormat.CsvGzip, []);

        var first = await store.ClaimAsync(delivery, "replica-a", TimeSpan.FromMinutes(5), CancellationToken.None);
        var second = await store.ClaimAsync(delivery, "replica-b", TimeSpan.FromMinutes(5), CancellationToken.None);
        await store.ReleaseAsync(delivery, "replica-a");
        var afterRelease = await store.ClaimAsync(delivery, "replica-b", TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.Equal(ClaimResult.Claimed, first);
        Assert.Equal(ClaimResult.LeasedElsewhere, second);
        Assert.Equal(ClaimResult.Claimed, afterRelease);
        Assert.False(await store.RenewAsync(delivery, "replica-a", TimeSpan.FromMinutes(5), CancellationToken.None));
        Assert.True(await store.RenewAsync(delivery, "replica-b", TimeSpan.FromMinutes(5), CancellationToken.None));
    }

    [Fact]
    public async Task Claim_WhenTheLeaseExpired_AnotherReplicaTakesItOver()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var store = harness.Services.GetRequiredService<ImportStore>();
        var delivery = harness.Delivery("lease-2", DateTimeOffset.UtcNow, ReportFormat.CsvGzip, []);
        await store.ClaimAsync(delivery, "crashed-replica", TimeSpan.FromMilliseconds(1), CancellationToken.None);
        await Task.Delay(50);

        var takeover = await store.ClaimAsync(delivery, "replica-b", TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.Equal(ClaimResult.Claimed, takeover);
    }

    [Fact]
    public async Task Claim_WhenTheHolderStoppedRenewingItsMark_AnotherReplicaTakesOverBeforeTheLeaseRunsOut()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var delivery = harness.Delivery("lease-3", DateTimeOffset.UtcNow, ReportFormat.CsvGzip, []);
        var killed = Replica(harness, "killed-replica");
        var live = Replica(harness, "live-replica");
        await killed.ClaimAsync(delivery, "killed-attempt", TimeSpan.FromMinutes(5), CancellationToken.None);

        var atOnce = await live.ClaimAsync(delivery, "live-attempt", TimeSpan.FromMinutes(5), CancellationToken.None);
        await Task.Delay(HolderTimeout + TimeSpan.FromSeconds(0.5));
        var afterTheMarkWentStale = await live.ClaimAsync(delivery, "live-attempt", TimeSpan.FromMinutes(5), CancellationToken.None);

        Assert.Equal(ClaimResult.LeasedElsewhere, atOnce);
        Assert.Equal(ClaimResult.Claimed, afterTheMarkWentStale);
        Assert.False(await killed.RenewAsync(delivery, "killed-attempt", TimeSpan.FromMinutes(5), CancellationToken.None));
    }

    [Fact]
    public async Task Claim_WhenASlowHolderKeepsRenewingItsMark_IsRefusedLongAfterTheHolderTimeout()
    {
        await using var harness = await CurParserHarness.StartAsync();
        var delivery = harness.Delivery("lease-4", DateTimeOffset.UtcNow, ReportFormat.CsvGzip, []);
        var slow = Replica(harness, "slow-replica");
        var other = Replica(harness, "other-replica");
        await slow.ClaimAsync(delivery, "slow-attempt", TimeSpan.FromMinutes(5), CancellationToken.None);
        var dataSource = harness.Services.GetRequiredService<NpgsqlDataSource>();

        // The slow holder renews its mark as its heartbeat does; the other replica keeps trying for
        // well over the holder timeout since the lease was taken.
        var claims = new List<ClaimResult>();
        var since = System.Diagnostics.Stopwatch.StartNew();
        while (since.Elapsed < HolderTimeout * 1.6)
        {
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                await LeaseHolder.MarkAliveAsync(connection, "slow-replica", CancellationToken.None);
            }

            claims.Add(await other.ClaimAsync(delivery, "other-attempt", TimeSpan.FromMinutes(5), CancellationToken.None));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.All(claims, c => Assert.Equal(ClaimResult.LeasedElsewhere, c));
        Assert.True(await slow.RenewAsync(delivery, "slow-attempt", TimeSpan.FromMinutes(5), CancellationToken.None));
    }

    // Generous: the mark is renewed just before each claim, and a loaded machine must not make it look stale.
    private static readonly TimeSpan HolderTimeout = TimeSpan.FromSeconds(5);

    /// <summary>A second replica's store on the same database, as another process would have it.</summary>
    private static ImportStore Replica(CurParserHarness harness, string holder) =>
        new(harness.Services.GetRequiredService<NpgsqlDataSource>(), harness.Services.GetRequiredService<OutboxWriter>(), new LeaseHolder(holder),
            Options.Create(new CurParserOptions { HolderTimeout = HolderTimeout, HolderRenewInterval = TimeSpan.FromSeconds(1) }));
}
