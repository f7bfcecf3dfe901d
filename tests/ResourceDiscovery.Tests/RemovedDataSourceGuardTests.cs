using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>The shared refuse-removed trigger and purge lock in ResourceDiscovery's schema (<see cref="RemovedDataSourceGuard"/>).</summary>
public class RemovedDataSourceGuardTests
{
    [Fact]
    public async Task Tables_WhenMigrated_EachOneWithADataSourceRefusesARemovedOne()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("ResourceDiscovery", typeof(Program).Assembly);

        await guard.AssertEveryTableRefusesRemovedAsync();
    }

    [Fact]
    public async Task Purge_WhenARunIsBeingWritten_WaitsForItPurgesItAndRefusesLaterOnes()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("ResourceDiscovery", typeof(Program).Assembly);

        await guard.AssertPurgeWaitsForWritesAndRefusesLaterOnesAsync(
            "runs",
            $"insert into {guard.Schema}.runs (run_id, organization_id, data_source_id, status) values (gen_random_uuid(), @organizationId, @dataSourceId, 'running')",
            $"""
            insert into {guard.Schema}.data_sources (data_source_id, organization_id, settings, last_event_at, removed_at)
            values (@dataSourceId, @organizationId, 'null'::jsonb, now(), now())
            """);
    }
}
