using DigiUsher.Testing;

namespace DigiUsher.CurPoller.Tests;

/// <summary>The shared refuse-removed trigger and purge lock in CurPoller's schema (<see cref="RemovedDataSourceGuard"/>).</summary>
public class RemovedDataSourceGuardTests
{
    [Fact]
    public async Task Tables_WhenMigrated_EachOneWithADataSourceRefusesARemovedOne()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("CurPoller", typeof(Program).Assembly);

        await guard.AssertEveryTableRefusesRemovedAsync();
    }

    [Fact]
    public async Task Purge_WhenAReimportRequestIsBeingWritten_WaitsForItPurgesItAndRefusesLaterOnes()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("CurPoller", typeof(Program).Assembly);

        await guard.AssertPurgeWaitsForWritesAndRefusesLaterOnesAsync(
            "reimport_requests",
            $"""
            insert into {guard.Schema}.reimport_requests (request_key, data_source_id, organization_id, billing_period, requested_at)
            values (gen_random_uuid()::text, @dataSourceId, @organizationId, '2026-01', now())
            """,
            $"insert into {guard.Schema}.data_sources (data_source_id, organization_id, changed_at, removed_at) values (@dataSourceId, @organizationId, now(), now())");
    }
}
