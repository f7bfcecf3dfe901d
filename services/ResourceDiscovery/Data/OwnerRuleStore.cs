using Dapper;
using DigiUsher.ResourceDiscovery.Owners;
using Npgsql;

namespace DigiUsher.ResourceDiscovery.Data;

/// <summary>What became of a change of one rule.</summary>
public enum OwnerRuleChange
{
    Done,
    NotFound,
    PreconditionFailed,
}

/// <summary>Owner rules of an organization; every query is scoped to it.</summary>
public sealed class OwnerRuleStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "rule_id, organization_id, position, match, key, value, owner_email";

    internal static async Task<IReadOnlyList<OwnerRule>> ListAsync(NpgsqlConnection connection, Guid organizationId, NpgsqlTransaction? transaction)
    {
        var rows = await connection.QueryAsync<(Guid RuleId, Guid OrganizationId, int Position, string Match, string? Key, string? Value, string OwnerEmail)>(
            $"select {Columns} from {DiscoveryDb.Schema}.owner_rules where organization_id = @organizationId order by position", new { organizationId }, transaction);
        return rows.Select(r => new OwnerRule(r.RuleId, r.OrganizationId, r.Position, Enum.Parse<OwnerRuleMatch>(r.Match, ignoreCase: true), r.Key, r.Value, r.OwnerEmail)).ToList();
    }

    public async Task<IReadOnlyList<OwnerRule>> ListAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ListAsync(connection, organizationId, null);
    }

    public async Task<OwnerRule?> GetAsync(Guid organizationId, Guid ruleId, CancellationToken cancellationToken) =>
        (await ListAsync(organizationId, cancellationToken)).FirstOrDefault(r => r.RuleId == ruleId);

    /// <summary>Inserts at <paramref name="position"/> (0-based; null or past the end appends), shifting later rules down.</summary>
    public async Task<OwnerRule> CreateAsync(Guid organizationId, OwnerRuleMatch match, string? key, string? value, string ownerEmail, int? position, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, organizationId, transaction);
        var rules = await ListAsync(connection, organizationId, transaction);
        var at = Math.Clamp(position ?? rules.Count, 0, rules.Count);
        var ruleId = Guid.CreateVersion7();
        await connection.ExecuteAsync("set constraints all deferred", transaction: transaction);
        await connection.ExecuteAsync(
            $"update {DiscoveryDb.Schema}.owner_rules set position = position + 1, updated_at = now() where organization_id = @organizationId and position >= @at",
            new { organizationId, at }, transaction);
        await connection.ExecuteAsync($"""
            insert into {DiscoveryDb.Schema}.owner_rules (rule_id, organization_id, position, match, key, value, owner_email)
            values (@ruleId, @organizationId, @at, @match, @key, @value, @ownerEmail)
            """, new { ruleId, organizationId, at, match = Name(match), key, value, ownerEmail }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return new OwnerRule(ruleId, organizationId, at, match, key, value, ownerEmail);
    }

    /// <summary>
    /// Replaces a rule's condition and owner if <paramref name="holds"/> accepts its current state (an
    /// If-Match), under the organization's lock so no other change comes between the check and the update.
    /// </summary>
    public async Task<(OwnerRuleChange Outcome, OwnerRule? Rule)> UpdateAsync(
        Guid organizationId, Guid ruleId, OwnerRuleMatch match, string? key, string? value, string ownerEmail, Func<OwnerRule, bool> holds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, organizationId, transaction);
        var current = (await ListAsync(connection, organizationId, transaction)).FirstOrDefault(r => r.RuleId == ruleId);
        if (current is null || !holds(current))
        {
            return (current is null ? OwnerRuleChange.NotFound : OwnerRuleChange.PreconditionFailed, current);
        }

        await connection.ExecuteAsync($"""
            update {DiscoveryDb.Schema}.owner_rules set match = @match, key = @key, value = @value, owner_email = @ownerEmail, updated_at = now()
            where organization_id = @organizationId and rule_id = @ruleId
            """, new { organizationId, ruleId, match = Name(match), key, value, ownerEmail }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return (OwnerRuleChange.Done, current with { Match = match, Key = key, Value = value, OwnerEmail = ownerEmail });
    }

    /// <summary>Deletes a rule if <paramref name="holds"/> accepts its current state; later rules move up.</summary>
    public async Task<OwnerRuleChange> DeleteAsync(Guid organizationId, Guid ruleId, Func<OwnerRule, bool> holds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, organizationId, transaction);
        var current = (await ListAsync(connection, organizationId, transaction)).FirstOrDefault(r => r.RuleId == ruleId);
        if (current is null || !holds(current))
        {
            return current is null ? OwnerRuleChange.NotFound : OwnerRuleChange.PreconditionFailed;
        }

        await connection.ExecuteAsync(
            $"delete from {DiscoveryDb.Schema}.owner_rules where organization_id = @organizationId and rule_id = @ruleId", new { organizationId, ruleId }, transaction);
        await connection.ExecuteAsync(
            $"update {DiscoveryDb.Schema}.owner_rules set position = position - 1 where organization_id = @organizationId and position > @position",
            new { organizationId, position = current.Position }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return OwnerRuleChange.Done;
    }

    /// <summary>Puts the rules in the given order; false unless <paramref name="ruleIds"/> is exactly the organization's rules.</summary>
    public async Task<bool> ReorderAsync(Guid organizationId, IReadOnlyList<Guid> ruleIds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await LockAsync(connection, organizationId, transaction);
        var existing = (await ListAsync(connection, organizationId, transaction)).Select(r => r.RuleId).ToHashSet();
        if (ruleIds.Count != existing.Count || !existing.SetEquals(ruleIds))
        {
            return false;
        }

        await connection.ExecuteAsync("set constraints all deferred", transaction: transaction);
        await connection.ExecuteAsync($"""
            update {DiscoveryDb.Schema}.owner_rules r set position = o.position - 1, updated_at = now()
            from unnest(@ids) with ordinality as o(rule_id, position)
            where r.organization_id = @organizationId and r.rule_id = o.rule_id
            """, new { organizationId, ids = ruleIds.ToArray() }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private async Task LockAsync(NpgsqlConnection connection, Guid organizationId, NpgsqlTransaction transaction) =>
        await connection.ExecuteAsync("select pg_advisory_xact_lock(hashtext(@key))", new { key = $"{DiscoveryDb.Schema}:owner-rules:{organizationId}" }, transaction);

    internal static string Name(OwnerRuleMatch match) => char.ToLowerInvariant(match.ToString()[0]) + match.ToString()[1..];
}
