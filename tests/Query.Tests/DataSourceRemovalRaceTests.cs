using Dapper;
using DigiUsher.Query.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DigiUsher.Query.Tests;

/// <summary>
/// The purge of a removed data source against a write already in flight (a discovery chunk being
/// upserted when the removal arrives): its rows must not survive the purge, whichever commits first.
/// </summary>
public sealed class DataSourceRemovalRaceTests
{
    [Fact]
    public async Task Remove_WhenAResourceWriteIsNotYetCommitted_WaitsForItAndPurgesItsRows()
    {
        await using var app = await QueryApp.StartAsync();
        var store = app.Services.GetRequiredService<DataSourceStore>();
        var (organizationId, dataSourceId) = (Guid.NewGuid(), Guid.NewGuid());
        await using var writer = new NpgsqlConnection(app.Database.AdminConnectionString);
        await writer.OpenAsync();
        await using var write = await writer.BeginTransactionAsync();
        await InsertResourceAsync(writer, write, organizationId, dataSourceId, "i-in-flight");

        var removal = store.RemoveAsync(organizationId, dataSourceId, DateTimeOffset.UtcNow, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(removal.IsCompleted, "the purge went ahead while a write of the data source was in flight");
        await write.CommitAsync();
        await removal.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0L, await writer.ExecuteScalarAsync<long>(
            "select count(*) from query.resources where data_source_id = @dataSourceId", new { dataSourceId }));
    }

    [Fact]
    public async Task Insert_WhenTheDataSourceWasRemoved_IsRefused()
    {
        await using var app = await QueryApp.StartAsync();
        var store = app.Services.GetRequiredService<DataSourceStore>();
        var (organizationId, dataSourceId) = (Guid.NewGuid(), Guid.NewGuid());
        await store.RemoveAsync(organizationId, dataSourceId, DateTimeOffset.UtcNow, CancellationToken.None);
        await using var writer = new NpgsqlConnection(app.Database.AdminConnectionString);
        await writer.OpenAsync();
        await using var write = await writer.BeginTransactionAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertResourceAsync(writer, write, organizationId, dataSourceId, "i-late"));

        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        Assert.Contains(dataSourceId.ToString(), refused.MessageText, StringComparison.Ordinal);
    }

    private static Task InsertResourceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizationId, Guid dataSourceId, string resourceId) =>
        connection.ExecuteAsync(
            """
            insert into query.resources (data_source_id, resource_id, organization_id, account_id, kind, region, tags, attributes, run_id,
                discovered_at, first_seen_at)
            values (@dataSourceId, @resourceId, @organizationId, '123456789012', 'ec2-instance', 'us-east-1', '{}', '{}', gen_random_uuid(), now(), now())
            """, new { dataSourceId, resourceId, organizationId }, transaction);
}
