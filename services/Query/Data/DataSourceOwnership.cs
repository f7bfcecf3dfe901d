using Dapper;

namespace DigiUsher.Query.Data;

/// <summary>
/// Whether a data source is the organization's, as far as Query knows it from events: its
/// <c>DataSourceCreated</c>/<c>Changed</c> row names the organization and it is not removed, or, before that event
/// arrives (queues are not ordered with each other), an import, a loading import or a discovered resource of
/// the organization names it. A row of another organization, or a removed one, is never the caller's.
/// </summary>
public sealed class DataSourceOwnership(ApiDataSource dataSource)
{
    public async Task<bool> IsOwnAsync(Guid organizationId, Guid dataSourceId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"""
            select case
                when exists (select 1 from {QueryDb.Schema}.data_sources d where d.data_source_id = @dataSourceId)
                    then exists (select 1 from {QueryDb.Schema}.data_sources d
                        where d.data_source_id = @dataSourceId and d.organization_id = @organizationId and d.removed_at is null)
                else exists (select 1 from {QueryDb.Schema}.imports i where i.data_source_id = @dataSourceId and i.organization_id = @organizationId)
                    or exists (select 1 from {QueryDb.Schema}.resources r where r.data_source_id = @dataSourceId and r.organization_id = @organizationId)
                    or exists (select 1 from {QueryDb.Schema}.imports_in_progress p
                        where p.data_source_id = @dataSourceId and p.organization_id = @organizationId)
            end
            """,
            new { organizationId, dataSourceId },
            cancellationToken: cancellationToken));
    }
}
