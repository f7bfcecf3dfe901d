using DigiUsher.Testing;

namespace DigiUsher.Query.Tests;

/// <summary>The shared refuse-removed trigger and purge lock in Query's schema (<see cref="RemovedDataSourceGuard"/>).</summary>
public class RemovedDataSourceGuardTests
{
    [Fact]
    public async Task Tables_WhenMigrated_EachOneWithADataSourceRefusesARemovedOne()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("Query", typeof(Program).Assembly);

        // The cost tables are bulk loaded (no per-row trigger): a load writes its cost_periods and cost_loads rows,
        // which refuse, in the same transaction, so a refused one rolls the whole load back.
        await guard.AssertEveryTableRefusesRemovedAsync("daily_costs", "daily_dimension_costs", "daily_label_costs", "hourly_costs");
    }

    [Fact]
    public async Task Purge_WhenAnImportsProgressIsBeingWritten_WaitsForItPurgesItAndRefusesLaterOnes()
    {
        await using var guard = await RemovedDataSourceGuard.MigrateAsync("Query", typeof(Program).Assembly);

        await guard.AssertPurgeWaitsForWritesAndRefusesLaterOnesAsync(
            "imports_in_progress",
            $"""
            insert into {guard.Schema}.imports_in_progress (import_id, organization_id, data_source_id, billing_period, delivery_id, files_done, files,
                rows, rows_per_second, started_at, replica, reported_at)
            values (gen_random_uuid(), @organizationId, @dataSourceId, '2026-01-01', 'd1', 0, 1, 0, 0, now(), 'parser-1', now())
            """,
            $"""
            insert into {guard.Schema}.data_sources (data_source_id, organization_id, name, bucket, prefix, region, created_by_email, removed_at, changed_at)
            values (@dataSourceId, @organizationId, '', '', '', '', '', now(), now())
            """);
    }
}
