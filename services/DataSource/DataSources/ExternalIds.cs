using System.Security.Cryptography;
using Dapper;
using DigiUsher.DataSource.Data;
using Npgsql;

namespace DigiUsher.DataSource.DataSources;

/// <summary>
/// External ids DigiUsher issues to an organization for the trust policy of a role it will connect.
/// The customer never chooses one (AWS's guidance for third parties: the vendor generates a unique
/// external id per customer, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html),
/// so knowing another company's role ARN and external id does not let anyone connect it.
/// </summary>
public sealed class ExternalIdStore(NpgsqlDataSource dataSource)
{
    /// <summary>Unused ids an organization keeps at most; issuing more forgets the oldest.</summary>
    public const int MaxUnusedPerOrganization = 20;

    /// <summary>A new id: "digiusher-" and 128 random bits in hex (AWS allows 2-1224 characters of [\w+=,.@:/-]).</summary>
    public static string NewId() => "digiusher-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async Task<string> IssueAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        var externalId = NewId();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"""
            insert into {DataSourceDb.Schema}.external_ids (external_id, organization_id) values (@externalId, @organizationId);
            delete from {DataSourceDb.Schema}.external_ids where organization_id = @organizationId and external_id in (
                select external_id from {DataSourceDb.Schema}.external_ids where organization_id = @organizationId
                order by issued_at desc offset @keep);
            """, new { externalId, organizationId, keep = MaxUnusedPerOrganization });
        return externalId;
    }

    /// <summary>True when DigiUsher issued <paramref name="externalId"/> to the organization and no data source took it yet.</summary>
    public async Task<bool> IsUnusedAsync(Guid organizationId, string externalId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(
            $"select exists (select 1 from {DataSourceDb.Schema}.external_ids where organization_id = @organizationId and external_id = @externalId)",
            new { organizationId, externalId });
    }
}
