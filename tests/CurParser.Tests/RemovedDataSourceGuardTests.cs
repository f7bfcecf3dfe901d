using DigiUsher.Testing;

namespace DigiUsher.CurParser.Tests;

/// <summary>The shared refuse-removed trigger and purge lock in CurParser's schema (<see cref="RemovedDataSourceGuard"/>).</summary>
public class RemovedDataSourceGuardTests
{
    [Fact]
    public async Task Tables_WhenMigrated_EachOneWithADataSourceRefusesARemovedOne()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("CurParser", typeof(Program).Assembly);

        await guard.AssertEveryTableRefusesRemovedAsync();
    }

    [Fact]
    public async Task Purge_WhenADeliveryIsBeingWritten_WaitsForItPurgesItAndRefusesLaterOnes()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("CurParser", typeof(Program).Assembly);

        await guard.AssertPurgeWaitsForWritesAndRefusesLaterOnesAsync(
            "deliveries",
            $"""
            insert into {guard.Schema}.deliveries (data_source_id, delivery_id, organization_id, billing_period, detected_at)
            values (@dataSourceId, gen_random_uuid()::text, @organizationId, '2026-01', now())
            """,
            $"insert into {guard.Schema}.data_sources (data_source_id, organization_id, removed_at) values (@dataSourceId, @organizationId, now())");
    }
}
