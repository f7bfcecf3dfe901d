using DigiUsher.Contracts;
using DigiUsher.CurParser.Importing;
using Microsoft.Extensions.DependencyInjection;

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
}
