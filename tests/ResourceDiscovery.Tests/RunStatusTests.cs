using DigiUsher.ResourceDiscovery.Data;
using DigiUsher.Testing;

namespace DigiUsher.ResourceDiscovery.Tests;

public class RunStatusTests
{
    [Fact]
    public async Task StatusColumn_WhenMigrated_AllowsExactlyTheRunStatuses()
    {
        await using var database = await StatusConstraints.MigrateAsync("ResourceDiscovery", typeof(Program).Assembly);

        await database.AssertMirrorsAsync<RunStatus>("runs", "status");
    }
}
