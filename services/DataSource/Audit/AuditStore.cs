using System.Text.Json;
using Dapper;
using DigiUsher.DataSource.Data;
using Npgsql;

namespace DigiUsher.DataSource.Audit;

/// <summary>A row of <c>datasource.audit_events</c>.</summary>
public sealed class AuditEventRow
{
    public Guid Id { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public string ActorType { get; init; } = string.Empty;

    public string? ActorId { get; init; }

    public string? ActorEmail { get; init; }

    public string Action { get; init; } = string.Empty;

    public string Outcome { get; init; } = string.Empty;

    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public string? ClientAddress { get; init; }

    public string? CorrelationId { get; init; }

    public string? Detail { get; init; }

    public IReadOnlyDictionary<string, string>? DetailValues => Detail is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(Detail);
}

/// <summary>What to list: an action (exact, or every action of an area with <c>user.</c>), an actor, a target, an outcome, a time range.</summary>
public sealed record AuditFilter(string? Action, string? ActorId, string? TargetId, string? Outcome, DateTimeOffset? Since, DateTimeOffset? Before);

/// <summary>Reads an organization's audit log, newest first, by keyset.</summary>
public sealed class AuditStore(NpgsqlDataSource dataSource)
{
    static AuditStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    public async Task<IReadOnlyList<AuditEventRow>> ListAsync(Guid organizationId, AuditFilter filter, (DateTimeOffset At, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var areaPrefix = filter.Action is { } a && a.EndsWith('.') ? a : null;
        return [.. await connection.QueryAsync<AuditEventRow>(new CommandDefinition(
            $"""
            select id, occurred_at, actor_type, actor_id, actor_email, action, outcome, target_type, target_id, client_address, correlation_id, detail::text as detail
            from {DataSourceDb.Schema}.audit_events
            where organization_id = @organizationId
              and (@action::text is null or action = @action or (@areaPrefix::text is not null and starts_with(action, @areaPrefix)))
              and (@actorId::text is null or actor_id = @actorId)
              and (@targetId::text is null or target_id = @targetId)
              and (@outcome::text is null or outcome = @outcome)
              and (@since::timestamptz is null or occurred_at >= @since)
              and (@before::timestamptz is null or occurred_at < @before)
              and (@afterAt::timestamptz is null or (occurred_at, id) < (@afterAt, @afterId))
            order by occurred_at desc, id desc
            limit @limit
            """,
            new
            {
                organizationId,
                action = filter.Action,
                areaPrefix,
                actorId = filter.ActorId,
                targetId = filter.TargetId,
                outcome = filter.Outcome,
                since = filter.Since,
                before = filter.Before,
                afterAt = after?.At,
                afterId = after?.Id ?? Guid.Empty,
                limit,
            },
            cancellationToken: cancellationToken))];
    }
}
