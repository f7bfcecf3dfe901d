using Dapper;
using DigiUsher.Contracts;
using Npgsql;

namespace DigiUsher.Query.Data;

/// <summary>
/// Account names from AWS Organizations (source <c>organizations</c> of <c>account_names</c>), beside
/// those the CUR carries (source <c>cur</c>). <c>account_display_names</c> prefers these: they are the
/// account's current name, where a CUR row keeps the name the account had when it was billed.
/// </summary>
public sealed class AccountNameStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores each listed account's name. An account no longer listed keeps its last name (its past
    /// costs still need one); an older listing delivered late never overwrites a newer one.
    /// </summary>
    public async Task StoreAsync(OrganizationAccountsListed listed, CancellationToken cancellationToken)
    {
        var named = listed.Accounts.Where(a => a.Name.Length > 0).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {QueryDb.Schema}.account_names as a (organization_id, data_source_id, account_id, source, name, updated_at)
            select @OrganizationId, @DataSourceId, id, 'organizations', name, @ListedAt from unnest(@ids, @names) as n(id, name)
            on conflict (data_source_id, account_id, source) do update set name = excluded.name, updated_at = excluded.updated_at
            where a.updated_at <= excluded.updated_at and a.name <> excluded.name
            """,
            new
            {
                listed.OrganizationId, listed.DataSourceId, listed.ListedAt,
                ids = named.Select(a => a.AccountId).ToArray(), names = named.Select(a => a.Name).ToArray(),
            });
    }
}
